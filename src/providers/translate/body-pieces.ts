// A large request body sent as the pieces it was made of — views of the caller's own bytes, with the bytes that
// changed between them (splice.ts) — rather than copied into one Buffer first. At 200 KB–1 MB that copy (a fresh
// mapping for the new Buffer, its page faults, the copy, the unmapping when it is collected) cost more than the
// writes it saved: same-shape CPU per request 0.82× at 200 KB and 0.63× at 1 MB without it (bench/README.md).
// Below PIECES_FROM the one Buffer is cheaper than a write per piece, and is made as before.

/** A body at least this long is sent as pieces. */
const PIECES_FROM = 64 * 1024;
/** A piece at least this long is sent as the view it is; runs of shorter ones are copied together, so that each
 * write (undici writes a piece at a time, a syscall each) carries enough to be worth it. */
const VIEW_FROM = 16 * 1024;

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

/** The parts as one Buffer, or, for a body of PIECES_FROM bytes or more, as pieces: long parts kept as views, runs of
 * short ones copied together. */
export function bodyOf(parts: readonly Uint8Array[]): Buffer | BodyPieces {
  let length = 0;
  for (const p of parts) length += p.length;
  if (length < PIECES_FROM) return Buffer.concat(parts, length);
  const pieces: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runLength = 0;
  const endRun = (): void => {
    if (run.length === 0) return;
    pieces.push(run.length === 1 ? run[0]! : Buffer.concat(run, runLength));
    run = [];
    runLength = 0;
  };
  for (const p of parts) {
    if (p.length === 0) continue;
    if (p.length >= VIEW_FROM) {
      endRun();
      pieces.push(p);
      continue;
    }
    run.push(p);
    runLength += p.length;
  }
  endRun();
  return new BodyPieces(pieces, length);
}

/** A body whole, as bytes or text: the pieces joined. */
export function wholeBody(body: RequestBody): string | Uint8Array {
  return body instanceof BodyPieces ? body.joined() : body;
}
