// An OpenAI-compatible upstream that keeps connections alive and, as told, resets a request's connection (RST, no
// answer) the moment the request arrives: what a server's idle timeout firing just as a request goes out on a pooled
// connection looks like, met every time rather than by a race (docs/routing.md, the `resend_fresh` action).
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Which requests the upstream drops: none, those on a connection that answered before, or every one. */
export type Drop = 'none' | 'reused' | 'all';

export interface DroppingUpstream extends AsyncDisposable {
  baseUrl: string;
  drop: Drop;
  /** Per request that came: whether its connection had answered before, and whether it was dropped. */
  seen: { reused: boolean; dropped: boolean }[];
}

function answer(res: ServerResponse, body: string): void {
  const asked = JSON.parse(body) as { model: string; stream?: boolean };
  const message = { role: 'assistant', content: 'fresh answer' };
  if (asked.stream !== true) {
    const whole = {
      id: 'chatcmpl-stale',
      object: 'chat.completion',
      created: 0,
      model: asked.model,
      choices: [{ index: 0, message, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(whole));
    return;
  }
  const chunk = (delta: unknown, finish: string | null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-stale', object: 'chat.completion.chunk', created: 0, model: asked.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(`${chunk(message, null)}${chunk({}, 'stop')}data: [DONE]\n\n`);
}

/** `await using up = await droppingUpstream()` closes it when the test's scope ends; `up.drop` says what to drop. */
export async function droppingUpstream(): Promise<DroppingUpstream> {
  const answered = new WeakSet<Socket>();
  const server = createServer((req, res) => {
    const reused = answered.has(req.socket);
    const dropped = up.drop === 'all' || (up.drop === 'reused' && reused);
    up.seen.push({ reused, dropped });
    if (dropped) {
      req.socket.resetAndDestroy();
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      answer(res, body);
      answered.add(req.socket);
    });
  });
  // Kept alive a minute (the pool lets go 2 s before), so a stalled event loop between two calls does not retire the
  // connection the second is meant to find.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = (): Promise<void> =>
    new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  const up: DroppingUpstream = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    drop: 'none',
    seen: [],
    [Symbol.asyncDispose]: close,
  };
  return up;
}

/** undici hands a connection back to its pool a turn of the event loop after the answer: the next call then takes it
 * rather than opening another. */
export const pooled = (): Promise<void> => new Promise((r) => setImmediate(r));
