// The route ladder over real HTTP against the simulator; assertions are on the simulator's call counts and on
// what the caller gets back, never on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint } from '../../src/config/mask.ts';
import { QuotaExceededError } from '../../src/errors/upstream-error.ts';
import { ERROR_KINDS, type ErrorKind } from '../../src/errors/kinds.ts';
import { clockAt, closedPort, failure, FAST_RETRY, harness, hello } from './helpers.ts';
import { until } from '../helpers/until.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { tokenCommand, tokenScriptRuns, writeTokenScript } from '../helpers/token-script.ts';

const GOOD = 'sk-good-0000000001';
const OTHER = 'sk-other-000000002';

function mimo(openai: string, keys: string[], extra: Record<string, unknown> = {}): unknown {
  return {
    providers: { mimo: { type: 'openai', base_url: openai, api_keys: keys } },
    main: { provider: 'mimo', model: 'sim-large' },
    retry: FAST_RETRY,
    ...extra,
  };
}

test('seed 002: a known-good key that gets two transient 401s is retried with backoff and succeeds on the third call', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['ok', '401', '401'] } } },
    config: (u) => mimo(u.openai, [GOOD]),
  });
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  const sleepsBefore = h.sleeps.length;
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  assert.equal(h.sim.calls(GOOD), 4, 'one call, then exactly three for the second chat');
  assert.deepEqual(
    r.trail.map((a) => a.outcome),
    ['auth_rejected', 'auth_rejected', 'ok'],
  );
  assert.equal(h.sleeps.length - sleepsBefore, 2, 'two backoffs');
  assert.equal(h.store.getHealth(fingerprint(GOOD))?.state, 'ok');
});

test('seed 002: a known-good key still rejected after auth_retries is set aside with the "known-good" message', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['ok', '401', '401', '401'] } } },
    config: (u) => mimo(u.openai, [GOOD]),
  });
  await h.router.chat({ messages: hello });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 4, 'auth_retries = 2: three tries on the second chat, no more');
  assert.equal(err.kind, 'auth_rejected');
  assert.match(
    err.explanation,
    /mimo rejected key sk-…0001 \(config providers\.mimo\.api_keys\[0\]\) \(HTTP 401: Incorrect API key provided: sk-…0001\. .*\), which last worked at \d\d:\d\d; retried 2× with backoff — likely a transient provider problem/,
  );
  const health = h.store.getHealth(fingerprint(GOOD));
  assert.equal(health?.state, 'cooling');
  assert.equal(health?.reason, 'auth_suspect');
});

test('seed 002: a never-successful key that gets 401 is called exactly once and the error says it has never been accepted', async () => {
  const bad = 'sk-never-00000bad1';
  await using h = await harness({
    scenario: { keys: { [bad]: { valid: false } } },
    config: (u) => mimo(u.openai, [bad]),
  });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(bad), 1, 'a bad key is not hammered');
  assert.equal(err.kind, 'auth_rejected');
  assert.match(
    err.explanation,
    /mimo rejected key sk-…bad1 \(config providers\.mimo\.api_keys\[0\]\) \(HTTP 401: Incorrect API key provided: sk-…bad1\. .*\); it has never been accepted — check or replace it/,
  );
  assert.equal(h.sleeps.length, 0, 'no backoff for a never-successful key');
  const again = await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(bad), 1, 'a rejected key is not sent again before its probe window');
  assert.match(again.explanation, /rejected \(never worked\) until/);
});

