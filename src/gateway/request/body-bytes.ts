// A request body gathered as one Buffer, as fastify's own `parseAs: 'buffer'` does (the same limits and errors), but
// a body that came in one chunk is that chunk, not a copy of it. Node's HTTP parser hands each chunk over in a Buffer
// of its own, and every Buffer's memory counts towards V8's external memory: each 64 MB more of it since the last
// full collection starts another, which on a gateway's heap marks ~40 MB of live objects (bench/README.md). A body up
// to ~64 KB, most chat requests, usually comes in one chunk: it now costs one such Buffer rather than two. A body of
// several chunks is copied into one, and the chunks' memory is then given back at once (detached) rather than left
// for the collector: it no longer counts towards the next full collection.
import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';
import { giveBack, ownsMemory } from '../../providers/body-memory.ts';

/** Called once: the error, or the body's bytes. */
export type Gathered = (err: Error | null, bytes: Buffer) => void;

/** Reads `payload` to its end: the body (refused over `limit` bytes, or when it ends short of or past the declared
 * `contentLength`, NaN when none was). */
export function gatherBody(payload: Readable, limit: number, contentLength: number, done: Gathered): void {
  if (contentLength > limit) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), EMPTY);
  const chunks: Buffer[] = [];
  let length = 0;
  // Chunks another reader was handed too are theirs as well: never given back.
  let alone = true;
  const stop = (): void => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };
  const onData = (chunk: Buffer | string): void => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (payload.listenerCount('data') > 1) alone = false;
    length += b.length;
    if (length > limit) {
      stop();
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), EMPTY);
      return;
    }
    chunks.push(b);
  };
  const onEnd = (err?: Error & { statusCode?: number }): void => {
    stop();
    if (err != null) {
      // A body cut off (the caller closed mid-body) is the caller's: a 400, as fastify says it.
      if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
      return done(err, EMPTY);
    }
    if (!Number.isNaN(contentLength) && length !== contentLength)
      return done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), EMPTY);
    done(null, joined(chunks, length, alone));
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}

const EMPTY = Buffer.alloc(0);

/** The chunks as one Buffer: the only chunk itself when it owns all of its memory, else a copy, after which the
 * chunks that own theirs give it back when no other reader was handed them (`alone`). */
function joined(chunks: readonly Buffer[], length: number, alone: boolean): Buffer {
  const only = chunks.length === 1 ? chunks[0]! : undefined;
  if (only !== undefined && ownsMemory(only)) return only;
  const body = Buffer.concat(chunks, length);
  if (alone) for (const chunk of chunks) if (ownsMemory(chunk)) giveBack(chunk.buffer);
  return body;
}
