// A retry looks at the key's health first: a key another request set aside while this one waited to retry it is not
// sent to again; the call goes on with the next usable key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, hello } from './helpers.ts';

const A = 'sk-sim-retry-health-a-001';
const B = 'sk-sim-retry-health-b-002';

test('a known-good key retried after a 401 is not sent to again once another request has set it aside', async () => {
  // The first pause (the 401 retry's backoff) is held until the second request has run.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let paused!: () => void;
  const pausedNow = new Promise<void>((r) => (paused = r));
  let pauses = 0;
  await using h = await harness({
    scenario: { models: { 'sim-large': {} }, keys: { [A]: { script: ['ok', '401', '429'] }, [B]: {} } },
    config: ({ openai }) => ({
      providers: { p: { type: 'openai', base_url: openai, api_keys: [A, B] } },
      main: { provider: 'p', model: 'sim-large' },
      retry: { max_retries: 2, auth_retries: 2, base_delay: '2ms', max_delay: '10ms', max_wait: '50ms' },
    }),
    router: {
      sleep: async () => {
        if (pauses++ > 0) return;
        paused();
        await held;
      },
    },
  });
  // A has worked: a 401 from it is retried (AUTH_RULES known_good).
  await h.router.chat({ task: 'main', messages: hello });
  const retrying = h.router.chat({ task: 'main', messages: hello });
  await pausedNow;
  // Meanwhile another request meets A's rate limit and cools it.
  const other = await h.router.chat({ task: 'main', messages: hello });
  assert.equal(other.status, 'ok');
  assert.deepEqual(
    other.trail.map((a) => a.outcome),
    ['rate_limited', 'ok'],
  );
  release();
  const result = await retrying;
  assert.equal(result.status, 'ok');
  assert.deepEqual(
    result.trail.map((a) => `${a.credential?.masked ?? ''} ${a.outcome}`),
    ['sk-…-001 auth_rejected', 'sk-…-002 ok'],
  );
  assert.equal(h.sim.calls(A), 3, 'A: the first call, the 401, the 429 — no retry after it was set aside');
  assert.equal(h.sim.calls(B), 2);
});