test('seed 002: no key anywhere → the "missing" message naming where it looked, and nothing is sent', async () => {
  await using h = await harness({
    scenario: {},
    config: (u) => ({
      providers: { mimo: { type: 'openai', base_url: u.openai } },
      main: { provider: 'mimo', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'auth_missing');
  assert.match(
    err.explanation,
    /no API key for provider mimo — looked in providers\.mimo\.api_key, env MIMO_API_KEY, no \.env at \S+\/\.env;/,
  );
  assert.match(err.explanation, /switchyard auth add mimo/);
  assert.equal(h.sim.calls(), 0, 'never an empty key upstream');
});

test('ten keys, nine rate-limited: success on the tenth, no backoff, and rotations do not spend max_retries', async () => {
  const keys = Array.from({ length: 10 }, (_, i) => `sk-ten-keys-0000${String(i).padStart(2, '0')}`);
  const scenarioKeys = Object.fromEntries(keys.map((k, i) => [k, i < 9 ? { script: ['429'], reset: '10m' } : {}]));
  await using h = await harness({
    scenario: { keys: scenarioKeys },
    config: (u) => mimo(u.openai, keys, { retry: { ...FAST_RETRY, max_retries: 0 } }),
  });
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  for (const k of keys) assert.equal(h.sim.calls(k), 1, `each key tried once (${k.slice(-2)})`);
  assert.equal(h.sleeps.length, 0, 'rotation is immediate');
  assert.equal(r.trail.length, 10);
  assert.equal(h.events.filter((e) => e.type === 'rotate').length, 9);
  assert.equal(h.events.filter((e) => e.type === 'cooldown').length, 9);
  const switches = h.events.filter((e) => e.type === 'credential_switch');
  assert.equal(switches.length, 1, 'one warning, naming the key that answered');
  const [sw] = switches;
  assert.ok(sw?.type === 'credential_switch');
  assert.deepEqual(
    [sw.provider, sw.from, sw.to],
    ['mimo', 'config api_keys[0] sk-…0000', 'config api_keys[9] sk-…0009'],
    'the event carries its facts, not only its words',
  );
});

for (const header of ['retry-after', 'retry-after-date', 'retry-after-ms'] as const) {
  test(`a 429 with ${header} cools the key until the server's reset time`, async () => {
    await using h = await harness({
      scenario: { keys: { [GOOD]: { script: ['429'], reset: '90s', reset_headers: [header] } } },
      config: (u) => mimo(u.openai, [GOOD]),
    });
    const before = Date.now();
    const err = await failure(h.router.chat({ messages: hello }));
    const cooledUntil = h.store.getHealth(fingerprint(GOOD))?.until ?? 0;
    assert.ok(
      cooledUntil >= before + 88_000 && cooledUntil <= Date.now() + 92_000,
      `until ≈ now + 90s, got +${cooledUntil - before}ms`,
    );
    assert.equal(err.kind, 'all_cooling');
    assert.ok(
      err.retryAfterMs !== undefined && err.retryAfterMs > 80_000 && err.retryAfterMs <= 92_000,
      'Retry-After for the gateway',
    );
  });
}

test('a cooldown is never shortened by a later 429 with an earlier reset', async () => {
  // Two requests pick the key before either answer is back: the first is told "quota" (1h), the second "429, 1s".
  // Both start in one turn of the event loop, so no answer can come between their picks, however busy the machine.
  await using h = await harness({
    scenario: { latency: '150ms', keys: { [GOOD]: { script: ['429_quota', '429'], reset: '1s' } } },
    config: (u) => mimo(u.openai, [GOOD]),
  });
  await Promise.all([failure(h.router.chat({ messages: hello })), failure(h.router.chat({ messages: hello }))]);
  assert.equal(h.sim.calls(GOOD), 2);
  const health = h.store.getHealth(fingerprint(GOOD));
  assert.equal(health?.reason, 'quota');
  assert.ok((health?.until ?? 0) > Date.now() + 59 * 60_000, 'still cooling for about an hour');
});

test('a success from a call sent before a cooldown was recorded does not lift it', async () => {
  // A long answer on key A is still in flight when a second call gets A's 429: A must stay set aside.
  await using h = await harness({
    scenario: {
      models: { 'sim-large': { latency: '300ms' }, 'sim-small': {} },
      keys: { [GOOD]: { script: ['ok', '429'], reset: '60s' }, [OTHER]: {} },
    },
    config: (u) => mimo(u.openai, [GOOD, OTHER]),
  });
  const slow = h.router.chat({ messages: hello });
  await until('the long answer to be in flight', () => h.sim.calls(GOOD) === 1);
  const quick = await h.router.chat({ messages: hello, route: { provider: 'mimo', model: 'sim-small' } });
  assert.equal(quick.status, 'ok');
  assert.equal((await slow).status, 'ok');
  const health = h.store.getHealth(fingerprint(GOOD));
  assert.equal(health?.state, 'cooling');
  assert.equal(health?.reason, 'rate_limited');
  assert.equal(h.events.filter((e) => e.type === 'recovered').length, 0);
});

test('a burst of calls that all meet the same rate limit reports the key set aside once', async () => {
  // Every call is in flight before the first 429 comes back: each extends the same cooldown.
  await using h = await harness({
    scenario: { latency: '100ms', keys: { [GOOD]: { rate_limit_after: 0, reset: '30s' }, [OTHER]: {} } },
    config: (u) => mimo(u.openai, [GOOD, OTHER]),
  });
  const results = await Promise.all(Array.from({ length: 12 }, () => h.router.chat({ messages: hello })));
  assert.ok(
    results.every((r) => r.status === 'ok'),
    'each rotated to the other key',
  );
  assert.ok(h.sim.calls(GOOD) > 1, 'several calls met the limit');
  assert.equal(h.events.filter((e) => e.type === 'cooldown').length, 1);
});

test('every key out of quota: the kind is quota (top up billing), not all_cooling (wait), still with a Retry-After', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['429_quota'] }, [OTHER]: { script: ['429_quota'] } } },
    config: (u) => mimo(u.openai, [GOOD, OTHER]),
  });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'quota');
  assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 59 * 60_000, 'back when the quota resets');
  assert.ok(QuotaExceededError.isInstance(err.cause), 'the typed upstream error is the cause');
  assert.ok(QuotaExceededError.isInstance(err.failures[0]?.cause));
});

