// A budget added to a running gateway's config (a hot reload) starts at what the usage ledger says its scope spent
// today, not at 0: `/admin/budgets` and `switchyard usage budgets` show that spend and say it was seeded, and a
// budget the ledger's spend already passes refuses the next request before anything is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import OpenAI from 'openai';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY } from './harness.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { SLOW_STEP_MS, until } from '../helpers/until.ts';

const UPSTREAM = 'sk-sim-seed-good-00001';

const config = (sim: string, budgets: Record<string, unknown>) => ({
  providers: {
    simoa: simProvider(sim, 'openai', UPSTREAM, { models: { 'sim-large': { price: { input: 1, output: 1 } } } }),
  },
  main: { provider: 'simoa', model: 'sim-large' },
  auxiliary: { compression: { provider: 'none' } },
  retry: FAST_RETRY,
  gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
  budgets,
});

interface Row {
  budget: string;
  spent: number;
  seeded?: { amount: number; at: string; note: string };
}

test('a budget added by a reload starts at the ledger spend of its scope today, and refuses once that is over', async () => {
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { [UPSTREAM]: {} } },
    config: (sim) => config(sim, {}),
    watch: true,
  });
  const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  let tokens = 0;
  let usd = 0;
  for (let i = 0; i < 3; i++) {
    const { data, response } = await openai.chat.completions
      .create({ model: 'main', messages: [{ role: 'user', content: `hello ${i}` }], max_tokens: 5 })
      .withResponse();
    tokens += (data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0);
    usd += Number(/cost_usd=([\d.e-]+)/.exec(response.headers.get('x-switchyard-usage') ?? '')?.[1]);
  }
  assert.ok(tokens > 0 && usd > 0, `${tokens} tokens, $${usd}`);
  // A reload is read on a worker thread and seeded from the ledger afterwards: each is waited for by its log line.
  const logged = (text: string): number => h.logs.filter((l) => l.includes(text)).length;
  const reloads = (): number => logged('"msg":"config reloaded"');

  h.writeConfig(
    config(h.sim.url, {
      app_tokens: { client_key: 'test-client', tokens: { day: 1_000_000 } },
      app_requests: { client_key: 'test-client', requests: { day: 100 } },
      // Below what the three requests cost: the budget is spent before it existed.
      app_usd: { client_key: 'test-client', usd: { day: usd / 2 } },
      other_key: { client_key: 'someone-else', tokens: { day: 1000 } },
    }),
  );
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  const rows = async (): Promise<Row[]> =>
    ((await (await fetch(`${h.url}/admin/budgets`, { headers: admin })).json()) as { budgets?: Row[] }).budgets ?? [];
  await until(
    'the new budgets to be seeded',
    () => ['app_tokens', 'app_requests', 'app_usd'].every((b) => logged(`budget ${b} (client key test-client)`) === 1),
    SLOW_STEP_MS,
  );
  const byName = new Map((await rows()).map((r) => [r.budget, r]));
  assert.equal(byName.get('app_tokens')?.spent, tokens);
  assert.equal(byName.get('app_requests')?.spent, 3);
  assert.ok(Math.abs((byName.get('app_usd')?.spent ?? 0) - usd) < 2e-6, `${byName.get('app_usd')?.spent} ≈ ${usd}`);
  assert.equal(byName.get('other_key')?.spent, 0, 'another key spent nothing');
  assert.equal(byName.get('other_key')?.seeded, undefined);
  assert.match(
    byName.get('app_requests')?.seeded?.note ?? '',
    /^seeded from the ledger at \d{4}-\d\d-\d\d \d\d:\d\d UTC: 3 requests spent before this budget existed$/,
  );
  assert.ok(h.logs.some((l) => l.includes('budget app_tokens (client key test-client) per day starts at')));

  const sent = h.sim.calls(UPSTREAM);
  await assert.rejects(
    openai.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'more' }], max_tokens: 5 }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.RateLimitError, String(err));
      assert.equal(err.code, 'budget_exceeded');
      assert.match(err.message, /budget app_usd \(client key test-client\) is spent/);
      return true;
    },
  );
  assert.equal(h.sim.calls(UPSTREAM), sent, 'refused before anything was sent');

  // The CLI, reading the same state file, says where the spend came from.
  const cli = await runCliInProcess(['-c', h.configPath, 'usage', 'budgets'], {
    env: { SWITCHYARD_HOME: dirname(h.store.location), SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
  });
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(
    cli.stdout,
    /^app_usd \(usd per day\): seeded from the ledger at \d{4}-\d\d-\d\d \d\d:\d\d UTC: \$0\.0000\d+ spent before this budget existed$/m,
  );

  // A second reload (the same budgets) seeds nothing again: the counters have their spend.
  const seededAt = byName.get('app_tokens')?.seeded?.at;
  const reloaded = reloads();
  h.writeConfig(
    config(h.sim.url, {
      app_tokens: { client_key: 'test-client', tokens: { day: 2_000_000 } },
      app_requests: { client_key: 'test-client', requests: { day: 100 } },
      app_usd: { client_key: 'test-client', usd: { day: usd / 2 } },
      other_key: { client_key: 'someone-else', tokens: { day: 1000 } },
    }),
  );
  await until('the second reload', () => reloads() > reloaded, SLOW_STEP_MS);
  assert.ok(
    (await rows()).some((r) => r.budget === 'app_tokens' && (r as Row & { limit: number }).limit === 2_000_000),
    'the new limit is in force',
  );
  const again = new Map((await rows()).map((r) => [r.budget, r]));
  assert.equal(again.get('app_tokens')?.spent, tokens);
  assert.equal(again.get('app_tokens')?.seeded?.at, seededAt);
});
