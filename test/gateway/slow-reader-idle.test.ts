// `streaming.idle_timeout` measures the upstream's silence, not the client's: a client that stops reading for longer
// than the limit holds the gateway (and, a chunk ahead, the upstream) back, and the stream must not be cut for it
// (the provider's own timeout, paused the same way, is test/providers/stream-slow-consumer.test.ts).
// The answer is a tool call of ~8 MB in two halves, so the client's pause fills the socket buffers between it and
// the gateway and the gateway waits on the client; the simulator streams on as soon as the client reads again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simProvider, startHarness } from './harness.ts';

const KEY = 'sk-sim-slow-reader-0001';

/** Arguments of ~8 MB: more than loopback's socket buffers hold, so a pause of the reader reaches the gateway. */
const BIG_ARGS = {
  type: 'object',
  properties: {
    pages: { type: 'array', minItems: 16, maxItems: 16, items: { type: 'string', minLength: 500_000 } },
  },
  required: ['pages'],
};

/** Streams the big tool call to a client that reads its first bytes, then pauses `pauseMs`, then reads the rest. */
async function readSlowly(url: string, key: string, pauseMs: number): Promise<string[]> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'sim-large',
      stream: true,
      messages: [{ role: 'user', content: 'call save_pages' }],
      tools: [{ type: 'function', function: { name: 'save_pages', parameters: BIG_ARGS } }],
      tool_choice: 'required',
    }),
  });
  assert.equal(r.status, 200);
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const first = await reader.read();
  text += decoder.decode(first.value, { stream: true });
  // The slow client: the rest of the answer waits in the buffers meanwhile.
  await new Promise((resolve) => setTimeout(resolve, pauseMs));
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    text += decoder.decode(next.value, { stream: true });
  }
  return text.split('\n\n').filter((f) => f.startsWith('data: '));
}

/** The whole answer came: no error event, the tool call's finish, then [DONE]. */
function assertWhole(frames: string[]): void {
  const errors = frames.filter((f) => f.includes('"error"'));
  assert.deepEqual(
    errors.map((f) => f.slice(0, 300)),
    [],
    'no error event: the stream was not cut',
  );
  assert.equal(frames.at(-1), 'data: [DONE]');
  const finish = frames
    .filter((f) => f !== 'data: [DONE]')
    .map((f) => JSON.parse(f.slice(6)) as { choices: { finish_reason: string | null }[] })
    .flatMap((c) => c.choices.map((x) => x.finish_reason))
    .filter((x) => x !== null);
  assert.deepEqual(finish, ['tool_calls']);
}

test('a client that pauses longer than streaming.idle_timeout still gets the whole streamed answer', async () => {
  await using h = await startHarness({
    scenario: { stream_delay: '10ms', keys: { [KEY]: {} } },
    config: (sim) => ({
      providers: { sim: simProvider(sim, 'openai', KEY) },
      main: { provider: 'sim', model: 'sim-large' },
      streaming: { idle_timeout: '500ms' },
    }),
  });
  // A pause four times the idle limit.
  assertWhole(await readSlowly(h.url, h.key, 2_000));
});
