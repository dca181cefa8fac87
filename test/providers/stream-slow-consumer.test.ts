// A provider's `timeout` bounds each wait for a stream's next chunk, and only that: while the consumer holds an event
// and has not asked for the next, reading is paused (a stream is read at most one chunk ahead) and so is the timer, so
// a consumer slower than the timeout still gets the whole answer. A short rest is read while the consumer is away and
// held as bytes, so an answer nobody reads to the end does not keep its connection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
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

test('a stream the consumer stops reading is still read to its end when the rest is short, so its connection is free', async () => {
  const FRAMES = 12;
  const chunk = (i: number): string =>
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content: `w${i} ` }, finish_reason: null }] })}\n\n`;
  const last = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`;
  // Each frame its own write, a turn of the loop apart: the answer comes in many reads, after the first was parsed.
  const upstream = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const next = (): void => {
      if (i === FRAMES) return void res.end(last);
      res.write(chunk(i++));
      setImmediate(next);
    };
    next();
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as AddressInfo;
  const path = '/slow-consumer-rest/chat/completions';
  // undici says when an answer's last byte was read, whoever reads it.
  const complete = new Promise<void>((resolve) => {
    const onTrailers = (message: unknown): void => {
      if ((message as { request: { path: string } }).request.path !== path) return;
      unsubscribe('undici:request:trailers', onTrailers);
      resolve();
    };
    subscribe('undici:request:trailers', onTrailers);
  });
  try {
    const events = openaiAdapter.stream(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
      {
        provider: 'p',
        baseUrl: `http://127.0.0.1:${port}/slow-consumer-rest`,
        apiKey: KEY,
        headers: {},
        timeoutMs: 10_000,
      },
    );
    const it = events[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    // No pull for the rest until undici has read all of it: held as bytes, not left on the socket.
    await complete;
    const seen: string[] = [];
    for (let r = await it.next(); r.done !== true; r = await it.next())
      if (r.value.type === 'text') seen.push(r.value.text);
    assert.ok(seen.join('').endsWith(`w${FRAMES - 1} `), seen.join(''));
  } finally {
    upstream.closeAllConnections();
    upstream.close();
  }
});
