// A streamed reply's body written to its socket one write per frame. Node's `res.write` on a chunked reply corks the
// socket and queues four pieces (size, CRLF, data, CRLF), flushed as one writev on the next tick: a tick, four
// queue entries and a C++ loop over mixed strings and buffers per frame, a tenth of a stream's CPU per chunk. Here the
// frame and its chunk framing go out in one string write once the reply's head is on the socket; the reply's end
// (`res.end()`, the trailer) is Node's own.
import { Buffer } from 'node:buffer';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Writes a reply's body frames; `write` answers false when the socket is full (wait for `onDrain`). */
export interface BodyWriter {
  write(text: string): boolean;
  /** The same for bytes as they came (an upstream's frames sent on: stream-writer.ts). */
  writeBytes(bytes: Uint8Array): boolean;
  /** Calls `f` when the socket can take more; returns what stops listening. */
  onDrain(f: () => void): () => void;
  /** Holds this turn's writes and sends them together once it is over: the frames of one upstream read, and the
   * stream's end when that read ends it, had gone out as up to four writes where a proxy makes one. */
  holdTurn(): void;
}

/** A writer straight to the socket when the reply is chunked and has its socket (not an HTTP/1.0 caller, nor a
 * pipelined request waiting its turn, nor a turn of a Responses WebSocket, which fastify's `inject` serves with a
 * socket that writes nowhere); else one through `res.write`. The first frame goes through `res.write` either
 * way, so the reply's head goes out with it in one write. */
export function bodyWriter(res: ServerResponse): BodyWriter {
  const socket = res.socket;
  if (socket === null || !isChunked(res) || isInjected(res)) return viaReply(res);
  return toSocket(res, socket);
}

/** Whether Node frames this reply's body in chunks (HTTP/1.1, no content-length): `chunkedEncoding` is Node's own
 * field on an outgoing message, not typed by @types/node. */
function isChunked(res: ServerResponse): boolean {
  return (res as ServerResponse & { chunkedEncoding?: boolean }).chunkedEncoding === true;
}

/** A reply made by fastify's `inject` (light-my-request marks it): its body is read from the reply, not a socket. */
function isInjected(res: ServerResponse): boolean {
  return (res as ServerResponse & { isLightMyRequest?: boolean }).isLightMyRequest === true;
}

function toSocket(res: ServerResponse, socket: Socket): BodyWriter {
  let headSent = false;
  let held = false;
  // Until the reply has put its head on the socket, frames go through it: Node 24.22 holds a reply's first writes in
  // the reply (corked to the next tick), where 24.21 corked the socket, so a frame written straight to the socket
  // then went out before the head.
  const throughReply = (): boolean => {
    if (!headSent) {
      headSent = true;
      return true;
    }
    return res.writableCorked > 0;
  };
  return {
    write: (text) => {
      if (socket.destroyed) return true;
      if (throughReply()) return res.write(text);
      return socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
    },
    writeBytes: (bytes) => {
      if (socket.destroyed) return true;
      if (throughReply()) return res.write(bytes);
      return socket.write(framedChunk(bytes), 'latin1');
    },
    onDrain: (f) => {
      socket.on('drain', f);
      return () => socket.off('drain', f);
    },
    holdTurn: () => {
      if (held || socket.destroyed) return;
      // Corked until the microtasks after this turn's callbacks: what the turn writes goes out in one writev.
      held = true;
      socket.cork();
      queueMicrotask(() => {
        held = false;
        socket.uncork();
      });
    },
  };
}

function viaReply(res: ServerResponse): BodyWriter {
  return {
    write: (text) => res.write(text),
    writeBytes: (bytes) => res.write(bytes),
    onDrain: (f) => {
      res.on('drain', f);
      return () => res.off('drain', f);
    },
    // Node's reply corks its socket to the next tick at each write: a turn's writes go out together already.
    holdTurn: () => {},
  };
}

/** `bytes` in one chunk of its own (size, CRLF, bytes, CRLF), as one latin1 string: a byte a character, so written as
 * `latin1` it is the same bytes, whatever they are. A string write costs less than a Buffer made and filled for it
 * (a typed array's creation and copy per chunk). */
function framedChunk(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const text = buf.toString('latin1');
  return `${bytes.length.toString(16)}\r\n${text}\r\n`;
}
