// Keys the provider rejects, through the real router against the simulator: what the user is told (the provider's
// own reason), what the key's health becomes, and how often the key is sent again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/config/mask.ts';
import { clockAt, failure, FAST_RETRY, harness, hello } from './helpers.ts';

const GOOD = 'sk-auth-good-000a1b2';
const SPARE = 'sk-auth-spare-00c3d4';

function mimo(openai: string, keys: string[], extra: Record<string, unknown> = {}): unknown {
  return {
    providers: { mimo: { type: 'openai', base_url: openai, api_keys: keys } },
    main: { provider: 'mimo', model: 'sim-large' },
    retry: FAST_RETRY,
    ...extra,
  };
}

test("a never-accepted key refused with 403 permission_denied: the explanation and the log line quote the provider's reason", async () => {
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['403'] } } },
    config: (u) => mimo(u.openai, [GOOD]),
  });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'auth_rejected');
  assert.match(
    err.explanation,
    /mimo rejected key sk-…a1b2 \(config providers\.mimo\.api_keys\[0\]\) \(HTTP 403: Your API key does not have permission to use the specified resource\.\); it has never been accepted — check or replace it/,
  );
  const line = h.warnings.find((w) => w.includes('sk-…a1b2'));
  assert.match(
    line ?? '',
    /^mimo: config api_keys\[0\] sk-…a1b2 rejected \(never accepted\); next probe at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(HTTP 403: Your API key does not have permission to use the specified resource\.\)$/,
  );
});

test('a known-good key whose token was invalidated: the auth_suspect explanation quotes "has been invalidated"', async () => {
  await using h = await harness({
    scenario: {
      keys: { [GOOD]: { script: ['ok', '401_token_invalidated', '401_token_invalidated', '401_token_invalidated'] } },
    },
    config: (u) => mimo(u.openai, [GOOD]),
  });
  await h.router.chat({ messages: hello });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.match(
    err.explanation,
    /mimo rejected key sk-…a1b2 \(config providers\.mimo\.api_keys\[0\]\) \(HTTP 401: Your authentication token has been invalidated\.[^)]*\), which last worked at \d\d:\d\d; retried 2× with backoff/,
  );
  const line = h.warnings.find((w) => w.includes('auth suspect'));
  assert.match(line ?? '', /\(HTTP 401: Your authentication token has been invalidated\./);
  assert.equal(
    h.store
      .getHealth(fingerprint(GOOD))
      ?.last_failure_message?.startsWith('Your authentication token has been invalidated.'),
    true,
  );
});

const TITLE = 'sk-title-key-0000tt01';

/** Seed 000's setup: the title task has its own key, which the provider rejects; the provider has no key of its own. */
function rejectedTitleKey(fallbackToMain: boolean) {
  return harness({
    scenario: { keys: { [TITLE]: { valid: false } } },
    config: (u) => ({
      providers: { xiaomi: { type: 'openai', base_url: u.openai } },
      main: { provider: 'xiaomi', model: 'sim-large' },
      auxiliary: {
        title_generation: { provider: 'xiaomi', model: 'sim-small', api_key: TITLE, fallback_to_main: fallbackToMain },
      },
      retry: FAST_RETRY,
    }),
  });
}

