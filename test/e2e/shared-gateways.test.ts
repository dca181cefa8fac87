// Two `switchyard gateway` processes, as two replicas would run them: each its own state directory, one Redis
// (`gateway.state: redis://…`) and one PostgreSQL ledger between them. A key one gateway found rate-limited is skipped
// by the other; 50 requests at once spread over both hold one token budget together, passing its cap by less than one
// hold (docs/budgets.md#how-it-holds); `switchyard usage` then reports both gateways' requests in one ledger, equal to
// what the simulator billed. Skipped, saying why, without redis-server or a PostgreSQL server.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { holdInputTokens } from '../../src/budgets/hold-size.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { createTestDatabase, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { runCli } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { ADMIN_KEY, FAST_RETRY, simProvider } from '../gateway/harness.ts';

const COOLED = 'sk-sim-pair-cooled-0001';
const GOOD = 'sk-sim-pair-good-00002';
const LIMIT = 2_000;
const MAX_TOKENS = 60;
const CONCURRENT = 50;
// Long enough that each answer fills max_tokens, so a request really uses about what it holds.
const MESSAGES = [{ role: 'user' as const, content: 'count to a thousand, slowly, one number a line. '.repeat(8) }];
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

interface Answer {
  status: number;
  attempts: string | null;
  code?: string;
}

async function chat(url: string, maxTokens?: number): Promise<Answer> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'main',
      messages: MESSAGES,
      ...(maxTokens !== undefined ? { max_tokens: maxTokens } : { max_tokens: 5 }),
    }),
  });
  const body = (await res.json()) as { error?: { code?: string } };
  const code = body.error?.code;
  return { status: res.status, attempts: res.headers.get('x-switchyard-attempts'), ...(code ? { code } : {}) };
}

async function firstKeyState(url: string): Promise<string | undefined> {
  const res = await fetch(`${url}/admin/credentials`, { headers: admin });
  const body = (await res.json()) as { providers: { p: { state: string }[] } };
  return body.providers.p[0]?.state;
}

/** A gateway process of its own: its own SWITCHYARD_HOME (so only Redis and PostgreSQL connect the two). */
async function gatewayProcess(t: TestContext, configPath: string, home: string): Promise<GatewayProcess> {
  return spawnGateway(
    t,
    ['--config', configPath],
    { SWITCHYARD_HOME: home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
    undefined,
    {
      killAfterMs: 180_000,
    },
  );
}

test(
  'two gateway processes on one Redis: a cooled key is skipped by both, 50 requests hold one budget, one usage report',
  { skip: REDIS_MISSING ?? POSTGRES_MISSING, timeout: 180_000 },
  async (t) => {
    await using redis = await startTestRedis();
    await using db = await createTestDatabase();
    // A little latency so that the 50 are in flight together, holding at once rather than one after another.
    await using sim = await startSimulator({
      scenario: {
        models: { 'sim-large': { latency: '100ms' } },
        keys: { [COOLED]: { rate_limit_after: 0, reset: '1h' }, [GOOD]: {} },
      },
    });
    using ws = tempWorkspace('switchyard-e2e-pair-');
    const configPath = ws.write(
      'switchyard.yaml',
      stringify({
        providers: { p: simProvider(sim.url, 'openai', [COOLED, GOOD]) },
        main: { provider: 'p', model: 'sim-large' },
        auxiliary: { compression: { provider: 'none' } },
        retry: FAST_RETRY,
        budgets: { pair: { all: true, tokens: { day: LIMIT } } },
        gateway: { state: redis.url, require_keys: false, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
        usage: { store: db.url },
      }),
    );
    const homes = [`${ws.dir}/home-one`, `${ws.dir}/home-two`];
    await using one = await gatewayProcess(t, configPath, homes[0]!);
    await using two = await gatewayProcess(t, configPath, homes[1]!);

    // Gateway one meets the 429 and moves on; gateway two learns of the cooldown through Redis and never tries it.
    const first = await chat(one.url);
    assert.equal(first.status, 200);
    assert.equal(first.attempts, '2');
    await until('gateway two to see the cooldown', async () => (await firstKeyState(two.url)) === 'cooling', 30_000);
    const second = await chat(two.url);
    assert.equal(second.attempts, '1', 'the cooled key is not tried by the other gateway');
    assert.equal(sim.calls(COOLED), 1);

    // 50 at once, alternating between the two gateways, on one token budget.
    const burst = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => chat((i % 2 === 0 ? one : two).url, MAX_TOKENS)),
    );
    const served = burst.filter((a) => a.status === 200).length;
    const refused = burst.filter((a) => a.status === 429 && a.code === 'budget_exceeded').length;
    assert.equal(served + refused, CONCURRENT, JSON.stringify(burst));
    assert.ok(refused > 0, 'the cap was reached');
    assert.equal(sim.calls(GOOD), served + 2, 'a refused request sent nothing upstream');

    // Stopping each gateway settles its holds and writes its ledger rows.
    one.child.kill('SIGTERM');
    two.child.kill('SIGTERM');
    assert.equal(await one.exited, 0, one.stderr());
    assert.equal(await two.exited, 0, two.stderr());

    const env = { SWITCHYARD_HOME: homes[0]!, SWITCHYARD_ADMIN_KEY: ADMIN_KEY };
    const budgets = await runCli(['--config', configPath, 'usage', 'budgets', '--json'], { env, cwd: ws.dir });
    assert.equal(budgets.code, 0, budgets.stderr);
    const [row] = JSON.parse(budgets.stdout) as { budget: string; spent: number; reserved: number }[];
    assert.equal(row?.budget, 'pair');
    const hold = holdInputTokens(MESSAGES) + MAX_TOKENS;
    const overshoot = row.spent - LIMIT;
    t.diagnostic(
      `${CONCURRENT} over two gateways: ${served} served, ${refused} refused; spent ${row.spent} of ${LIMIT} tokens, overshoot ${overshoot} (${(overshoot / hold).toFixed(2)} of one ${hold}-token hold)`,
    );
    assert.equal(row.reserved, 0, 'every hold settled');
    assert.ok(overshoot < hold, `overshoot ${overshoot} is less than one hold (${hold})`);

    // One report over both gateways' rows, from the other gateway's home: the ledger is the shared PostgreSQL one.
    const usage = await runCli(['--config', configPath, 'usage', '--since', '1d', '--json'], {
      env: { ...env, SWITCHYARD_HOME: homes[1]! },
      cwd: ws.dir,
    });
    assert.equal(usage.code, 0, usage.stderr);
    const report = JSON.parse(usage.stdout) as {
      store: string;
      total: { requests: number; input_tokens: number; output_tokens: number };
    };
    const billed = sim.billed();
    assert.equal(report.store, 'postgres');
    assert.equal(report.total.requests, CONCURRENT + 2, 'every request of both gateways, refused ones included');
    assert.equal(report.total.input_tokens + report.total.output_tokens, row.spent, 'the budget spent what was billed');
    assert.deepEqual(
      { input: report.total.input_tokens, output: report.total.output_tokens },
      { input: billed.input_tokens, output: billed.output_tokens },
    );
  },
);
