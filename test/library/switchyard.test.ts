// The library surface: deadlines, caller aborts, task-level keys, hot reload with config snapshots, events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../src/routing/errors.ts';
import type { Attempt } from '../../src/calls/types.ts';
import { FAST_RETRY, harness, hello, loadedFrom } from '../routing/helpers.ts';
import { until } from '../helpers/until.ts';

const A = 'sk-lib-aaaaaaaa0001';
const B = 'sk-lib-bbbbbbbb0002';
const T = 'sk-lib-task-key-0003';

/** Title generation on `slow` (key A) within `timeout`, falling back to the main chain on `fast` (key B). */
function titleFallsBackToMain(baseUrl: string, timeout: string): Record<string, unknown> {
  return {
    providers: {
      slow: { type: 'openai', base_url: baseUrl, api_key: A },
      fast: { type: 'openai', base_url: baseUrl, api_key: B },
    },
    main: { provider: 'fast', model: 'sim-large' },
    auxiliary: { title_generation: { provider: 'slow', model: 'sim-small', timeout, fallback_to_main: true } },
    retry: FAST_RETRY,
  };
}

test("an auxiliary task's timeout is shared by its routes: a hung route gives way to its fallback in time", async () => {
  await using h = await harness({
    scenario: { keys: { [A]: { script: ['timeout'] }, [B]: {} } },
    // 2 s, not 400 ms: on a loaded machine the fallback's half of 400 ms was once not enough to answer in. What the
    // hung route runs past its half (a late timer) is not the fallback's: the next test.
    config: (u) => titleFallsBackToMain(u.openai, '2s'),
  });
  const r = await h.router.chat({ task: 'title_generation', messages: hello });
  assert.equal(r.status, 'ok');
  assert.equal(r.status === 'ok' ? r.provider : '', 'fast');
  assert.equal(h.sim.calls(A), 1, 'the hung route had its share, then gave up');
  assert.equal(h.sim.calls(B), 1);
  const first = r.trail[0];
  assert.equal(first?.outcome, 'timeout');
});

test('a route that gives way past its share (a late timer, a busy event loop) leaves its fallback the rest it was kept', async () => {
  // The router's clock jumps when the first route's attempt ends, as a process too busy to run it on time would see.
  let late = 0;
  await using h = await harness({
    scenario: { keys: { [A]: { valid: false }, [B]: {} } },
    config: (u) => titleFallsBackToMain(u.openai, '10s'),
    router: { now: () => Date.now() + late },
  });
  h.router.events.on((e) => {
    // Past the whole 10 s: charged to the fallback, it would leave no time at all.
    if (e.type === 'attempt' && e.attempt.route === 'slow/sim-small') late = 20_000;
  });
  const r = await h.router.chat({ task: 'title_generation', messages: hello });
  assert.equal(r.status, 'ok');
  assert.deepEqual(
    r.trail.map((a) => [a.route, a.outcome]),
    [
      ['slow/sim-small', 'auth_rejected'],
      ['fast/sim-large', 'ok'],
    ],
  );
});

test("a task's deadline still bounds the whole call: the last route gets only what is left", async () => {
  await using h = await harness({
    scenario: { keys: { [A]: { script: ['timeout'] } } },
    config: (u) => ({
      providers: { slow: { type: 'openai', base_url: u.openai, api_key: A } },
      main: { provider: 'slow', model: 'sim-large' },
      auxiliary: {
        title_generation: { provider: 'slow', model: 'sim-small', timeout: '300ms', fallback_to_main: false },
      },
      retry: FAST_RETRY,
    }),
  });
  await assert.rejects(h.router.chat({ task: 'title_generation', messages: hello }), (err: unknown) => {
    assert.ok(SwitchyardError.isInstance(err));
    assert.equal(err.kind, 'timeout');
    // The explanation quotes the time the attempt was given, not the provider's 60 s default.
    assert.match(err.explanation, /did not answer within (\d+ms|[0-9.]+s)/);
    assert.doesNotMatch(err.explanation, /within 1m/);
    return true;
  });
  assert.equal(h.sim.calls(A), 1);
});

