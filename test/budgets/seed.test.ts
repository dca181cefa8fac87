// Seeding new budget counters from the usage ledger (src/budgets/seed.ts): each scope and resource counts what
// settle would have (an attempt's tokens and cost on its own route and key; a request that reached an upstream),
// since its window began (a `calls` counter: the tool calls a budget admitted); minute windows are left alone; and
// replicas on one Redis, each with its own ledger, seed a counter once — with the first one's view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/config/mask.ts';
import { Budgets } from '../../src/budgets/budgets.ts';
import { budgetRows } from '../../src/budgets/snapshot.ts';
import { openLedger } from '../../src/usage/open.ts';
import { usageSchema } from '../../src/config/schema.ts';
import type { UsageLedger } from '../../src/usage/ledger.ts';
import type { Charge, UsageRow } from '../../src/usage/row.ts';
import { openStore } from '../../src/state/open.ts';
import { RedisStore } from '../../src/state/redis/store.ts';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import type { Seeded } from '../../src/budgets/seed.ts';
import { toolCallRow } from '../../src/mcp/tool-call-row.ts';
import type { ToolCallOutcome } from '../../src/calls/tool-call.ts';
import { loadedFrom } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import type { LoadedConfig } from '../../src/config/types.ts';

const A = 'sk-seed-aaaaaaaaaaa1';
const B = 'sk-seed-bbbbbbbbbbb2';
const C = 'sk-seed-ccccccccccc3';
const NOW = Date.UTC(2026, 10, 24, 10, 30);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** NOW's time of day, today by the real clock: Redis drops a counter a week after its window resets by its own clock,
 * so a test on Redis at a fixed date would find nothing from a week on. */
const TODAY = Math.floor(Date.now() / DAY) * DAY + (NOW % DAY);

function loaded(budgets: Record<string, unknown>): LoadedConfig {
  return loadedFrom({
    providers: {
      mimo: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_keys: [A, B] },
      deep: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_keys: [C] },
    },
    main: { provider: 'mimo', model: 'sim-large' },
    budgets,
  });
}

function charge(route: string, key: string, input: number, output: number, cost: number): Charge {
  return {
    route,
    credential: fingerprint(key),
    outcome: 'ok',
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    estimated: false,
    cost_usd: cost,
  };
}

let ids = 0;
function row(at: number, clientKey: string, task: string, charges: Charge[]): UsageRow {
  const last = charges.at(-1);
  const sum = (f: (c: Charge) => number) => charges.reduce((n, c) => n + f(c), 0);
  return {
    id: `r${++ids}`,
    at,
    client_key: clientKey,
    task,
    model: 'main',
    alias: '',
    route: last?.route ?? '',
    credential: last?.credential ?? '',
    attempts: charges.length,
    input_tokens: sum((c) => c.input_tokens),
    output_tokens: sum((c) => c.output_tokens),
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    estimated: false,
    cost_usd: sum((c) => c.cost_usd ?? 0),
    status: last === undefined ? 'budget_exceeded' : 'ok',
    failure_kind: last === undefined ? 'budget' : '',
    latency_ms: 10,
    ttft_ms: null,
    stream_end: '',
    charges,
  };
}

async function ledgerWith(home: string, rows: UsageRow[]): Promise<UsageLedger> {
  const ledger = openLedger(usageSchema.parse({}), { home, now: () => NOW })!;
  for (const r of rows) ledger.record(r);
  await ledger.flush();
  return ledger;
}

