// A provider's `timeout` bounds each wait for a stream's next chunk, and only that: while the consumer holds an event
// and has not asked for the next, reading is paused (a stream is read at most one chunk ahead) and so is the timer, so
// a consumer slower than the timeout still gets the whole answer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import { openaiAdapter } from '../../src/providers/openai/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import type { StreamEvent } from '../../src/providers/types.ts';

after(closePools);

const KEY = 'sk-slow-consumer-0001';

test("a consumer that holds each event longer than the provider's timeout still reads the whole stream", async () => {
  await using sim = await startSimulator({ scenario: { stream_delay: '5ms', keys: { [KEY]: {} } } });
  const events = openaiAdapter.stream(
    { model: 'sim-large', messages: [{ role: 'user', content: 'tell me about slow readers' }] },
    { provider: 'sim', baseUrl: `${sim.url}/v1`, apiKey: KEY, headers: {}, timeoutMs: 300 },
  );
  const seen: StreamEvent['type'][] = [];
  for await (const e of events) {
    seen.push(e.type);
    // Held for three times the timeout: the next chunk waits in the paused body meanwhile.
    if (seen.length <= 2) await new Promise((resolve) => setTimeout(resolve, 900));
  }
  assert.equal(seen.at(-1), 'finish', seen.join(' '));
  assert.ok(seen.includes('text'));
});