test("a caller's abort ends the call as an abort: no fallback, no health change; a trail passed in says what was sent", async () => {
  await using h = await harness({
    // The first key never answers: the abort, not a race with an answer, is what ends the call.
    scenario: { keys: { [A]: { script: ['timeout'] }, [B]: {} } },
    config: (u) => ({
      providers: {
        one: { type: 'openai', base_url: u.openai, api_key: A },
        two: { type: 'openai', base_url: u.openai, api_key: B },
      },
      main: { provider: 'one', model: 'sim-large' },
      fallback: [{ provider: 'two', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
  const controller = new AbortController();
  const events: string[] = [];
  const off = h.router.events.on((e) => events.push(e.type));
  const trail: Attempt[] = [];
  const call = h.router.chat({ messages: hello, signal: controller.signal, trail });
  await until('the request to reach the simulator', () => h.sim.calls(A) === 1);
  controller.abort();
  await assert.rejects(call, (err: unknown) => !SwitchyardError.isInstance(err));
  off();
  assert.equal(h.sim.calls(B), 0);
  assert.equal(h.router.pool.candidates('one')[0]?.health.failures ?? 0, 0);
  // The rejection carries no trail; the caller's array holds the request that was in flight when it was cancelled.
  assert.deepEqual(
    trail.map((a) => [a.route, a.credential?.masked, a.outcome]),
    [['one/sim-large', 'sk-…0001', 'cancelled']],
  );
  assert.ok(!events.includes('attempt'), 'nothing learned about the provider: no attempt event (metrics, key log)');
});

test("a task's own api_key is tried first on its route; when it is rejected the provider's keys follow", async () => {
  await using h = await harness({
    scenario: { keys: { [T]: { valid: false }, [A]: {} } },
    config: (u) => ({
      providers: { mimo: { type: 'openai', base_url: u.openai, api_key: A } },
      main: { provider: 'mimo', model: 'sim-large' },
      auxiliary: { compression: { provider: 'mimo', model: 'sim-small', api_key: T, fallback_to_main: false } },
      retry: FAST_RETRY,
    }),
  });
  const r = await h.router.chat({ task: 'compression', messages: hello });
  assert.equal(r.status, 'ok');
  assert.deepEqual(
    r.trail.map((a) => [a.credential?.masked, a.outcome]),
    [
      ['sk-…0003', 'auth_rejected'],
      ['sk-…0001', 'ok'],
    ],
  );
  assert.equal(h.sim.calls(T), 1);
  const main = await h.router.chat({ messages: hello });
  assert.deepEqual(
    main.trail.map((a) => a.credential?.masked),
    ['sk-…0001'],
    "the task's key is for its route only",
  );
});

test('reload: a call in flight finishes on the config it started with; the next call uses the new one', async () => {
  await using h = await harness({
    scenario: { latency: '150ms', keys: { [A]: {}, [B]: {} } },
    config: (u) => ({
      providers: { one: { type: 'openai', base_url: u.openai, api_key: A } },
      main: { provider: 'one', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
  const inFlight = h.router.chat({ messages: hello });
  await until('the request to reach the simulator', () => h.sim.calls(A) === 1);
  h.router.reload(
    loadedFrom({
      providers: { two: { type: 'openai', base_url: h.openai, api_key: B } },
      main: { provider: 'two', model: 'sim-small' },
      retry: FAST_RETRY,
    }),
  );
  const first = await inFlight;
  assert.equal(first.status === 'ok' ? first.route : undefined, 'one/sim-large');
  const next = await h.router.chat({ messages: hello });
  assert.equal(next.status === 'ok' ? next.route : undefined, 'two/sim-small');
  assert.deepEqual(h.router.tasks(), ['main', 'title_generation', 'compression']);
});

test('events: attempts, fallbacks and the final success are emitted; a listener that throws changes nothing', async () => {
  await using h = await harness({
    scenario: { keys: { [A]: { valid: false }, [B]: {} } },
    config: (u) => ({
      providers: {
        one: { type: 'openai', base_url: u.openai, api_key: A },
        two: { type: 'openai', base_url: u.openai, api_key: B },
      },
      main: { provider: 'one', model: 'sim-large' },
      fallback: [{ provider: 'two', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
  h.router.events.on(() => {
    throw new Error('observer bug');
  });
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  // The never-valid key is set aside until its next probe (a cooldown of reason `rejected`), then the chain moves on.
  assert.deepEqual(
    h.events.map((e) => e.type),
    ['attempt', 'cooldown', 'fallback', 'attempt', 'success'],
  );
  const cooldown = h.events.find((e) => e.type === 'cooldown');
  assert.equal(cooldown?.type === 'cooldown' && cooldown.reason, 'rejected');
  assert.equal(
    cooldown?.type === 'cooldown' && cooldown.credential,
    `config key ${cooldown?.type === 'cooldown' ? cooldown.masked : ''}`,
  );
  const fallback = h.events.find((e) => e.type === 'fallback');
  assert.deepEqual(fallback, {
    type: 'fallback',
    task: 'main',
    from: 'one/sim-large',
    to: 'two/sim-large',
    kind: 'auth_rejected',
  });
});