test('a known-good key set aside during the call is not waited for, even when its cooldown is within max_wait', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['ok', '401', '401', '401'] } } },
    config: (u) =>
      mimo(u.openai, [GOOD], { cooldowns: { auth_suspect: '1s' }, retry: { ...FAST_RETRY, max_wait: '2s' } }),
  });
  await h.router.chat({ messages: hello });
  const sleepsBefore = h.sleeps.length;
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'auth_rejected');
  assert.equal(
    h.sleeps.length - sleepsBefore,
    FAST_RETRY.auth_retries,
    'only the auth retries wait; nothing waits for the key just set aside',
  );
});

test('every key cooling: the error lists each key with state and until-when, and nothing is sent upstream', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['429'], reset: '10m' }, [OTHER]: { script: ['429_quota'] } } },
    config: (u) => mimo(u.openai, [GOOD, OTHER]),
  });
  await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(), 2);
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(), 2, 'no request goes upstream with a cooling key');
  assert.equal(err.kind, 'all_cooling');
  assert.match(
    err.explanation,
    /every key for mimo is unusable — sk-…0001 \([^)]*\): rate-limited until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d; sk-…0002 \([^)]*\): out of quota until/,
  );
  assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 9 * 60_000);
  assert.deepEqual(
    err.trail.map((a) => a.outcome),
    ['skipped'],
  );
  assert.ok(!err.explanation.includes(GOOD) && !err.explanation.includes(OTHER));
});

test('rate-limited with no key left waits when the reset is within max_wait, then succeeds on the same key', async () => {
  // The router's clock moves only by its waits, so a stall of a busy machine cannot reach the reset before the wait
  // does. It starts at the real time: the reset is read off the answer on the real clock.
  const clock = clockAt(new Date().toISOString());
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['429'], reset: '1500ms', reset_headers: ['retry-after-ms'] } } },
    config: (u) => mimo(u.openai, [GOOD], { retry: { ...FAST_RETRY, max_wait: '10m' } }),
    router: { now: clock.now, sleep: clock.sleep },
  });
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  assert.equal(h.sim.calls(GOOD), 2);
  assert.equal(clock.waits.length, 1, 'one wait, to the reset');
  assert.ok((clock.waits[0] ?? 0) >= 1500, `the wait reaches the reset the server gave: ${clock.waits[0]} ms`);
  assert.equal(r.trail[1]?.wait_ms, clock.waits[0], 'the wait is in the trail');
});

test('server errors retry the same key up to max_retries, then the chain falls back', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['500', '503', '502'] }, [OTHER]: {} } },
    config: (u) => ({
      providers: {
        mimo: { type: 'openai', base_url: u.openai, api_key: GOOD },
        deepseek: { type: 'openai', base_url: u.openai, api_key: OTHER },
      },
      main: { provider: 'mimo', model: 'sim-large' },
      fallback: [{ provider: 'deepseek', model: 'sim-small' }],
      retry: FAST_RETRY,
    }),
  });
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  assert.equal(r.status === 'ok' ? r.route : undefined, 'deepseek/sim-small');
  assert.equal(h.sim.calls(GOOD), 3, 'max_retries = 2 → three tries');
  assert.equal(h.sim.calls(OTHER), 1);
  assert.equal(h.events.filter((e) => e.type === 'fallback').length, 1);
});

