// The dashboard's login form cannot be used to guess the admin key: after ten wrong keys from one address, that address
// is refused (429 with Retry-After) until its window ends, the right key included; other addresses are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, FAST_RETRY, simProvider, startHarness } from '../harness.ts';
import { LOGIN_FAILURES_ALLOWED, LOGIN_WINDOW_MS, LoginThrottle } from '../../../src/gateway/ui/login-throttle.ts';

async function login(url: string, key: string): Promise<Response> {
  return fetch(`${url}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
  });
}

test('after ten wrong admin keys the login form refuses that address, the right key too, and says for how long', async () => {
  await using h = await startHarness({
    scenario: { keys: { 'sk-sim-login-throttle-01': {} } },
    config: (sim) => ({
      providers: { p: simProvider(sim, 'openai', ['sk-sim-login-throttle-01']) },
      main: { provider: 'p', model: 'sim-large' },
      retry: FAST_RETRY,
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
  for (let i = 0; i < LOGIN_FAILURES_ALLOWED; i++) assert.equal((await login(h.url, `guess-${i}`)).status, 401);
  const refused = await login(h.url, ADMIN_KEY);
  assert.equal(refused.status, 429);
  // The window started at the first wrong key, some time ago on a loaded machine: what is left of it, in seconds.
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter > 0 && retryAfter <= LOGIN_WINDOW_MS / 1000, `Retry-After ${retryAfter}`);
  assert.match(await refused.text(), /too many wrong keys from this address: try again in 1[45] min/);
  const bearer = await fetch(`${h.url}/ui/api/keys`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(bearer.status, 200, 'the admin key as a Bearer still works for scripts');
});

test('a window of failures ends: the address may try again, and other addresses were never refused', () => {
  let now = 1_000;
  const t = new LoginThrottle(() => now);
  for (let i = 0; i < LOGIN_FAILURES_ALLOWED - 1; i++) t.failed('10.0.0.1');
  assert.deepEqual(t.gate('10.0.0.1'), { ok: true }, 'nine failures are allowed another try');
  t.failed('10.0.0.1');
  now += 60_000;
  assert.deepEqual(t.gate('10.0.0.1'), { ok: false, retryAfterMs: LOGIN_WINDOW_MS - 60_000 });
  assert.deepEqual(t.gate('10.0.0.2'), { ok: true });
  now += LOGIN_WINDOW_MS;
  assert.deepEqual(t.gate('10.0.0.1'), { ok: true });
});
