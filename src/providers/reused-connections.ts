// Which failed requests went out on a pooled connection that had carried an earlier one, and read not one byte of
// their answer: the only ones whose dropped connection can be a stale keep-alive (the provider closing it while idle
// as the request went out), as opposed to a provider or proxy dropping a connection it had just accepted, or cutting
// an answer. undici tells a request's handler neither, so this reads its diagnostics channels: the socket each
// request's headers go out on, and each request's error.
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/** What a socket has sent: how many requests, and the last one's undici request object with the bytes the socket had
 * read when it went out (a TLS socket counts the answer's, not the handshake's). */
interface Sent {
  count: number;
  last: object | undefined;
  read: number;
}

/** The sockets undici sends on, while they are open: one record each, changed in place as requests go out. A map
 * entry per request (the request → its socket) cost ~0.6 µs a request in a WeakMap's set and the scavenger's passes
 * over its entries (bench/README.md, "WeakMaps per request"). HTTP/1.1 sends one request at a time on a socket, so a
 * failed request is its socket's last, found by looking through the open sockets: a failure is rare. */
const open = new Map<Socket, Sent>();
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

function sentOn(socket: Socket): Sent {
  let sent = open.get(socket);
  if (sent === undefined) {
    const made: Sent = { count: 0, last: undefined, read: 0 };
    open.set(socket, made);
    // Left a turn later: undici fails the socket's request in its own 'close' listener, which may run after this one.
    socket.once('close', () => setImmediate(() => open.delete(socket)));
    sent = made;
  }
  return sent;
}

subscribe('undici:client:sendHeaders', (message) => {
  const { request, socket } = message as SendHeaders;
  const sent = sentOn(socket);
  sent.count++;
  sent.last = sent.count > 1 ? request : undefined;
  sent.read = socket.bytesRead;
});

subscribe('undici:request:error', (message) => {
  const { request, error } = message as RequestError;
  if (typeof error !== 'object' || error === null) return;
  if (!DROPPED_CODES.has((error as { code?: unknown }).code)) return;
  for (const [socket, sent] of open) {
    if (sent.last !== request) continue;
    if (socket.bytesRead === sent.read) failedReused.add(error);
    return;
  }
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