test('context_length skips to a route whose context window is large enough', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: {}, [OTHER]: {} } },
    config: (u) => ({
      providers: {
        small: { type: 'openai', base_url: u.openai, api_key: GOOD, models: { 'sim-small': { context_window: 8000 } } },
        alsosmall: {
          type: 'openai',
          base_url: u.openai,
          api_key: OTHER,
          models: { 'sim-small': { context_window: 8000 } },
        },
        big: {
          type: 'openai',
          base_url: u.openai,
          api_key: OTHER,
          models: { 'sim-large': { context_window: 128000 } },
        },
      },
      main: { provider: 'small', model: 'sim-small' },
      fallback: [
        { provider: 'alsosmall', model: 'sim-small' },
        { provider: 'big', model: 'sim-large' },
      ],
      retry: FAST_RETRY,
    }),
  });
  const long = [{ role: 'user' as const, content: 'x'.repeat(40_000) }];
  const r = await h.router.chat({ messages: long });
  assert.equal(r.status, 'ok');
  assert.equal(r.status === 'ok' ? r.route : undefined, 'big/sim-large');
  assert.equal(h.sim.calls(GOOD, 'sim-small'), 1);
  assert.equal(h.sim.calls(OTHER, 'sim-small'), 0, 'the route that cannot hold it is skipped');
  assert.deepEqual(
    r.trail.map((a) => a.outcome),
    ['context_length', 'skipped', 'ok'],
  );
  // The move from the route tried to the next one tried is a fallback of a kind in ERROR_KINDS.
  const moves = h.events.flatMap((e) => (e.type === 'fallback' ? [`${e.from} → ${e.to}: ${e.kind}`] : []));
  assert.deepEqual(moves, ['small/sim-small → big/sim-large: context_length']);
  assert.ok(moves.every((m) => ERROR_KINDS.includes(m.split(': ')[1] as ErrorKind)));
});

test('a first route skipped for its window (the caller gave an estimate) is fallen back from, as context_length', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: {}, [OTHER]: {} } },
    config: (u) => ({
      providers: {
        small: { type: 'openai', base_url: u.openai, api_key: GOOD, models: { 'sim-small': { context_window: 8000 } } },
        big: {
          type: 'openai',
          base_url: u.openai,
          api_key: OTHER,
          models: { 'sim-large': { context_window: 128000 } },
        },
      },
      main: { provider: 'small', model: 'sim-small' },
      fallback: [{ provider: 'big', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
  const r = await h.router.chat({ messages: hello, estimated_tokens: 15_000 });
  assert.equal(r.status, 'ok');
  assert.equal(h.sim.calls(GOOD), 0, 'nothing sent to the route that cannot hold it');
  assert.deepEqual(
    r.trail.map((a) => a.outcome),
    ['skipped', 'ok'],
  );
  assert.equal(r.trail[0]?.skip, 'context_window');
  const moves = h.events.flatMap((e) => (e.type === 'fallback' ? [`${e.from} → ${e.to}: ${e.kind}`] : []));
  assert.deepEqual(moves, ['small/sim-small → big/sim-large: context_length']);
});

test('bad_request fails the whole call: no fallback', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['bad_request'] }, [OTHER]: {} } },
    config: (u) => ({
      providers: {
        mimo: { type: 'openai', base_url: u.openai, api_key: GOOD },
        deepseek: { type: 'openai', base_url: u.openai, api_key: OTHER },
      },
      main: { provider: 'mimo', model: 'sim-large' },
      fallback: [{ provider: 'deepseek', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'bad_request');
  assert.equal(h.sim.calls(GOOD), 1);
  assert.equal(h.sim.calls(OTHER), 0, 'another provider would refuse it too');
});

test('the breaker opens on repeated connection failures and later calls skip the provider at once', async () => {
  const port = await closedPort();
  await using h = await harness({
    scenario: { keys: { [OTHER]: {} } },
    config: (u) => ({
      providers: {
        down: { type: 'openai', base_url: `http://127.0.0.1:${port}/v1`, api_key: GOOD },
        up: { type: 'openai', base_url: u.openai, api_key: OTHER },
      },
      main: { provider: 'down', model: 'm' },
      fallback: [{ provider: 'up', model: 'sim-large' }],
      retry: { ...FAST_RETRY, max_retries: 5 },
    }),
    router: { breaker: { threshold: 2, pauseMs: 60_000 } },
  });
  const first = await h.router.chat({ messages: hello });
  assert.deepEqual(
    first.trail.map((a) => a.outcome),
    ['connection', 'connection', 'breaker_open', 'ok'],
  );
  const second = await h.router.chat({ messages: hello });
  assert.deepEqual(
    second.trail.map((a) => a.outcome),
    ['breaker_open', 'ok'],
  );
  assert.ok(h.events.some((e) => e.type === 'breaker' && e.state === 'open'));
});

test('a retry the breaker stops is not counted as made: the explanation says how many went out', async () => {
  const port = await closedPort();
  await using h = await harness({
    scenario: { keys: {} },
    config: () => ({
      providers: { down: { type: 'openai', base_url: `http://127.0.0.1:${port}/v1`, api_key: GOOD } },
      main: { provider: 'down', model: 'm' },
      retry: { ...FAST_RETRY, max_retries: 5 },
    }),
    router: { breaker: { threshold: 2, pauseMs: 60_000 } },
  });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.deepEqual(
    err.trail.map((a) => a.outcome),
    ['connection', 'connection', 'breaker_open'],
  );
  // Two requests: the first and one retry; the second retry met the open breaker.
  assert.match(err.explanation, /retried 1× with backoff/);
  assert.match(err.explanation, /circuit breaker is open/);
});

test('provider: none sends nothing and returns the typed disabled result', async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: {} } },
    config: (u) => mimo(u.openai, [GOOD], { auxiliary: { title_generation: { provider: 'none' } } }),
  });
  const r = await h.router.chat({ task: 'title_generation', messages: hello });
  assert.deepEqual(r, {
    status: 'disabled',
    task: 'title_generation',
    reason: 'auxiliary.title_generation.provider is none',
    trail: [],
  });
  assert.equal(h.sim.calls(), 0);
  assert.deepEqual(h.warnings, []);
});