test('each scope and resource is seeded with what the ledger says it spent since its window began', async () => {
  const ws = tempWorkspace('switchyard-seed-');
  const ledger = await ledgerWith(ws.home, [
    row(NOW - 80 * 60_000, 'app', 'main', [charge('mimo/sim-large', A, 100, 10, 0.001)]),
    // A fallback: one attempt on each provider.
    row(NOW - 25 * 60_000, '', 'title_generation', [
      charge('mimo/sim-large', B, 50, 5, 0.0005),
      charge('deep/sim-small', C, 20, 2, 0.0002),
    ]),
    // Yesterday: outside every day window.
    row(NOW - 12 * HOUR, 'app', 'main', [charge('mimo/sim-large', A, 1000, 100, 0.01)]),
    // Refused before sending: no route, no request counted.
    row(NOW - 20 * 60_000, 'app', 'main', []),
  ]);
  const store = openStore({ kind: 'memory' });
  const config = loaded({
    all_tokens: { all: true, tokens: { day: 1e9 } },
    titles: { task: 'title_generation', requests: { day: 100 } },
    app_usd: { client_key: 'app', usd: { day: 100 }, requests: { day: 100 } },
    deep_tokens: { provider: 'deep', tokens: { day: 1e9 } },
    route_tokens: { provider: 'mimo', model: 'sim-large', tokens: { day: 1e9 } },
    key_a: { provider: 'mimo', credential: fingerprint(A).slice(0, 8), tokens: { day: 1e9 } },
    hourly: { all: true, requests: { hour: 100 } },
    per_minute: { all: true, requests: { minute: 100 } },
  });
  const seeded: Seeded[] = [];
  const budgets = new Budgets(store.budgets, () => NOW);
  budgets.seedFrom((q) => ledger.totals(q), { seeded: (s) => seeded.push(...s) });
  const plan = budgets.plan(config);
  await budgets.seeded();
  const rows = await budgetRows(plan, store.budgets, NOW);
  const spent = Object.fromEntries(rows.map((r) => [`${r.budget}.${r.resource}.${r.window}`, r.spent]));
  assert.deepEqual(spent, {
    'all_tokens.tokens.day': 110 + 55 + 22,
    'titles.requests.day': 1,
    'app_usd.usd.day': 0.001,
    'app_usd.requests.day': 1,
    'deep_tokens.tokens.day': 22,
    'route_tokens.tokens.day': 110 + 55,
    'key_a.tokens.day': 110,
    'hourly.requests.hour': 1,
    'per_minute.requests.minute': 0,
  });
  assert.equal(seeded.length, 8, 'all but the minute window');
  assert.deepEqual(
    rows.find((r) => r.budget === 'hourly')?.seeded,
    { amount: 1, at: NOW },
    'the hour window counts from 10:00',
  );

  // Planned again (a reload): nothing is seeded twice.
  budgets.plan(loaded({ all_tokens: { all: true, tokens: { day: 2e9 } } }));
  await budgets.seeded();
  assert.equal(seeded.length, 8);
  await ledger.close();
  await store.close();
  ws.cleanup();
});

test(
  'replicas on one Redis, each with its own ledger, seed a new budget once: with the first one’s view',
  {
    skip: REDIS_MISSING,
  },
  async () => {
    await using redis = await startTestRedis();
    const ws = [tempWorkspace('switchyard-seed-a-'), tempWorkspace('switchyard-seed-b-')];
    const spend = [300, 700];
    const ledgers = await Promise.all(
      ws.map((w, i) =>
        ledgerWith(w.home, [row(TODAY - HOUR, 'app', 'main', [charge('mimo/sim-large', A, spend[i]!, 0, 0)])]),
      ),
    );
    const stores = ws.map(
      () =>
        new RedisStore({
          url: redis.url,
          prefix: `seed${process.pid}:`,
          local: new SqliteStore({ path: ':memory:' }),
          connectTimeoutMs: 2000,
          warn: () => {},
        }),
    );
    const seeded: Seeded[] = [];
    const config = loaded({ app_tokens: { client_key: 'app', tokens: { day: 1e9 } } });
    const replicas = stores.map((s, i) => {
      const b = new Budgets(
        s.budgets,
        () => TODAY,
        () => s.ready(),
      );
      b.seedFrom((q) => ledgers[i]!.totals(q), { seeded: (x) => seeded.push(...x) });
      return b;
    });
    replicas.forEach((b) => b.plan(config));
    await Promise.all(replicas.map((b) => b.seeded()));
    assert.equal(seeded.length, 1, 'seeded once');
    for (const [i, b] of replicas.entries()) {
      const [r] = await budgetRows(b.plan(config), stores[i]!.budgets, TODAY);
      assert.equal(r?.spent, seeded[0]!.amount);
      assert.ok(spend.includes(r?.spent ?? -1), `one replica's ledger: ${r?.spent}`);
    }
    for (const l of ledgers) await l.close();
    for (const s of stores) await s.close();
    for (const w of ws) w.cleanup();
  },
);

