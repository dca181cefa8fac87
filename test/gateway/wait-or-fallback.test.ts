// A route whose keys are all resting, one of them back within retry.max_wait: the request waits for that reset only
// when no later route of the chain can answer now; a healthy fallback answers at once instead. Calls are counted per
// key by the simulator (/_sim/calls).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

/** Answers one call per 1.5 s window, then 429 with the time left (within max_wait). */
const SHORT_WINDOWS = 'sk-sim-wait-short-window-1';
/** Unknown to the simulator: rejected at its first call, then set aside. */
const SET_ASIDE = 'sk-sim-wait-set-aside-0002';
const FALLBACK = 'sk-sim-wait-fallback-00003';

async function calls(h: Harness, key: string): Promise<number> {
  const res = await fetch(`${h.sim.url}/_sim/calls?key=${encodeURIComponent(key)}`);
  return ((await res.json()) as { count: number }).count;
}

/** Status and route; a failure's message too, so an assertion that fails says why the gateway refused. */
async function chat(h: Harness): Promise<{ status: number; route: string | null; message?: string }> {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.text();
  const route = res.headers.get('x-switchyard-route');
  if (res.status === 200) return { status: res.status, route };
  return { status: res.status, route, message: (JSON.parse(text) as { error?: { message?: string } }).error?.message };
}

/** No attempt here is meant to time out: a call slowed past the harness's 5 s by a machine at load 45 (one run of
 * three full suites side by side took 8.4 s over this case's usual 2.3 s) would be a timeout, not a 429. */
const PATIENT = { timeout: '2m' };

function start(fallbackKey: Record<string, unknown>): Promise<Harness> {
  return startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        [SHORT_WINDOWS]: { rate_limit_after: 1, reset: '1500ms', reset_headers: ['retry-after-ms'] },
        [FALLBACK]: fallbackKey,
      },
    },
    config: (sim) => ({
      providers: {
        p: simProvider(sim, 'openai', [SHORT_WINDOWS, SET_ASIDE], PATIENT),
        q: simProvider(sim, 'openai', FALLBACK, PATIENT),
      },
      main: { provider: 'p', model: 'sim-large' },
      fallback: [{ provider: 'q', model: 'sim-large' }],
      retry: { ...FAST_RETRY, max_wait: '2s' },
    }),
  });
}

test('a rate-limited key back within max_wait is not waited for when the next route can answer now', async () => {
  await using h = await start({});
  assert.deepEqual(await chat(h), { status: 200, route: 'p/sim-large' });
  // The window's one call is spent: 429 (back in ≈1.5 s, within max_wait), the other key is rejected.
  assert.deepEqual(await chat(h), { status: 200, route: 'q/sim-large' });
  assert.equal(await calls(h, SHORT_WINDOWS), 2, 'not asked again after its reset');
  assert.equal(await calls(h, SET_ASIDE), 1);
  assert.equal(await calls(h, FALLBACK), 1);
});

test('with no later route able to answer now, the request still waits for the reset', async () => {
  // The fallback's key is rate-limited for an hour at its first call.
  await using h = await start({ rate_limit_after: 0, reset: '1h' });
  assert.deepEqual(await chat(h), { status: 200, route: 'p/sim-large' });
  // p: 429 and a rejected key; q could answer (nothing known against it): tried, and rate-limited for an hour.
  assert.notEqual((await chat(h)).status, 200);
  assert.equal(await calls(h, FALLBACK), 1);
  // Now nothing later can answer: p waits for its key's reset and answers.
  assert.deepEqual(await chat(h), { status: 200, route: 'p/sim-large' });
  assert.equal(await calls(h, SHORT_WINDOWS), 3);
  assert.equal(await calls(h, FALLBACK), 1, 'the cooling fallback is not asked');
});
