// Connections to an upstream host are not capped: the pool is per host and shared by every provider and key there,
// so a client holding many long calls to one must not stall another's calls to the same host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider } from './harness.ts';
import { until } from '../helpers/until.ts';

const SLOW_KEY = 'sk-sim-slow-pool-key-0001';
const FAST_KEY = 'sk-sim-fast-pool-key-0002';
/** More than the 128 connections the pool used to allow. */
const HELD = 140;

test(
  `${HELD} calls held open to one provider do not hold up another provider on the same host`,
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness({
      scenario: {
        models: { 'sim-slow': { latency: '5m' }, 'sim-large': {} },
        keys: { [SLOW_KEY]: {}, [FAST_KEY]: {} },
      },
      config: (sim) => ({
        providers: {
          slow: simProvider(sim, 'openai', SLOW_KEY, { timeout: '5m' }),
          fast: simProvider(sim, 'openai', FAST_KEY),
        },
        main: { provider: 'fast', model: 'sim-large' },
      }),
    });
    const callers = new AbortController();
    t.after(async () => {
      callers.abort();
      await h.close();
    });
    const post = (model: string, signal?: AbortSignal): Promise<Response> =>
      fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        ...(signal ? { signal } : {}),
      });
    const held = Array.from({ length: HELD }, () => post('slow/sim-slow', callers.signal).catch(() => undefined));
    await until(`${HELD} calls to reach the slow model`, () => h.sim.calls(SLOW_KEY) >= HELD);
    const res = await post('fast/sim-large');
    assert.equal(res.status, 200, await res.text());
    callers.abort();
    await Promise.all(held);
  },
);
