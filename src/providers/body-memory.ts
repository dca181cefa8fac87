// A caller's body's memory, given back the moment its request is over rather than when V8 next collects in full. Each
// Buffer's memory counts as V8's external memory, and every 64 MB more of it starts a full collection, which marks the
// gateway's whole heap: at 200 KB bodies most of them were started by the bodies alone (bench/README.md). Its memory is
// detached (`ArrayBuffer.prototype.transfer(0)`) once two things hold: the gateway says the request is over (nothing
// reads the body again), and every socket write of it has completed. A spliced body goes to the upstream as views of
// the caller's bytes (translate/body-pieces.ts), which a socket may still hold queued after the answer came (an
// upstream that answers without reading what it was sent): their memory is given back from the last write's callback,
// never while a write could still read it. Writes are counted on every socket undici connects (its
// `undici:client:connected` channel), the only way a body's bytes leave the gateway (providers/http.ts).
import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

interface Held {
  /** Writes of this memory handed to a socket and not yet completed. */
  writes: number;
  /** The request is over: the memory goes with its last write. */
  over: boolean;
}

/** Kept on the memory's ArrayBuffer itself: a WeakMap entry per body cost ~0.3 µs a request in its set and the
 * scavenger's passes over its entries (bench/README.md, "WeakMaps per request"). */
const HELD = Symbol('switchyard.heldBody');
type HeldMemory = ArrayBufferLike & { [HELD]?: Held | undefined };

function heldOf(memory: ArrayBufferLike): Held | undefined {
  return (memory as HeldMemory)[HELD];
}

/** Marks a body's memory to be given back once its request is over (bodyOver). Only a Buffer that is all of its
 * memory: a view of a larger one (a pooled slab, a chunk with the headers before it) is left to the collector. */
export function holdBody(bytes: Buffer): void {
  if (ownsMemory(bytes) && heldOf(bytes.buffer) === undefined)
    (bytes.buffer as HeldMemory)[HELD] = { writes: 0, over: false };
}

/** Whether `b` is all of its memory: no other bytes can be seen through it, nor can it keep a larger buffer alive. */
export function ownsMemory(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.buffer.byteLength === b.length;
}

/** The request whose body `bytes` is (or is a view of) is over: its memory goes now, or with its last write. */
export function bodyOver(bytes: Uint8Array | undefined): void {
  if (bytes === undefined) return;
  const held = heldOf(bytes.buffer);
  if (held === undefined || held.over) return;
  held.over = true;
  if (held.writes === 0) release(bytes.buffer);
}

function release(memory: ArrayBufferLike): void {
  (memory as HeldMemory)[HELD] = undefined;
  giveBack(memory);
}

/** Frees memory now: the ArrayBuffer is detached (every view of it reads as empty from then on). Memory that may not
 * be detached (a WebAssembly memory's, a SharedArrayBuffer) is left to the collector. */
export function giveBack(memory: ArrayBufferLike): void {
  if (!(memory instanceof ArrayBuffer) || memory.detached) return;
  try {
    memory.transfer(0);
  } catch {
    // Not detachable: the collector frees it.
  }
}

type WriteCallback = (err?: Error | null) => void;
type Write = (chunk: unknown, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback) => boolean;

const WATCHED = new WeakSet<Socket>();

/** Counts the writes of held memory on `socket`: each is one more until its callback, which Node calls once the
 * write has completed, failed or been cancelled by the socket's end. */
export function watchWrites(socket: Socket): void {
  if (WATCHED.has(socket)) return;
  WATCHED.add(socket);
  const write = socket.write as Write;
  const counted: Write = function (this: Socket, chunk, encoding, callback) {
    const held = chunk instanceof Uint8Array ? heldOf(chunk.buffer) : undefined;
    if (held === undefined) return write.call(this, chunk, encoding, callback);
    const memory = (chunk as Uint8Array).buffer;
    const then = typeof encoding === 'function' ? encoding : callback;
    held.writes++;
    const done: WriteCallback = (err) => {
      held.writes--;
      if (held.over && held.writes === 0) release(memory);
      then?.(err);
    };
    return typeof encoding === 'function' ? write.call(this, chunk, done) : write.call(this, chunk, encoding, done);
  };
  socket.write = counted as Socket['write'];
}

// Every socket an undici client connects, whichever dispatcher made it (a pool, a proxy's tunnel, a one-off client).
subscribe('undici:client:connected', (message) => {
  const socket = (message as { socket?: unknown }).socket;
  if (typeof socket === 'object' && socket !== null && 'write' in socket) watchWrites(socket as Socket);
});
