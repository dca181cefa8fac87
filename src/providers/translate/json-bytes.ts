// A request body serialised to bytes in pieces, never as one string: JSON.stringify of a 200 KB body makes a string in
// V8's large-object space, which on a busy host costs more than the serialising (json-pieces.ts says why), and then a
// copy into bytes. The body and the containers near its top are written member by member; below them each value is
// one JSON.stringify, small. The bytes are JSON.stringify's, byte for byte. A shared value (parsed-spans.ts: deeply
// frozen, read by every turn of a conversation) is written once and its bytes kept beside it: an agent's earlier
// messages and its tools' schemas cost a copy on later turns, not a serialisation; and a run of them leading one of the
// body's arrays costs not even that (shared-runs.ts).
import { isShared, madeOncePerShared } from '../../shared-value.ts';
import { bodyOf, type BodyPieces } from './body-pieces.ts';
import { sharedRun } from './shared-runs.ts';

/** How deep containers are written member by member: the body, its members (`messages`), their elements (a message)
 * and theirs (a message's content blocks). Below, one JSON.stringify per value. */
const WRITTEN_LEVELS = 4;
/** Text is gathered to about this many characters before it becomes bytes: few Buffers, none of them large strings. */
const FLUSH_CHARS = 16 * 1024;

/** The body's pieces in order: text gathered into strings of about FLUSH_CHARS, and shared values' bytes; made into
 * one Buffer at the end, each piece written once into it, or a large body's pieces (body-pieces.ts). */
class Writer {
  readonly pieces: (string | Buffer)[] = [];
  #text = '';

  add(text: string): void {
    this.#text += text;
    if (this.#text.length >= FLUSH_CHARS) this.flush();
  }

  flush(): void {
    if (this.#text.length === 0) return;
    this.pieces.push(this.#text);
    this.#text = '';
  }

  addBytes(bytes: Buffer): void {
    this.flush();
    this.pieces.push(bytes);
  }

  done(): Buffer | BodyPieces {
    this.flush();
    return bodyOf(this.pieces);
  }
}

/** A shared value's JSON bytes, written once and kept beside it. */
const sharedBytes = madeOncePerShared((value: object): Buffer => Buffer.from(JSON.stringify(value)));

/** `JSON.stringify(value)` as UTF-8 bytes, made without a whole-body string: one Buffer, or a large body's pieces. */
export function jsonBody(value: unknown): Buffer | BodyPieces {
  const out = new Writer();
  write(out, value, 0);
  return out.done();
}

/** Written as JSON.stringify writes it: an own `toJSON` (a Date) is left to it, as is anything below the top. */
function write(out: Writer, value: unknown, level: number): void {
  if (typeof value === 'object' && value !== null && isShared(value)) {
    out.addBytes(sharedBytes(value));
    return;
  }
  if (level >= WRITTEN_LEVELS || typeof value !== 'object' || value === null || hasToJson(value)) {
    out.add(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    out.add('[');
    // The body's own arrays (its messages, its tools): their leading shared elements are one kept run of bytes.
    const run = level === 1 ? sharedRun(value, isShared, sharedBytes) : undefined;
    if (run !== undefined) out.addBytes(run.view);
    for (let i = run?.count ?? 0; i < value.length; i++) {
      if (i > 0) out.add(',');
      const item: unknown = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') out.add('null');
      else write(out, item, level + 1);
    }
    out.add(']');
    return;
  }
  out.add('{');
  let first = true;
  for (const key of Object.keys(value)) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out.add(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    write(out, item, level + 1);
  }
  out.add('}');
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