test("a task's own base_url that cannot be reached is named as that setting, not the provider's", async () => {
  const port = await closedPort();
  await using h = await harness({
    scenario: { keys: { [GOOD]: {} } },
    config: (u) => ({
      ...(mimo(u.openai, [GOOD]) as Record<string, unknown>),
      auxiliary: {
        title_generation: {
          provider: 'mimo',
          model: 'sim-large',
          base_url: `http://127.0.0.1:${port}/v1`,
          fallback_to_main: false,
        },
      },
    }),
  });
  const err = await failure(h.router.chat({ task: 'title_generation', messages: hello }));
  assert.equal(err.kind, 'connection');
  assert.match(
    err.explanation ?? err.message,
    new RegExp(
      `could not reach mimo at http://127\\.0\\.0\\.1:${port}/v1 .*check auxiliary\\.title_generation\\.base_url`,
    ),
  );
});

test("a task's only route that timed out names the task's whole timeout, though the call spent some of it before its first attempt", async () => {
  // The key command holds the first attempt back a second of the task's 10s, as a mint (or a busy machine) does.
  using ws = tempWorkspace('switchyard-whole-timeout-');
  const release = join(ws.dir, 'release');
  const script = writeTokenScript(join(ws.dir, 'script.json'), [{ token: GOOD, after: release }]);
  await using h = await harness({
    scenario: { latency: '60s', keys: { [GOOD]: {} } },
    config: (u) => ({
      providers: {
        mimo: { type: 'openai', base_url: u.openai, api_key_command: { run: tokenCommand(script) }, mint_wait: '10s' },
      },
      main: { provider: 'mimo', model: 'sim-large' },
      auxiliary: {
        title_generation: { provider: 'mimo', model: 'sim-large', timeout: '10s', fallback_to_main: false },
      },
      retry: FAST_RETRY,
    }),
  });
  const call = failure(h.router.chat({ task: 'title_generation', messages: hello }));
  await until('the key command to start', () => tokenScriptRuns(script) >= 1);
  await new Promise((r) => setTimeout(r, 1_000));
  writeFileSync(release, '');
  const err = await call;
  assert.equal(err.kind, 'timeout');
  assert.match(err.explanation ?? '', /did not answer within 10s \(auxiliary\.title_generation\.timeout\)/);
  assert.doesNotMatch(err.explanation ?? '', /its share/);
});

test('a call whose own timeouts open the breaker fails as a timeout (not "come back later"); the next call meets the open breaker', async () => {
  await using h = await harness({
    scenario: { latency: '300ms', keys: { [GOOD]: {} } },
    // The task's deadline is longer than one attempt's (the provider's timeout), so the breaker opens first.
    config: (u) => ({
      ...(mimo(u.openai, [GOOD]) as Record<string, unknown>),
      providers: { mimo: { type: 'openai', base_url: u.openai, api_keys: [GOOD], timeout: '50ms' } },
      auxiliary: {
        title_generation: { provider: 'mimo', model: 'sim-large', timeout: '10s', fallback_to_main: false },
      },
      retry: { ...FAST_RETRY, max_retries: 5 },
    }),
    router: { breaker: { threshold: 2, pauseMs: 60_000 } },
  });
  const first = await failure(h.router.chat({ task: 'title_generation', messages: hello }));
  assert.equal(first.kind, 'timeout');
  assert.match(first.explanation ?? '', /within 50ms.*circuit breaker is open/);
  const second = await failure(h.router.chat({ task: 'title_generation', messages: hello }));
  assert.equal(second.kind, 'breaker_open');
});