test("seed 000: a task's own api_key that was sent and rejected is what the error says, not 'no API key' for its provider", async () => {
  await using h = await rejectedTitleKey(true);
  const err = await failure(h.router.chat({ task: 'title_generation', messages: hello }));
  assert.equal(h.sim.calls(TITLE), 1);
  assert.equal(err.kind, 'auth_rejected');
  assert.deepEqual(
    err.failures.map((f) => f.kind),
    ['auth_rejected', 'auth_missing'],
  );
  const lead = err.explanation.split('\n')[0] ?? '';
  assert.match(
    lead,
    /^title_generation: every route failed; xiaomi rejected key sk-…tt01 \(config auxiliary\.title_generation\.api_key\) \(HTTP 401: Incorrect API key provided/,
  );
  // The main route, which has no key at all, says so on its own line — and where the .env would have been.
  assert.match(
    err.explanation,
    /2\. xiaomi\/sim-large: no API key for provider xiaomi — looked in providers\.xiaomi\.api_key, env XIAOMI_API_KEY, no \.env at \S+\.env;/,
  );
});

test("a task's own key rejected on a route with no other key fails as rejected, never as 'no API key'", async () => {
  await using h = await rejectedTitleKey(false);
  const err = await failure(h.router.chat({ task: 'title_generation', messages: hello }));
  assert.equal(err.kind, 'auth_rejected');
  assert.match(
    err.explanation,
    /^title_generation: xiaomi rejected key sk-…tt01 \(config auxiliary\.title_generation\.api_key\) \(HTTP 401: [^)]*\); it has never been accepted/,
  );
  const again = await failure(h.router.chat({ task: 'title_generation', messages: hello }));
  assert.equal(again.kind, 'auth_rejected');
  assert.match(
    again.explanation,
    /sk-…tt01 \(config auxiliary\.title_generation\.api_key\): rejected \(never worked\) until/,
  );
  assert.equal(h.sim.calls(TITLE), 1, 'the rejected key is not sent again before its probe window');
});

const SECOND = 1000;
const MINUTE = 60 * SECOND;

test('seed 002: a single key that met a burst of 401s is probed once per 30 s while suspect, and is back when it answers', async () => {
  const clock = clockAt('2026-06-12T10:00:00Z');
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['ok', '401', '401', '401', 'ok'] } } },
    config: (u) => mimo(u.openai, [GOOD]),
    router: { now: clock.now },
  });
  await h.router.chat({ messages: hello });
  const burst = await failure(h.router.chat({ messages: hello }));
  assert.equal(burst.kind, 'auth_rejected');
  assert.equal(h.sim.calls(GOOD), 4, 'known-good: retried auth_retries times, then suspect');
  assert.equal(h.store.getHealth(fingerprint(GOOD))?.reason, 'auth_suspect');

  clock.advance(SECOND);
  const early = await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 4, 'no probe before its window');
  assert.match(
    early.explanation,
    /sk-…a1b2 \(config providers\.mimo\.api_keys\[0\]\): auth suspect \(a known-good key kept being rejected\) until 10:05:00, next probe at 10:00:30/,
  );

  clock.advance(29 * SECOND);
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok', 'the probe goes through and the key answers');
  assert.deepEqual(
    r.trail.map((a) => a.outcome),
    ['ok'],
  );
  assert.equal(h.sim.calls(GOOD), 5);
  assert.equal(h.store.getHealth(fingerprint(GOOD))?.state, 'ok');
  assert.ok(h.events.some((e) => e.type === 'recovered' && e.after === 'auth_suspect'));
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok', 'and stays in use');
});

test('a key rejected on its first use is probed 30 s later, then after twice the wait each time, not an hour later', async () => {
  const clock = clockAt('2026-06-12T10:00:00Z');
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['401', '401', 'ok'] } } },
    config: (u) => mimo(u.openai, [GOOD]),
    router: { now: clock.now },
  });
  const first = await failure(h.router.chat({ messages: hello }));
  assert.equal(first.kind, 'auth_rejected');
  assert.equal(h.sim.calls(GOOD), 1, 'never accepted: not retried');
  const line = h.warnings.find((w) => w.includes('sk-…a1b2'));
  assert.match(line ?? '', /rejected \(never accepted\); next probe at (?:\d{4}-\d\d-\d\d )?10:00:30 /);

  clock.advance(29 * SECOND);
  await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 1, 'not sent before its probe');
  clock.advance(SECOND);
  await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 2, 'its first probe, 30 s after the rejection: rejected again');
  assert.equal(h.store.getHealth(fingerprint(GOOD))?.until, clock.now() + MINUTE, 'the next wait is twice the first');

  clock.advance(MINUTE - SECOND);
  await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 2, 'not sent before its second probe');
  clock.advance(SECOND);
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok', 'the second probe answers: the key was fine after all');
  assert.equal(h.sim.calls(GOOD), 3);
  assert.equal(h.store.getHealth(fingerprint(GOOD))?.state, 'ok');
});

