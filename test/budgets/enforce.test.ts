// Budgets through the library (createSwitchyard) against the simulator: a task's budget refuses the task before
// anything is sent, a key's budget skips the key, a provider's skips to the fallback route, a soft one warns, and a
// rate says when it resets. Assertions on the simulator's call counts and the trail, never on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/config/mask.ts';
import { failure, FAST_RETRY, harness, hello } from '../routing/helpers.ts';
import { budgetRows } from '../../src/budgets/snapshot.ts';

const A = 'sk-budget-aaaaaaa1';
const B = 'sk-budget-bbbbbbb2';
const C = 'sk-budget-ccccccc3';
/** Every key valid. */
const SCENARIO = { keys: { [A]: {}, [B]: {}, [C]: {} } };

function config(openai: string, budgets: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return {
    providers: {
      mimo: { type: 'openai', base_url: openai, api_keys: [A, B] },
      deep: { type: 'openai', base_url: openai, api_keys: [C] },
    },
    main: { provider: 'mimo', model: 'sim-large' },
    fallback: [{ provider: 'deep', model: 'sim-small' }],
    retry: FAST_RETRY,
    budgets,
    ...extra,
  };
}

test("a task's token budget refuses the task once spent, before anything is sent, while main goes on", async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) => config(u.openai, { titles: { task: 'title_generation', tokens: { day: 3 } } }),
  });
  const first = await h.router.chat({ task: 'title_generation', messages: hello, max_tokens: 5 });
  assert.equal(first.status, 'ok');
  const sent = h.sim.calls(A);
  const err = await failure(h.router.chat({ task: 'title_generation', messages: hello, max_tokens: 5 }));
  assert.equal(err.kind, 'budget');
  assert.equal(h.sim.calls(A), sent, 'nothing sent');
  assert.match(
    err.explanation,
    /budget titles \(task title_generation\) is spent: 3 tokens per day, \d+ tokens used; resets at \d{4}-\d\d-\d\d 00:00 UTC/,
  );
  assert.deepEqual(
    err.trail.map((a) => a.outcome),
    ['budget'],
  );
  assert.equal(err.budget?.rate, false);
  assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 0);
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok', 'main has its own quota');
});

test("a key's budget sets that key aside for the next one, and the trail says budget", async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) =>
      config(u.openai, { credit: { provider: 'mimo', credential: fingerprint(A).slice(0, 8), requests: { day: 1 } } }),
  });
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  assert.deepEqual(
    r.trail.map((a) => [a.outcome, a.credential?.masked ?? null]),
    [
      ['budget', null],
      ['ok', 'sk-…bbb2'],
    ],
  );
  assert.match(
    r.trail[0]!.message ?? '',
    /^key sk-…aaa1 skipped: budget credit \(credential mimo\/[0-9a-f]{8}\) is spent/,
  );
  assert.equal(h.sim.calls(A), 1);
  assert.equal(h.sim.calls(B), 1);
});

test("a provider's budget skips its route and the chain falls back", async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) => config(u.openai, { mimo_rate: { provider: 'mimo', requests: { minute: 1 } } }),
    router: { now: () => Date.UTC(2026, 10, 23, 12, 0, 30) },
  });
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  assert.equal(r.route, 'deep/sim-small');
  assert.deepEqual(
    r.trail.map((a) => [a.route, a.outcome]),
    [
      ['mimo/sim-large', 'budget'],
      ['deep/sim-small', 'ok'],
    ],
  );
  assert.match(r.trail[0]!.message ?? '', /budget mimo_rate \(provider mimo\) is at its limit: 1 request per minute/);
  assert.ok(h.events.some((e) => e.type === 'fallback' && e.kind === 'budget'));
});

test('every route over its budget: the call fails with kind budget and the first reset', async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) =>
      config(u.openai, {
        m: { provider: 'mimo', requests: { minute: 1 } },
        d: { provider: 'deep', requests: { hour: 1 } },
      }),
    router: { now: () => Date.UTC(2026, 10, 23, 12, 0, 30) },
  });
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  const second = await h.router.chat({ messages: hello });
  assert.equal(second.status === 'ok' && second.route, 'deep/sim-small');
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'budget');
  assert.equal(err.budget?.budget, 'm');
  assert.equal(err.retryAfterMs, 30_000, 'the minute resets at 12:01:00');
});

