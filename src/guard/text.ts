// What the scanner reads: a request body's bytes as they came (never decoded whole: a string over 128 KB costs V8 a
// large-object allocation, about a millisecond on a busy machine), or a small string on the answer side (a streamed
// piece, a tool call's arguments), read as it is rather than encoded first. Offsets are bytes, or UTF-16 units.

/** A literal the prefilter looks for, in both spellings, made once. */
export interface Literal {
  readonly text: string;
  readonly bytes: Buffer;
}

export function literal(text: string): Literal {
  return { text, bytes: Buffer.from(text, 'latin1') };
}

export interface Text {
  readonly length: number;
  /** A body's bytes, for the prefilter's one pass over a small body (anchors.ts); none for a string. */
  readonly bytes?: Uint8Array;
  /** A string's characters, for the same pass over a short one; none for a body. */
  readonly chars?: string;
  /** The byte (UTF-16 unit) at `i`; -1 outside. Only compared with ASCII codes, so either reads the same. */
  at(i: number): number;
  /** The next place of `lit` from `from`, or -1: a native search. */
  find(lit: Literal, from: number): number;
  /** `from` to `to` as a string: a window for a precise rule (bytes as latin1, so offsets stay bytes). */
  slice(from: number, to: number): string;
}

/** A body's bytes read as a Text: the prefilter may also read them directly. */
export interface BodyText extends Text {
  readonly bytes: Uint8Array;
}

export function bytesText(buf: Buffer): BodyText {
  return {
    length: buf.length,
    bytes: buf,
    at: (i) => buf[i] ?? -1,
    find: (lit, from) => buf.indexOf(lit.bytes, from),
    slice: (from, to) => buf.toString('latin1', Math.max(0, from), Math.min(buf.length, to)),
  };
}

export function stringText(text: string): Text {
  return {
    length: text.length,
    chars: text,
    at: (i) => (i >= 0 && i < text.length ? text.charCodeAt(i) : -1),
    find: (lit, from) => text.indexOf(lit.text, from),
    slice: (from, to) => text.slice(Math.max(0, from), to),
  };
}
