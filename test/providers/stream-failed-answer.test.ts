// A stream whose answer is not a stream (a non-2xx status, or a whole JSON or HTML body with a 200) is read only as
// far as it is kept to say what it was (64 KiB), then the connection is dropped: an endless body costs the attempt
// neither memory nor time, and the failure is classified from what came.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openaiAdapter } from '../../src/providers/openai/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { UpstreamError } from '../../src/errors/upstream-error.ts';
import type { StreamEvent } from '../../src/providers/types.ts';

after(closePools);

/** `head`, then blocks of `a` as long as the reader takes them; says how many bytes went out. */
function endless(res: ServerResponse, head: string, sent: { bytes: number }): void {
  const block = Buffer.alloc(64 * 1024, 'a');
  res.write(head);
  const more = (): void => {
    while (!res.destroyed) {
      sent.bytes += block.length;
      if (!res.write(block)) return void res.once('drain', more);
    }
  };
  res.on('close', () => res.removeAllListeners('drain'));
  more();
}

/** A loopback upstream answering with `handler`, and an OpenAI stream to it (nothing is read until it is pulled). */
async function streamTo(
  handler: RequestListener,
  key: string,
): Promise<{ it: AsyncIterator<StreamEvent> } & AsyncDisposable> {
  const upstream = createServer(handler);
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as AddressInfo;
  const it = openaiAdapter
    .stream(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
      { provider: 'p', baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: key, headers: {}, timeoutMs: 60_000 },
    )
    [Symbol.asyncIterator]();
  return {
    it,
    [Symbol.asyncDispose]: async () => {
      upstream.closeAllConnections();
      upstream.close();
    },
  };
}

async function failedStream(status: number, type: string, head: string): Promise<{ err: unknown; sent: number }> {
  const sent = { bytes: 0 };
  await using up = await streamTo((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': type });
    endless(res, head, sent);
  }, 'sk-failed-answer-0001');
  const err = await up.it.next().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { err, sent: sent.bytes };
}

test('an endless error body fails the stream with its status, read no further than it is kept', async () => {
  const { err, sent } = await failedStream(503, 'application/json', '{"error":{"message":"busy, ');
  assert.ok(UpstreamError.isInstance(err), String(err));
  assert.equal(err.status, 503);
  assert.equal(err.midStream, false);
  // What the socket buffers on both sides besides: far from the whole, which never ends.
  assert.ok(sent < 64 * 1024 * 1024, `${sent} bytes sent`);
});

test('an endless whole answer where a stream was asked for is a server failure saying what came', async () => {
  const { err } = await failedStream(200, 'text/html', '<html><body>');
  assert.ok(UpstreamError.isInstance(err), String(err));
  assert.equal(err.kind, 'server');
  assert.match(err.message, /a stream was asked for and the answer came whole \(text\/html\)/);
});

test('a stream closed while its answer has not begun ends the pull waiting for it, and its request', async () => {
  let closed!: () => void;
  const requestClosed = new Promise<void>((resolve) => (closed = resolve));
  // The head never comes: the first pull waits until the stream is closed.
  let seen!: () => void;
  const requestSeen = new Promise<void>((resolve) => (seen = resolve));
  await using up = await streamTo((req) => {
    req.resume();
    req.socket.once('close', closed);
    seen();
  }, 'sk-failed-answer-0002');
  const first = up.it.next();
  await requestSeen;
  await up.it.return?.();
  assert.deepEqual(await first, { done: true, value: undefined });
  await requestClosed;
});