test('a USD budget over everything counts the real cost at the configured price', async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) => ({
      ...(config(u.openai, { all_usd: { all: true, usd: { month: 0.000001 } } }) as object),
      providers: {
        mimo: {
          type: 'openai',
          base_url: u.openai,
          api_keys: [A],
          models: { 'sim-large': { price: { input: 1, output: 1 } } },
        },
        deep: { type: 'openai', base_url: u.openai, api_keys: [C] },
      },
    }),
  });
  const ok = await h.router.chat({ messages: hello, max_tokens: 5 });
  assert.equal(ok.status, 'ok');
  const err = await failure(h.router.chat({ messages: hello, max_tokens: 5 }));
  assert.equal(err.kind, 'budget');
  assert.match(err.explanation, /budget all_usd \(everything\) is spent: \$0\.000001 per month, \$0\.0000\d\d used/);
});

test('a soft budget serves over its limit and warns in the log, the event and the result', async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) => config(u.openai, { soft_all: { all: true, requests: { day: 1 }, soft: true } }),
  });
  const first = await h.router.chat({ messages: hello });
  assert.equal(first.status === 'ok' && first.budget_warnings, undefined);
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  assert.equal(r.status === 'ok' && r.budget_warnings?.[0]?.budget, 'soft_all');
  assert.ok(h.warnings.some((w) => /^soft budget soft_all \(everything\) is over 1 request per day/.test(w)));
  assert.ok(h.events.some((e) => e.type === 'budget' && e.state === 'soft_over'));
});

test('a soft budget over its limit is said in the log once per window, and every request over it is an event', async () => {
  let now = Date.UTC(2026, 10, 24, 10, 0, 0);
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) => config(u.openai, { soft_all: { all: true, requests: { day: 1 }, soft: true } }),
    router: { now: () => now },
  });
  for (let i = 0; i < 5; i++) assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  const said = () => h.warnings.filter((w) => w.startsWith('soft budget soft_all'));
  const overs = () => h.events.filter((e) => e.type === 'budget' && e.state === 'soft_over').length;
  assert.equal(said().length, 1, said().join('\n'));
  assert.match(said()[0]!, /\(said once per day; every request over it is counted\)$/);
  assert.equal(overs(), 4, 'each request past the first');
  // The next day is a new window: its first request is within the limit, the second over it and said again.
  now += 86_400_000;
  for (let i = 0; i < 3; i++) assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  assert.equal(said().length, 2);
  assert.equal(overs(), 6);
});

test('a failed call releases its hold: a later call is not refused for what was never spent', async () => {
  await using h = await harness({
    scenario: {
      keys: {
        [A]: { script: ['500', '500', '500', '500', '500', '500'] },
        [B]: {},
        [C]: { script: ['500', '500', '500'] },
      },
    },
    config: (u) => config(u.openai, { one: { all: true, requests: { day: 1 } } }),
  });
  await failure(h.router.chat({ messages: hello }));
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
});

test("a stream's budgets settle when it ends, with the tokens the upstream reported", async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) => config(u.openai, { all_tokens: { all: true, tokens: { day: 1_000_000 } } }),
  });
  const r = await h.router.chat({ messages: hello, stream: true, max_tokens: 8 });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  let usage: { input_tokens: number; output_tokens: number } | undefined;
  for await (const e of r.events) if (e.type === 'finish' && e.usage !== undefined) usage = e.usage;
  assert.ok(usage !== undefined, 'the stream reported its usage');
  const rows = await budgetRows(h.router.budgets.plan(h.router.config()), h.store.budgets, Date.now());
  assert.deepEqual(
    rows.map((row) => [row.budget, row.spent, row.reserved]),
    [['all_tokens', usage.input_tokens + usage.output_tokens, 0]],
  );
});
