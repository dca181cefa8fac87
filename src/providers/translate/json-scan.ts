// Where JSON values end in a body's bytes, found without parsing them: strings are skipped with a native search for
// their closing quote (`indexOf`, most of an agent's body is string), containers by counting brackets outside strings.
// The bytes are known to be JSON or are checked after (json-pieces.ts parses what lies between the ends found).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** Where one value is in the bytes: `start` to just before `end`; its xxHash64 when it was taken. */
export interface ByteSpan {
  start: number;
  end: number;
  hash?: bigint;
}

/** Elements `first` to `last` of a body's element spans whose bytes, from the end of the element before `first` to
 * the end of `last`, hash (xxHash64) to `hash` and are `length` long: a run of a conversation's messages read as one. */
export interface SpanRun {
  first: number;
  last: number;
  hash: bigint;
  length: number;
}

/** A body's runs: those its parse checked against the turn before with one hash, and those it kept for the next. */
export interface SpanRuns {
  checked: SpanRun[];
  kept: SpanRun[];
}

/** Where one top-level member is: its key, the offset its key's quote opens at, and its value's span. */
export interface Member {
  key: string;
  start: number;
  valueStart: number;
  valueEnd: number;
}

/** The top-level members of an object's bytes, in order, the offset of its closing brace, and how deep its values
 * nest (1: no member's value holds an object or array). */
export interface Members {
  list: Member[];
  close: number;
  depth: number;
}

export const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export function skipSpace(b: Uint8Array, i: number): number {
  while (isSpace(b[i])) i++;
  return i;
}

/** Just past the string whose opening quote is at `i`; -1 when it does not close. A quote after an odd run of
 * backslashes is escaped. Most strings are short (keys, roles): the first bytes are looked at in a loop, and only a
 * longer string is searched natively, where a call's cost is worth it. */
export function skipString(b: Buffer, i: number): number {
  const near = Math.min(b.length, i + 32);
  for (let j = i + 1; j < near; j++) {
    const c = b[j];
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) return skipEscaped(b, j);
  }
  return skipEscaped(b, near);
}

/** Just past the string's closing quote, searched for from `from`, inside the string. */
function skipEscaped(b: Buffer, from: number): number {
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) return -1;
    let slashes = 0;
    while (b[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Just past the value that starts at `i` (a string, a nested object or array, or a literal); -1 when it does not
 * end. `seen.depth` becomes the deepest nesting met. */
export function skipValue(b: Buffer, i: number, seen: { depth: number }): number {
  const first = b[i];
  if (first === QUOTE) return skipString(b, i);
  if (first !== 0x7b && first !== 0x5b) {
    let j = i;
    while (j < b.length && b[j] !== COMMA && b[j] !== 0x7d && b[j] !== 0x5d && !isSpace(b[j])) j++;
    return j;
  }
  let depth = 0;
  let j = i;
  while (j < b.length) {
    const c = b[j];
    if (c === QUOTE) {
      j = skipString(b, j);
      if (j < 0) return -1;
      continue;
    }
    j++;
    if (c === 0x7b || c === 0x5b) {
      if (++depth > seen.depth) seen.depth = depth;
    } else if ((c === 0x7d || c === 0x5d) && --depth === 0) return j;
  }
  return -1;
}
