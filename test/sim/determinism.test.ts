// Seeded randomness: the same scenario and calls give the same outcomes, per key, whatever else is going on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, rngFor } from '../../src/sim/rng.ts';
import { withSim, openai, userMessage } from './client.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';

const ask = { model: 'sim-large', messages: [userMessage('hi')] };

async function statuses(sim: RunningSimulator, key: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await openai(sim, key, ask)).status);
  return out;
}

test('mulberry32 is a pure function of its seed', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(Array.from({ length: 5 }, rngFor(1, 'k')), Array.from({ length: 5 }, rngFor(2, 'k')));
});

test('same seed → same outcome sequence, across restarts and after reset()', async () => {
  const scenario = { seed: 42, keys: { flaky: { transient_401_rate: 0.3 } } };
  const first = await withSim(scenario, (sim) => statuses(sim, 'flaky', 40));
  const second = await withSim(scenario, async (sim) => {
    const run = await statuses(sim, 'flaky', 40);
    sim.reset();
    assert.deepEqual(await statuses(sim, 'flaky', 40), run, 'reset() restarts the random stream');
    return run;
  });
  assert.deepEqual(second, first);
  const failures = first.filter((s) => s === 401).length;
  assert.ok(failures > 3 && failures < 25, `about 30% transient 401s, got ${failures}/40`);
  assert.ok(first.every((s) => s === 200 || s === 401));
  const other = await withSim({ ...scenario, seed: 43 }, (sim) => statuses(sim, 'flaky', 40));
  assert.notDeepEqual(other, first, 'another seed, another sequence');
});

test("a key's sequence does not depend on other keys' calls interleaved with it", async () => {
  const scenario = { seed: 7, keys: { a: { server_error_rate: 0.5 }, b: { server_error_rate: 0.5 } } };
  const alone = await withSim(scenario, (sim) => statuses(sim, 'a', 20));
  const interleaved = await withSim(scenario, async (sim) => {
    const out: number[] = [];
    for (let i = 0; i < 20; i++) {
      await openai(sim, 'b', ask);
      out.push((await openai(sim, 'a', ask)).status);
    }
    return out;
  });
  assert.deepEqual(interleaved, alone);
});

test('model rates apply to every key; rate 1 always fires, rate 0 never', async () => {
  await withSim({ models: { bad: { server_error_rate: 1 }, good: {} }, keys: { k: {} } }, async (sim) => {
    for (let i = 0; i < 5; i++) {
      assert.equal((await openai(sim, 'k', { ...ask, model: 'bad' })).status, 500);
      assert.equal((await openai(sim, 'k', { ...ask, model: 'good' })).status, 200);
    }
  });
});

test('overloaded_rate and reset_rate produce their faults', async () => {
  await withSim({ keys: { o: { overloaded_rate: 1 }, r: { reset_rate: 1 } } }, async (sim) => {
    assert.equal((await openai(sim, 'o', ask)).status, 503);
    await assert.rejects(openai(sim, 'r', ask));
    assert.deepEqual(
      sim.log().map((c) => c.outcome),
      ['overloaded', 'reset'],
    );
  });
});
