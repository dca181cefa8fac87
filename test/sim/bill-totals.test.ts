// The simulator's bill covers every call since its last reset, not only the calls its bounded log keeps: a long
// fault run is compared with it exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';

const CALLS = 10_250;
const KEYS = ['sk-sim-bill-a-0000001', 'sk-sim-bill-b-0000001'];

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

test('billed() sums every call since the reset, past the log of the last 10,000', async () => {
  await using sim = await startSimulator({
    scenario: { models: { 'sim-large': {} }, keys: Object.fromEntries(KEYS.map((k) => [k, {}])) },
  });
  const ask = async (i: number): Promise<Usage & { key: string }> => {
    const key = KEYS[i % KEYS.length] ?? '';
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        model: 'sim-large',
        max_tokens: 1 + (i % 7),
        messages: [{ role: 'user', content: `n${i}` }],
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { usage: Usage };
    return { key, ...body.usage };
  };
  await ask(0); // before the reset: not billed to the period after it
  sim.reset();
  const sent = new Map<string, { input: number; output: number }>(
    ['all', ...KEYS].map((k) => [k, { input: 0, output: 0 }]),
  );
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < CALLS) {
      const u = await ask(next++);
      for (const k of ['all', u.key]) {
        const s = sent.get(k);
        if (s) {
          s.input += u.prompt_tokens;
          s.output += u.completion_tokens;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  assert.equal(sim.calls(), CALLS);
  assert.equal(sim.log().length, 10_000, 'the log keeps the last 10,000 calls');
  for (const k of ['all', ...KEYS]) {
    const b = sim.billed(k === 'all' ? undefined : k);
    assert.deepEqual({ input: b.input_tokens, output: b.output_tokens }, sent.get(k), k);
  }
  sim.reset();
  assert.deepEqual(sim.billed(), { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 });
});
