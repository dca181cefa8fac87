// A route that sends nothing says why in its trail entry: every key set aside (and until when, or that a key's single
// trial request is out), or a breaker that is open or whose trial request is out. A frozen clock (`now`) makes the times in those reasons exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_RETRY, harness, hello } from './helpers.ts';
import { until } from '../helpers/until.ts';

const A = 'sk-sim-skip-first-key-0001';
const B = 'sk-sim-skip-second-key-002';
const UP = 'sk-sim-skip-fallback-key-3';
const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

test('a route whose keys all rest is skipped with the reason "every key rate-limited until …"', async () => {
  const clock = { now: NOON };
  await using h = await harness({
    scenario: {
      keys: { [A]: { script: ['429'], reset_headers: [] }, [B]: { script: ['429'], reset_headers: [] }, [UP]: {} },
    },
    config: (u) => ({
      providers: {
        p: { type: 'openai', base_url: u.openai, api_keys: [A, B] },
        up: { type: 'openai', base_url: u.openai, api_key: UP },
      },
      main: { provider: 'p', model: 'sim-large' },
      fallback: [{ provider: 'up', model: 'sim-large' }],
      retry: FAST_RETRY,
      cooldowns: { rate_limited: '30s' },
    }),
    router: { now: () => clock.now },
  });
  const first = await h.router.chat({ messages: hello });
  assert.deepEqual(
    first.trail.map((a) => a.outcome),
    ['rate_limited', 'rate_limited', 'ok'],
  );
  const second = await h.router.chat({ messages: hello });
  const [skipped] = second.trail;
  assert.equal(skipped?.outcome, 'skipped');
  assert.equal(skipped.message, 'every key for p is unusable: every key rate-limited until 12:00:30');
  assert.equal(skipped.skip, 'no_usable_key', 'why it was skipped is a value too');
  assert.equal(second.trail.at(-1)?.route, 'up/sim-large');
});

test("keys set aside for different reasons are each named with their state in the skipped route's reason", async () => {
  const clock = { now: NOON };
  await using h = await harness({
    scenario: { keys: { [A]: { valid: false }, [B]: { script: ['429'], reset_headers: [] }, [UP]: {} } },
    config: (u) => ({
      providers: {
        p: { type: 'openai', base_url: u.openai, api_keys: [A, B] },
        up: { type: 'openai', base_url: u.openai, api_key: UP },
      },
      main: { provider: 'p', model: 'sim-large' },
      fallback: [{ provider: 'up', model: 'sim-large' }],
      retry: FAST_RETRY,
      cooldowns: { rate_limited: '30s', rejected: '10m' },
    }),
    router: { now: () => clock.now },
  });
  await h.router.chat({ messages: hello });
  const [skipped] = (await h.router.chat({ messages: hello })).trail;
  assert.equal(skipped?.outcome, 'skipped');
  // Each key's state as the pool words it (its clock is the machine's time zone, not the router's).
  assert.match(
    skipped.message ?? '',
    /^every key for p is unusable: sk-…0001 rejected \(never accepted\), next probe at \d\d:\d0:30; sk-…-002 rate-limited until \d\d:\d0:30$/,
  );
  // The trail keeps each key's reason as its parts too, for notes that join them their own way.
  assert.deepEqual(
    skipped.unusable_keys?.map((k) => [k.masked, k.why_parts.length, k.why === k.why_parts.join('; ')]),
    [
      ['sk-…0001', 2, true],
      ['sk-…-002', 1, true],
    ],
  );
});

test('calls meeting a breaker say whether it is open (until when) or half-open with its trial request in flight', async () => {
  const clock = { now: NOON };
  await using h = await harness({
    // The flaky key's trial request is slow, so a second call arrives while it is out.
    scenario: { keys: { [A]: { script: ['500'], latency: '1s' }, [UP]: {} } },
    config: (u) => ({
      providers: {
        flaky: { type: 'openai', base_url: u.openai, api_key: A },
        up: { type: 'openai', base_url: u.openai, api_key: UP },
      },
      main: { provider: 'flaky', model: 'sim-large' },
      fallback: [{ provider: 'up', model: 'sim-large' }],
      retry: { ...FAST_RETRY, max_retries: 0 },
    }),
    router: { now: () => clock.now, breaker: { threshold: 1, pauseMs: 60_000 } },
  });
  const opened = await h.router.chat({ messages: hello });
  assert.deepEqual(
    opened.trail.map((a) => a.outcome),
    ['server', 'ok'],
  );
  const open = await h.router.chat({ messages: hello });
  assert.deepEqual(
    open.trail.map((a) => [a.outcome, a.message]),
    [
      ['breaker_open', 'breaker open until 12:01:00, then one trial request'],
      ['ok', undefined],
    ],
  );

  clock.now += 60_000;
  const trial = h.router.chat({ messages: hello });
  await until('the trial request to go out', () => h.router.breakers.state('flaky') === 'half_open');
  const during = await h.router.chat({ messages: hello });
  assert.deepEqual(
    during.trail.map((a) => [a.outcome, a.message]),
    [
      ['breaker_open', 'breaker half-open: its trial request is in flight'],
      ['ok', undefined],
    ],
  );
  const answered = await trial;
  assert.equal(answered.trail.at(-1)?.route, 'flaky/sim-large', 'the trial request answered and closed the breaker');
});

test("a suspect key's trial request in flight is the reason its route is skipped meanwhile", async () => {
  const clock = { now: NOON };
  await using h = await harness({
    // Worked once, then rejected until it rests as auth_suspect; its trial request is slow, so a call comes meanwhile.
    scenario: { keys: { [A]: { script: ['ok', '401', '401', '401'], latency: '600ms' }, [UP]: {} } },
    config: (u) => ({
      providers: {
        p: { type: 'openai', base_url: u.openai, api_key: A },
        up: { type: 'openai', base_url: u.openai, api_key: UP },
      },
      main: { provider: 'p', model: 'sim-large' },
      fallback: [{ provider: 'up', model: 'sim-large' }],
      retry: FAST_RETRY,
      cooldowns: { auth_suspect: '5m' },
    }),
    router: { now: () => clock.now },
  });
  await h.router.chat({ messages: hello });
  const rejected = await h.router.chat({ messages: hello });
  assert.equal(rejected.trail.at(-1)?.route, 'up/sim-large');
  assert.equal(h.sim.calls(A), 4);

  clock.now += 30_000; // its next trial request is due
  const trial = h.router.chat({ messages: hello });
  await until('the trial request to reach the key', () => h.sim.calls(A) === 5);
  const [skipped] = (await h.router.chat({ messages: hello })).trail;
  assert.equal(skipped?.outcome, 'skipped');
  assert.equal(skipped.message, 'every key for p is unusable: sk-…0001 auth suspect: its trial request is in flight');
  assert.equal((await trial).trail.at(-1)?.route, 'p/sim-large', 'the trial request answered');
});