test('a suspect key whose probe is rejected stays suspect (cooldown unchanged, no retries), and the next probe waits its turn', async () => {
  const clock = clockAt('2026-06-12T10:00:00Z');
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['ok', '401', '401', '401', '401', '401'] } } },
    config: (u) => mimo(u.openai, [GOOD]),
    router: { now: clock.now },
  });
  await h.router.chat({ messages: hello });
  await failure(h.router.chat({ messages: hello }));
  const until = h.store.getHealth(fingerprint(GOOD))?.until;
  clock.advance(30 * SECOND);
  const sleeps = h.sleeps.length;
  const probed = await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 5, 'one probe, not retried');
  assert.equal(h.sleeps.length, sleeps, 'no backoff');
  const health = h.store.getHealth(fingerprint(GOOD));
  assert.deepEqual([health?.state, health?.reason, health?.until], ['cooling', 'auth_suspect', until]);
  assert.match(
    probed.explanation,
    /mimo still rejects key sk-…a1b2 \(config providers\.mimo\.api_keys\[0\]\) \(HTTP 401: [^)]*\), which last worked at 10:00; it stays set aside \(auth suspect\) until 10:05:00, probed once every 30s while no other key can answer/,
  );
  clock.advance(10 * SECOND);
  await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 5, 'the next probe is 30 s after the last one');
});

test('a suspect key is not probed while another key of the route can answer', async () => {
  const clock = clockAt('2026-06-12T10:00:00Z');
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['ok', '401', '401', '401'] }, [SPARE]: {} } },
    config: (u) => mimo(u.openai, [GOOD, SPARE]),
    router: { now: clock.now },
  });
  await h.router.chat({ messages: hello });
  const r = await h.router.chat({ messages: hello });
  assert.deepEqual(
    r.trail.map((a) => [a.credential?.masked, a.outcome]),
    [
      ['sk-…a1b2', 'auth_rejected'],
      ['sk-…a1b2', 'auth_rejected'],
      ['sk-…a1b2', 'auth_rejected'],
      ['sk-…c3d4', 'ok'],
    ],
  );
  clock.advance(MINUTE);
  await h.router.chat({ messages: hello });
  assert.equal(h.sim.calls(GOOD), 4, 'the spare answers; the suspect key sits out its cooldown');
  assert.equal(h.sim.calls(SPARE), 2);
});

test('a known-good key revoked: after its suspicion runs out, its retries fail and it is rejected ("probably revoked"), not suspected again and again', async () => {
  const clock = clockAt('2026-06-12T09:40:00Z');
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['ok', ...Array.from({ length: 12 }, () => '401')] } } },
    config: (u) => mimo(u.openai, [GOOD]),
    router: { now: clock.now },
  });
  await h.router.chat({ messages: hello });
  clock.advance(22 * MINUTE); // 10:02
  const first = await failure(h.router.chat({ messages: hello }));
  assert.match(
    first.explanation,
    /which last worked at 09:40; retried 2× with backoff — likely a transient provider problem/,
    "SPEC's known-good message the first time",
  );
  // …and, now that it rests, until when: the next call's "every key is resting" is no surprise.
  assert.match(
    first.explanation,
    /likely a transient provider problem; it is set aside \(auth suspect\) until 10:07:00, probed once every 30s while no other key can answer/,
  );
  assert.equal(first.likelyTransient, true, 'said as data too: the gateway does not tell SDKs not to retry it');
  assert.equal(h.sim.calls(GOOD), 4);

  clock.advance(5 * MINUTE + SECOND); // the suspicion has run out
  const sleeps = h.sleeps.length;
  const revoked = await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 7, 'its auth retries, like a known-good key');
  assert.equal(h.sleeps.length, sleeps + 2, 'with backoff');
  assert.equal(revoked.kind, 'auth_rejected');
  assert.equal(revoked.likelyTransient, false);
  assert.match(
    revoked.explanation,
    /mimo rejected key sk-…a1b2 \(config providers\.mimo\.api_keys\[0\]\) \(HTTP 401: Incorrect API key provided[^)]*\) on every call since 10:02 \(last worked at 09:40\); it was probably revoked — check or replace it/,
  );
  const health = h.store.getHealth(fingerprint(GOOD));
  assert.equal(health?.state, 'rejected');
  assert.equal(health?.until, clock.now() + 60 * MINUTE, 'one probe per cooldowns.rejected');
  const line = h.warnings.find((w) => w.includes('probably revoked'));
  assert.match(
    line ?? '',
    /^mimo: config api_keys\[0\] sk-…a1b2 rejected \(worked before; probably revoked\); next probe at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(HTTP 401: /,
  );

  clock.advance(10 * MINUTE);
  const resting = await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 7, 'not sent again before its probe');
  assert.match(resting.explanation, /rejected \(worked before, last at 09:40; probably revoked\) until 11:07:01/);

  clock.advance(50 * MINUTE);
  const probe = await failure(h.router.chat({ messages: hello }));
  assert.equal(h.sim.calls(GOOD), 10, 'its hourly probe, with its auth retries');
  assert.match(
    probe.explanation,
    /mimo rejected key sk-…a1b2 .* again \(last worked at 09:40\); it was probably revoked/,
  );
  assert.equal(h.store.getHealth(fingerprint(GOOD))?.state, 'rejected');
});

