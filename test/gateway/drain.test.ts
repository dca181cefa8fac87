// Shutdown as a keep-alive client sees it: the answers of requests in flight when draining begins (a success and an
// error alike) finish, and say `Connection: close`, so the client does not send its next request on a connection
// that is about to close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, FAST_RETRY } from './harness.ts';

test('requests in flight when draining begins finish with Connection: close', async () => {
  const h = await startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        'sk-sim-slow-drain-00001': { latency: '400ms' },
        'sk-sim-slowbad-drain-01': { latency: '400ms', script: ['bad_request'], loop_script: true },
      },
    },
    config: (sim) => ({
      providers: {
        slow: simProvider(sim, 'openai', 'sk-sim-slow-drain-00001'),
        bad: simProvider(sim, 'openai', 'sk-sim-slowbad-drain-01'),
      },
      main: { provider: 'slow', model: 'sim-large' },
      auxiliary: { failing: { provider: 'bad', model: 'sim-large', fallback_to_main: false } },
      retry: FAST_RETRY,
    }),
  });
  const ask = (model: string): Promise<Response> =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  try {
    // Before draining, connections are kept alive.
    const before = await ask('main');
    await before.text();
    assert.notEqual(before.headers.get('connection'), 'close');

    const ok = ask('main');
    const failing = ask('failing');
    // Both calls must be in flight (reached the upstream) before draining begins; a fixed pause was not enough on a
    // busy machine (a request not yet received when draining starts is rightly answered 503).
    while (h.sim.calls('sk-sim-slow-drain-00001') < 2 || h.sim.calls('sk-sim-slowbad-drain-01') < 1) await new Promise((r) => setTimeout(r, 10));
    const closed = h.gw.close();
    const [okRes, badRes] = await Promise.all([ok, failing]);
    assert.equal(okRes.status, 200);
    assert.equal(okRes.headers.get('connection'), 'close');
    assert.equal(badRes.status, 400);
    assert.equal(badRes.headers.get('connection'), 'close');
    await Promise.all([okRes.text(), badRes.text()]);
    await closed;
  } finally {
    await h.close();
  }
});
