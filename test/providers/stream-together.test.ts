// A pushed stream tells its sink when one upstream read holds several events that cannot go on as the read's own
// bytes (their frames differ: the last text, the finish, the end marker), before handing them over one by one, so a
// sink writing them (the gateway's stream writer) sends them together, as a proxy sends that read.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openaiAdapter } from '../../src/providers/openai/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { isPushable } from '../../src/providers/event-sink.ts';

after(closePools);

const frame = (delta: object, finish: string | null): string =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

test('a read holding the last text, the finish and the end marker is announced to the sink before its events', async () => {
  let last: (() => void) | undefined;
  // The first text in a write of its own; the rest in one write, sent once the sink is attached.
  const upstream = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(frame({ role: 'assistant', content: 'Hello' }, null));
    last = () => res.end(`${frame({ content: ' there' }, null)}${frame({}, 'stop')}data: [DONE]\n\n`);
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as AddressInfo;
  try {
    const events = openaiAdapter.stream(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
      {
        provider: 'p',
        baseUrl: `http://127.0.0.1:${port}/v1`,
        apiKey: 'sk-together-0001',
        headers: {},
        timeoutMs: 10_000,
      },
    );
    const it = events[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    assert.ok(isPushable(it));
    const calls: string[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      it.pushTo({
        event: (e) => {
          calls.push(e.type === 'text' ? `text:${e.text}` : e.type);
          return true;
        },
        verbatim: (_bytes, evs) => {
          calls.push(`verbatim:${evs.map((e) => e.type).join(',')}`);
          return true;
        },
        together: () => calls.push('together'),
        end: resolve,
        fail: reject,
      });
    });
    last!();
    await ended;
    const at = calls.indexOf('together');
    assert.ok(at >= 0, `the sink was told: ${calls.join(' ')}`);
    assert.ok(calls.indexOf('finish') > at, `the finish after it: ${calls.join(' ')}`);
    assert.ok(calls.indexOf('text: there') > at, `the last text after it: ${calls.join(' ')}`);
  } finally {
    upstream.close();
  }
});