test('a ledger that does not answer holds calls back a moment once, then they are served and counted from 0', async () => {
  const store = openStore({ kind: 'memory' });
  const failures: unknown[] = [];
  const budgets = new Budgets(store.budgets, Date.now);
  budgets.seedFrom(() => new Promise(() => {}), { failed: (err) => failures.push(err) });
  const config = loaded({ app_requests: { client_key: 'app', requests: { day: 10 } } });
  budgets.plan(config);
  const call = budgets.forCall(config, { task: 'main', clientKey: 'app', inputTokens: () => 10 });
  assert.deepEqual(await call?.admit({ provider: 'mimo', model: 'sim-large' }, fingerprint(A)), { ok: true });
  // A call made after the wait is over does not wait again.
  const next = budgets.forCall(config, { task: 'main', clientKey: 'app', inputTokens: () => 10 });
  assert.deepEqual(await next?.admit({ provider: 'mimo', model: 'sim-large' }, fingerprint(A)), { ok: true });
  const [r] = await budgetRows(budgets.plan(config), store.budgets, Date.now());
  assert.deepEqual([r?.spent, r?.reserved, r?.seeded], [0, 2, undefined]);
  await store.close();
});

test('a calls counter starts at the tool calls the ledger says its scope made in the window, refusals left out', async () => {
  const ws = tempWorkspace('switchyard-seed-calls-');
  const call = (minutesAgo: number, keyName: string, server: string, tool: string, outcome: ToolCallOutcome) =>
    toolCallRow({
      requestId: '',
      keyName,
      server,
      tool,
      startedAt: NOW - minutesAgo * 60_000,
      latencyMs: 5,
      outcome,
      requestBytes: 10,
      responseBytes: 10,
    });
  const ledger = await ledgerWith(ws.home, [
    call(20, 'agent', 'files', 'read', 'ok'),
    call(15, 'agent', 'files', 'read', 'tool_error'),
    call(10, 'agent', 'github', 'create_issue', 'upstream_error'),
    call(9, 'other', 'github', 'create_issue', 'ok'),
    // Never admitted: no budget counted them.
    call(8, 'agent', 'files', 'read', 'refused'),
    call(7, 'agent', 'files', 'read', 'budget'),
    // Yesterday: outside the day window.
    call(12 * 60, 'agent', 'files', 'read', 'ok'),
  ]);
  const store = openStore({ kind: 'memory' });
  const config = loaded({
    agent_calls: { client_key: 'agent', calls: { day: 100 } },
    files_calls: { mcp_server: 'files', calls: { hour: 100 } },
    issues: { mcp_server: 'github', tool: 'create_issue', calls: { day: 100 } },
    all_calls: { all: true, calls: { day: 100, minute: 100 } },
  });
  const budgets = new Budgets(store.budgets, () => NOW);
  budgets.seedFrom(
    (q) => ledger.totals(q),
    {},
    (q) => ledger.toolTotals(q),
  );
  const plan = budgets.plan(config);
  await budgets.seeded();
  const rows = await budgetRows(plan, store.budgets, NOW);
  const spent = Object.fromEntries(rows.map((r) => [`${r.budget}.${r.window}`, r.spent]));
  assert.deepEqual(spent, {
    'agent_calls.day': 3,
    'files_calls.hour': 2,
    'issues.day': 2,
    'all_calls.day': 4,
    'all_calls.minute': 0,
  });
  await ledger.close();
  await store.close();
  ws.cleanup();
});
