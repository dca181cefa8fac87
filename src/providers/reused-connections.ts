// Which failed requests went out on a pooled connection that had carried an earlier one, and read not one byte of
// their answer: the only ones whose dropped connection can be a stale keep-alive (the provider closing it while idle
// as the request went out), as opposed to a provider or proxy dropping a connection it had just accepted, or cutting
// an answer. undici tells a request's handler neither, so this reads its diagnostics channels: the socket each
// request's headers go out on, and each request's error.
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/** Requests sent per socket, while the socket lives. */
const sentOn = new WeakMap<Socket, number>();
/** undici's request objects whose headers went out on a socket that had sent one before: the socket, and the bytes it
 * had read then (a TLS socket counts the answer's, not the handshake's). */
const reused = new WeakMap<object, { socket: Socket; read: number }>();
/** The errors such requests failed with, when the peer dropped the connection: its RST (or a write into a socket it
 * closed), or its FIN. Not an abort or a timeout, which the caller made. */
const failedReused = new WeakSet<object>();
const DROPPED_CODES: ReadonlySet<unknown> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

interface SendHeaders {
  request: object;
  socket: Socket;
}

interface RequestError {
  request: object;
  error: unknown;
}

subscribe('undici:client:sendHeaders', (message) => {
  const { request, socket } = message as SendHeaders;
  const before = sentOn.get(socket) ?? 0;
  sentOn.set(socket, before + 1);
  if (before > 0) reused.set(request, { socket, read: socket.bytesRead });
});

subscribe('undici:request:error', (message) => {
  const { request, error } = message as RequestError;
  const sent = reused.get(request);
  if (sent === undefined || typeof error !== 'object' || error === null) return;
  if (!DROPPED_CODES.has((error as { code?: unknown }).code)) return;
  if (sent.socket.bytesRead === sent.read) failedReused.add(error);
});

/** Whether `err` (or an error it wraps) failed a request sent on a connection that had carried an earlier one, the
 * peer dropping it before any byte of its answer came. */
export function onReusedConnection(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; typeof cur === 'object' && cur !== null && depth < 5; depth += 1) {
    if (failedReused.has(cur)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}