test('a flaky working key: after its suspicion runs out, one 401 is retried and the key answers — not called revoked', async () => {
  const clock = clockAt('2026-06-12T10:00:00Z');
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['ok', '401', '401', '401', '401', 'ok'] }, [SPARE]: {} } },
    config: (u) => mimo(u.openai, [GOOD, SPARE], { cooldowns: { auth_suspect: '6s' } }),
    router: { now: clock.now },
  });
  await h.router.chat({ messages: hello });
  const burst = await h.router.chat({ messages: hello });
  assert.deepEqual(
    burst.trail.map((a) => [a.credential?.masked, a.outcome]),
    [
      ['sk-…a1b2', 'auth_rejected'],
      ['sk-…a1b2', 'auth_rejected'],
      ['sk-…a1b2', 'auth_rejected'],
      ['sk-…c3d4', 'ok'],
    ],
  );
  assert.equal(h.store.getHealth(fingerprint(GOOD))?.reason, 'auth_suspect');
  clock.advance(2 * SECOND);
  await h.router.chat({ messages: hello });
  assert.equal(h.sim.calls(GOOD), 4, 'the spare serves; the suspect key is not probed');

  clock.advance(5 * SECOND); // the suspicion has run out
  const r = await h.router.chat({ messages: hello });
  assert.deepEqual(
    r.trail.map((a) => [a.credential?.masked, a.outcome]),
    [
      ['sk-…a1b2', 'auth_rejected'],
      ['sk-…a1b2', 'ok'],
    ],
    'one 401, retried, then it answers',
  );
  assert.equal(h.store.getHealth(fingerprint(GOOD))?.state, 'ok');
  assert.ok(!h.events.some((e) => e.type === 'cooldown' && e.reason === 'revoked'), 'never called revoked');
  assert.ok(!h.warnings.some((w) => w.includes('probably revoked')));
});

test("every key resting, one of them auth_suspect: the call's retryAfterMs is its next probe (≤ 30 s), not the end of its suspicion", async () => {
  const clock = clockAt('2026-06-12T10:00:00Z');
  await using h = await harness({
    scenario: { keys: { [GOOD]: { script: ['ok', '401', '401', '401'] }, [SPARE]: { script: ['429_quota'] } } },
    config: (u) => mimo(u.openai, [GOOD, SPARE]),
    router: { now: clock.now },
  });
  await h.router.chat({ messages: hello });
  await failure(h.router.chat({ messages: hello })); // GOOD suspect, probe at 10:00:30; SPARE out of quota
  clock.advance(4 * SECOND);
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'all_cooling');
  assert.equal(err.retryAfterMs, 26 * SECOND, 'the suspect key is probed at 10:00:30');
  assert.match(err.explanation, /the first one is usable again at 10:00:30/);
  clock.advance(26 * SECOND);
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok', 'and at that time its probe goes through');
});
