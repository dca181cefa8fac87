// A large request body sent as the pieces it was made of — views of the caller's own bytes with the bytes that
// changed between them (splice.ts), or a translation's text with the kept bytes of the messages an earlier turn sent
// (json-bytes.ts) — rather than copied into one Buffer first. At 200 KB–1 MB that copy (a fresh mapping for the new
// Buffer, its page faults, the copy, the unmapping when it is collected) cost more than the writes it saved: CPU per
// request 0.71–0.84× same shape at 200 KB and 1 MB, 0.73–0.75× across shapes at 1 MB without it (bench/README.md).
// Below PIECES_FROM the one Buffer is cheaper than a write per piece, and is made as before.

/** A body at least this long is sent as pieces. */
const PIECES_FROM = 64 * 1024;
/** A piece at least this long is sent as the view it is; runs of shorter ones are copied together, so that each
 * write (undici writes a piece at a time, a syscall each) carries enough to be worth it. */
export const VIEW_FROM = 16 * 1024;

/** A body in pieces, in order, and their length together (the request's content-length). */
export class BodyPieces {
  readonly pieces: readonly Uint8Array[];
  readonly length: number;

  constructor(pieces: readonly Uint8Array[], length: number) {
    this.pieces = pieces;
    this.length = length;
  }

  /** The pieces as one Buffer: for what needs the body whole (a signature over it, a test reading it). */
  joined(): Buffer {
    return Buffer.concat(this.pieces, this.length);
  }
}

/** A request body as it is sent: JSON text, bytes, or bytes in pieces. */
export type RequestBody = string | Uint8Array | BodyPieces;

/** A part of a body: bytes, or text written as UTF-8. */
export type BodyPart = Uint8Array | string;

const byteLength = (p: BodyPart): number => (typeof p === 'string' ? Buffer.byteLength(p) : p.length);

/** The parts as one Buffer, or, for a body of PIECES_FROM bytes or more, as pieces: long byte parts kept as views,
 * runs of short ones and of text written together. */
export function bodyOf(given: readonly BodyPart[]): Buffer | BodyPieces {
  const parts = joinedViews(given);
  const lengths = parts.map(byteLength);
  let length = 0;
  for (const n of lengths) length += n;
  if (length < PIECES_FROM) return written(parts, lengths, 0, parts.length, length);
  const pieces: Uint8Array[] = [];
  let from = 0;
  let runLength = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'string' || p.length < VIEW_FROM) {
      runLength += lengths[i]!;
      continue;
    }
    if (runLength > 0) pieces.push(written(parts, lengths, from, i, runLength));
    pieces.push(p);
    from = i + 1;
    runLength = 0;
  }
  if (runLength > 0) pieces.push(written(parts, lengths, from, parts.length, runLength));
  return new BodyPieces(pieces, length);
}

/** The parts with empty ones left out and neighbouring views of one memory, each ending where the next starts, made
 * one view: a splice's kept bytes are often cut around an edit that added nothing (the closing brace after the last
 * member), and each piece is a write of its own, the last one a TCP segment of a byte. */
function joinedViews(parts: readonly BodyPart[]): BodyPart[] {
  const out: BodyPart[] = [];
  for (const p of parts) {
    if (p.length === 0) continue;
    const last = out.at(-1);
    if (typeof p !== 'string' && last !== undefined && typeof last !== 'string' && follows(last, p))
      out[out.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + p.length);
    else out.push(p);
  }
  return out;
}

/** Whether `b` starts in the same memory right where `a` ends. */
function follows(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset + a.length === b.byteOffset;
}

/** Parts `from`…`to` written into one Buffer of `length` bytes; a lone byte part is itself. */
function written(
  parts: readonly BodyPart[],
  lengths: readonly number[],
  from: number,
  to: number,
  length: number,
): Buffer {
  const only = to - from === 1 ? parts[from] : undefined;
  if (only instanceof Buffer) return only;
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (let i = from; i < to; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') out.write(p, at, 'utf8');
    else out.set(p, at);
    at += lengths[i]!;
  }
  return out;
}

/** A body whole, as bytes or text: the pieces joined. */
export function wholeBody(body: RequestBody): string | Uint8Array {
  return body instanceof BodyPieces ? body.joined() : body;
}
