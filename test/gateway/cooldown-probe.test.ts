// A key back from a cooldown takes one request first, as a rejected key's single probe does: a burst arriving as the
// cooldown ends sends one call to it and rotates the rest, until that call's answer is back. Calls are counted per
// key by the simulator (/_sim/calls). A call that falls back meanwhile says why in the request log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/config/mask.ts';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import { SLOW_STEP_MS, until } from '../helpers/until.ts';

const COOLED = 'sk-sim-probe-cooled-key-01';
const OTHER = 'sk-sim-probe-other-key-002';

async function calls(h: Harness, key: string): Promise<number> {
  const res = await fetch(`${h.sim.url}/_sim/calls?key=${encodeURIComponent(key)}`);
  return ((await res.json()) as { count: number }).count;
}

async function held(h: Harness): Promise<number> {
  const res = await fetch(`${h.sim.url}/_sim/held`);
  return ((await res.json()) as { held: number }).held;
}

async function chat(h: Harness): Promise<number> {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

test('when a rate-limit cooldown ends, a burst of 20 sends one probe to the key and the other 19 elsewhere until it answers', async () => {
  await using h = await startHarness({
    // The cooled key's probe is held by the simulator until the burst is all in: however slow the machine, its answer
    // cannot come back while the burst is still arriving.
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        [COOLED]: { script: ['429', 'hold'], reset: '1s', reset_headers: ['retry-after-ms'] },
        [OTHER]: {},
      },
    },
    config: (sim) => ({
      // The probe is held as long as the burst takes: no attempt timeout of the harness's may end it first.
      providers: { p: simProvider(sim, 'openai', [COOLED, OTHER], { timeout: '10m' }) },
      main: { provider: 'p', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
  assert.equal(await chat(h), 200);
  assert.equal(await calls(h, COOLED), 1);
  const cooled = h.store.getHealth(fingerprint(COOLED));
  assert.equal(cooled?.state, 'cooling');
  await until('the cooldown to end', () => Date.now() > (cooled?.until ?? 0));

  const burst = Array.from({ length: 20 }, () => chat(h));
  await until(
    'the other 19 to be answered by the other key',
    async () => (await calls(h, OTHER)) >= 1 + 19,
    SLOW_STEP_MS,
  );
  assert.equal(await calls(h, COOLED), 2, 'one probe while its answer is out');
  assert.equal(await held(h), 1, 'the probe is the call held');
  await fetch(`${h.sim.url}/_sim/release`, { method: 'POST' }).then((r) => r.arrayBuffer());
  assert.deepEqual(
    await Promise.all(burst),
    Array.from({ length: 20 }, () => 200),
  );
  assert.equal(await calls(h, OTHER), 20);
  // The probe answered: the key is back in use, first in order again.
  assert.equal(h.store.getHealth(fingerprint(COOLED))?.state, 'ok');
  assert.equal(await chat(h), 200);
  assert.equal(await calls(h, COOLED), 3);
});

test("while a cooled-down key's trial request is out, a call that falls back logs why its route was skipped", async () => {
  await using h = await startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        // The trial is held until the call that falls back has been answered.
        [COOLED]: { script: ['429', 'hold'], reset: '1s', reset_headers: ['retry-after-ms'] },
        [OTHER]: {},
      },
    },
    config: (sim) => ({
      providers: {
        p: simProvider(sim, 'openai', [COOLED], { timeout: '10m' }),
        q: simProvider(sim, 'openai', [OTHER]),
      },
      main: { provider: 'p', model: 'sim-large' },
      fallback: [{ provider: 'q', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
  assert.equal(await chat(h), 200);
  const cooled = h.store.getHealth(fingerprint(COOLED));
  await until('the cooldown to end', () => Date.now() > (cooled?.until ?? 0));
  const trial = chat(h);
  await until('the trial request to reach the key', async () => (await calls(h, COOLED)) === 2);
  assert.equal(await chat(h), 200);
  const line = JSON.parse(h.logs.filter((l) => l.includes('"msg":"request"')).at(-1)!) as {
    upstream: { route: string; outcome: string; reason?: string; key?: string }[];
  };
  assert.deepEqual(line.upstream, [
    {
      route: 'p/sim-large',
      outcome: 'skipped',
      reason: 'every key for p is unusable: sk-…y-01 rate-limited: its trial request is in flight',
    },
    { route: 'q/sim-large', credential: fingerprint(OTHER), key: 'sk-…-002', outcome: 'ok', status: 200 },
  ]);
  await fetch(`${h.sim.url}/_sim/release`, { method: 'POST' }).then((r) => r.arrayBuffer());
  assert.equal(await trial, 200);
});
