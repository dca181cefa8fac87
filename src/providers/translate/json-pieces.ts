// A large JSON body parsed from its bytes in pieces, never as one string: a string over V8's 128 KB object limit is
// made in the large-object space, and on a busy host that one allocation (fresh pages, then a scavenge) cost more than
// parsing the whole body (1.1–2.2 ms against JSON.parse's 0.3 ms for 200 KB). The containers too large for one piece
// are walked (json-scan.ts finds where each child ends); each child small enough is handed to JSON.parse as its own
// string. Whatever does not fit that walk is parsed whole, so JSON.parse's own errors and results stand. A chat
// request's messages (each element of a member that is an array) may be taken from an earlier turn's parse of the
// same bytes (parsed-spans.ts).
import {
  skipSpace,
  skipString,
  skipValue,
  type ByteSpan,
  type Member,
  type Members,
  type SpanRuns,
} from './json-scan.ts';
import { setKey, type Obj } from './obj.ts';
import {
  elementsAfter,
  firstsUnder,
  keepElements,
  keepFirst,
  keepParsed,
  parsedBefore,
  TAIL_LEFT_OUT,
  type SeenElement,
  type SeenList,
  type SeenTail,
} from './parsed-spans.ts';
import { Xxh64, xxh64 } from '@node-rs/xxhash';

/** The largest piece parsed as one string: its text stays a regular heap object even when every character takes two
 * bytes (128 KB / 2, less headroom). */
const PIECE_BYTES = 48 * 1024;

/** A shared body is walked from this size (an agent's first turn with its tools is larger): its messages parsed on
 * an earlier turn are not parsed again, nor scanned by the secrets guard. Smaller, one JSON.parse costs less. */
const SHARED_FROM = 16 * 1024;

/** Not JSON as the walk reads it: the caller parses the body whole, for JSON.parse's own error. */
class NotWalked extends Error {}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;

/** A body's value, its top-level members when it was walked as an object (null when a key came twice), and the spans
 * of the elements of its top-level arrays (`messages`, `tools`, `input`, …), in order, when it was walked. */
export interface ParsedBytes {
  value: unknown;
  members?: Members | null;
  elements?: ByteSpan[];
  /** Runs of `elements` read as one, when the body was shared (the secrets guard skips a clean one with one look). */
  runs?: SpanRuns;
}

export interface ParseOptions {
  /** The elements of the body's members that are arrays (a chat request's messages, tools, input items) are taken
   * from the values parsed from the same bytes before, and kept for the next body (parsed-spans.ts): frozen, and
   * shared between requests. For a body whose readers never change it. */
  share?: boolean;
}

/** `bytes` (JSON, a UTF-8 BOM allowed before it) parsed. Throws JSON.parse's SyntaxError, for the body as a whole,
 * when it is not JSON. */
export function parseJsonBytes(bytes: Buffer, options: ParseOptions = {}): ParsedBytes {
  const from = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes.length - from > (options.share === true ? SHARED_FROM : PIECE_BYTES)) {
    try {
      return walkTop(bytes, skipSpace(bytes, from), options.share === true);
    } catch (err) {
      if (!(err instanceof NotWalked)) throw err;
    }
  }
  return { value: JSON.parse(bytes.toString('utf8', from)) };
}

/** How many levels of containers are walked without being measured first: the body and its members (`messages`,
 * `tools`); below them each value is measured (json-scan.ts) and parsed as a piece, so a byte is scanned once. */
const WALKED_LEVELS = 2;

/** How deep a large container is still walked rather than parsed whole. */
const DEEPEST_WALKED = 32;

/** The deepest nesting met, counting the body itself as 1. */
interface Depth {
  max: number;
}

function walkTop(b: Buffer, at: number, share: boolean): ParsedBytes {
  const depth: Depth = { max: 0 };
  const first = b[at];
  if (first !== 0x7b && first !== 0x5b) {
    const end = valueEnd(b, at, { depth: 0 });
    onlySpaceAfter(b, end);
    return { value: piece(b, at, end) };
  }
  const members: Member[] | undefined = first === 0x7b ? [] : undefined;
  const elements: ByteSpan[] = [];
  const runs: SpanRuns = { checked: [], kept: [] };
  const { value, end } = walkContainer(b, at, 1, depth, { members, elements, share, runs });
  onlySpaceAfter(b, end);
  if (members === undefined) return { value, elements };
  const keys = new Set(members.map((m) => m.key));
  return {
    value,
    members: keys.size === members.length ? { list: members, close: end - 1, depth: depth.max } : null,
    elements,
    ...(runs.checked.length > 0 || runs.kept.length > 0 ? { runs } : {}),
  };
}

function onlySpaceAfter(b: Buffer, end: number): void {
  if (skipSpace(b, end) !== b.length) throw new NotWalked();
}

function valueEnd(b: Buffer, at: number, seen: { depth: number }): number {
  const end = skipValue(b, at, seen);
  if (end < 0 || end === at) throw new NotWalked();
  return end;
}

function piece(b: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(b.toString('utf8', start, end));
  } catch {
    throw new NotWalked();
  }
}

/** What a walk notes as it goes: the body's members' spans, and the spans of its arrays' elements. */
interface Noted {
  members?: Member[] | undefined;
  elements?: ByteSpan[];
  /** The elements' values are shared (ParseOptions). */
  share?: boolean;
  /** Where a shared array's runs checked and kept are noted. */
  runs?: SpanRuns;
  /** The name of the member whose value is walked (its first element is looked for under it). */
  name?: string;
}

/** The value at `at`, inside `level` containers: walked while near the top, else measured and parsed as one piece
 * (walked after all when it is too large for one). `noted` is given for the body's own members: an array's elements
 * are noted there. */
function childAt(b: Buffer, at: number, level: number, depth: Depth, noted?: Noted): { value: unknown; end: number } {
  const first = b[at];
  const container = first === 0x7b || first === 0x5b;
  if (container && level < WALKED_LEVELS)
    return walkContainer(b, at, level + 1, depth, first === 0x5b && noted !== undefined ? noted : {});
  const end = measured(b, at, level, depth);
  return { value: measuredValue(b, at, end, level), end };
}

/** What `measured` notes of one value, reused: a walk is synchronous, and a large body measures hundreds of them. */
const SEEN = { depth: 0 };

/** Just past the value at `at`, inside `level` containers; the deepest nesting met is noted in `depth`. */
function measured(b: Buffer, at: number, level: number, depth: Depth): number {
  SEEN.depth = 0;
  const end = valueEnd(b, at, SEEN);
  if (level + SEEN.depth > depth.max) depth.max = level + SEEN.depth;
  return end;
}

/** The value from `at` to `end`: one piece, or walked when it is a container too large for one. */
function measuredValue(b: Buffer, at: number, end: number, level: number): unknown {
  const first = b[at];
  const container = first === 0x7b || first === 0x5b;
  // Past a few dozen levels no real body is large at every level: parsed whole, so the walk never runs out of stack.
  if (!container || end - at <= PIECE_BYTES || level >= DEEPEST_WALKED) return piece(b, at, end);
  const walked = walkContainer(b, at, level + 1, { max: 0 });
  if (walked.end !== end) throw new NotWalked();
  return walked.value;
}

/** A shared array's walk: its elements so far, and the last list seen after the same first element, whose lengths
 * are tried before a scan until one does not match (parsed-spans.ts elementsAfter). */
interface ElementRun {
  /** The member's name: its first element is looked for among the last ones under it (parsed-spans.ts firstsUnder). */
  name: string;
  seen: SeenElement[];
  guesses: SeenList | undefined;
  /** Elements up to this index are the guesses' own: the bytes from the first element's end to theirs hashed as the
   * list's tail did. */
  verified: number;
  /** Where the first element's span is in the body's noted elements. */
  firstIndex: number;
  /** How far TAIL_HASHER has read this body when its check matched: the start of the tail this body keeps. */
  hashedTo: number;
  /** The last list's tail, when this body's bytes matched it. */
  matched: SeenTail | undefined;
}

function newRun(name: string): ElementRun {
  return { name, seen: [], guesses: undefined, verified: 0, firstIndex: 0, hashedTo: 0, matched: undefined };
}

/** An element of one of the body's members that are arrays, its span noted (for the secrets guard). Shared: the
 * value parsed from the same bytes before (parsed-spans.ts), or parsed now and kept, the span noted with its hash. */
function elementAt(
  b: Buffer,
  at: number,
  level: number,
  depth: Depth,
  elements: ByteSpan[],
  run: ElementRun | undefined,
): { value: unknown; end: number } {
  if (run === undefined) {
    const end = measured(b, at, level, depth);
    elements.push({ start: at, end });
    return { value: measuredValue(b, at, end, level), end };
  }
  const first = run.seen.length === 0;
  const guessed = first
    ? knownFirst(b, at, level, depth, run)
    : (verifiedElement(level, depth, run) ?? guessedElement(b, at, level, depth, run));
  const end = guessed === undefined ? measured(b, at, level, depth) : at + guessed.length;
  const hash = guessed?.hash ?? xxh64(b.subarray(at, end));
  elements.push({ start: at, end, hash });
  if (guessed === undefined) run.seen.push({ hash, length: end - at, depth: SEEN.depth });
  if (first) {
    run.firstIndex = elements.length - 1;
    run.guesses = elementsAfter(hash);
    keepFirst(run.name, run.seen[0]!);
    checkTail(b, run, end);
  }
  const before = parsedBefore(hash, end - at);
  if (before !== undefined) return { value: before, end };
  return { value: keepParsed(hash, end - at, measuredValue(b, at, end, level)), end };
}

/** Whether an element may end just before `end`: a number or a literal whose bytes begin another's (`12` in `123`)
 * goes on past it. */
function endsAt(b: Buffer, end: number): boolean {
  const next = b[end];
  return next === COMMA || next === 0x5d || next === 0x20 || next === 0x0a || next === 0x0d || next === 0x09;
}

/** The first element when it is one of the last first elements under the member's name: the same length and hash,
 * so the same bytes, with no byte scanned. */
function knownFirst(b: Buffer, at: number, level: number, depth: Depth, run: ElementRun): SeenElement | undefined {
  const firsts = firstsUnder(run.name);
  if (firsts === undefined) return undefined;
  for (const known of firsts) {
    if (!endsAt(b, at + known.length) || xxh64(b.subarray(at, at + known.length)) !== known.hash) continue;
    if (level + known.depth > depth.max) depth.max = level + known.depth;
    run.seen.push(known);
    return known;
  }
  return undefined;
}

/** The next element when the tail's hash matched up to it: the guess as it is, no byte hashed or scanned. */
function verifiedElement(level: number, depth: Depth, run: ElementRun): SeenElement | undefined {
  const n = run.seen.length;
  if (n === 0 || n > run.verified) return undefined;
  const guess = run.guesses!.elements[n]!;
  if (level + guess.depth > depth.max) depth.max = level + guess.depth;
  run.seen.push(guess);
  return guess;
}

/** One streamed hash, reset for each array's check whose tail is STREAMED_FROM or longer: an addon object made per
 * array cost more than it saved on a small body. A walk is synchronous and its shared arrays are walked one after
 * another; the one whose check matched last may carry it on. */
const TAIL_HASHER = new Xxh64();
let tailOwner: ElementRun | undefined;

/** A tail this long or longer is checked with the streamed hash, which the kept tail carries on from; a shorter one
 * with one `xxh64` call: the streamed hash's reset, update and digest cost ~750 ns a check against ~160 for one call,
 * and hashing a short tail again when the list grew costs less than that. */
const STREAMED_FROM = 64 * 1024;

/** Whether the bytes after the first element (which ends at `from`) are the last list's up to its tail's end: then
 * all its elements there are this body's, checked with one hash. */
function checkTail(b: Buffer, run: ElementRun, from: number): void {
  const tail = run.guesses?.tail;
  if (tail === undefined || from + tail.length > b.length) return;
  const bytes = b.subarray(from, from + tail.length);
  const streamed = tail.length >= STREAMED_FROM;
  if (streamed) {
    TAIL_HASHER.reset();
    TAIL_HASHER.update(bytes);
  }
  if ((streamed ? TAIL_HASHER.digest() : xxh64(bytes)) !== tail.hash) return;
  run.verified = tail.covered;
  run.matched = tail;
  run.hashedTo = from + tail.length;
  if (streamed) tailOwner = run;
}

/** The element at `at` when it is the one the last list after the same first element had here: the same length and
 * the same hash, so the same bytes, a whole JSON value, with no byte scanned. A miss ends the guessing for the rest of
 * the array (the conversation went another way). */
function guessedElement(b: Buffer, at: number, level: number, depth: Depth, run: ElementRun): SeenElement | undefined {
  const guess = run.guesses?.elements[run.seen.length];
  if (guess === undefined) return undefined;
  if (!endsAt(b, at + guess.length) || xxh64(b.subarray(at, at + guess.length)) !== guess.hash) {
    run.guesses = undefined;
    return undefined;
  }
  if (level + guess.depth > depth.max) depth.max = level + guess.depth;
  run.seen.push(guess);
  return guess;
}

/** The fewest elements a tail is kept for: below it, checking each element on its own costs no more. */
const TAIL_FROM = 4;

/** The array's elements for the next body, with the hash of its bytes from its first element's end to the end of
 * all but its last TAIL_LEFT_OUT: carried on from the check's hash when this body's tail starts with the last one's. */
function keptList(b: Buffer, run: ElementRun, elements: readonly ByteSpan[]): SeenList {
  const covered = run.seen.length - 1 - TAIL_LEFT_OUT;
  if (covered < TAIL_FROM) return { elements: run.seen };
  // The same elements as the last list's tail (a turn sent again): the same bytes, so the same hash.
  if (run.matched?.covered === covered) return { elements: run.seen, tail: run.matched };
  const start = elements[run.firstIndex]!.end;
  const end = elements[run.firstIndex + covered]!.end;
  let hash: bigint;
  if (tailOwner === run && run.hashedTo <= end) {
    if (end > run.hashedTo) TAIL_HASHER.update(b.subarray(run.hashedTo, end));
    hash = TAIL_HASHER.digest();
  } else hash = xxh64(b.subarray(start, end));
  const tail: SeenTail = { hash, length: end - start, covered };
  return { elements: run.seen, tail };
}

/** Keeps a shared array's elements for the next body, and notes its runs: the one checked against the last list's
 * tail, and the tail kept. */
function keepRun(b: Buffer, run: ElementRun, elements: readonly ByteSpan[], runs: SpanRuns | undefined): void {
  const list = keptList(b, run, elements);
  keepElements(list);
  if (runs === undefined) return;
  const first = run.firstIndex + 1;
  const { matched } = run;
  if (matched !== undefined)
    runs.checked.push({ first, last: run.firstIndex + matched.covered, hash: matched.hash, length: matched.length });
  const { tail } = list;
  if (tail !== undefined)
    runs.kept.push({ first, last: run.firstIndex + tail.covered, hash: tail.hash, length: tail.length });
}

/** The object or array whose bracket is at `at`, the `level`th container down; an object's members' spans, or an
 * array's elements', are pushed to `noted` when it asks. `end` is just past its closing bracket. */
function walkContainer(
  b: Buffer,
  at: number,
  level: number,
  depth: Depth,
  noted: Noted = {},
): { value: unknown; end: number } {
  if (level > depth.max) depth.max = level;
  const isArray = b[at] === 0x5b;
  const close = isArray ? 0x5d : 0x7d;
  const out: unknown[] | Obj = isArray ? [] : {};
  let i = skipSpace(b, at + 1);
  if (b[i] === close) return { value: out, end: i + 1 };
  // A body that is itself an array (a JSON-RPC batch) has its elements noted, never shared.
  const run: ElementRun | undefined =
    isArray && level > 1 && noted.share === true ? newRun(noted.name ?? '') : undefined;
  for (;;) {
    let key = '';
    const start = i;
    if (!isArray) {
      if (b[i] !== QUOTE) throw new NotWalked();
      const keyEnd = skipString(b, i);
      if (keyEnd < 0) throw new NotWalked();
      key = piece(b, i, keyEnd) as string;
      const colon = skipSpace(b, keyEnd);
      if (b[colon] !== COLON) throw new NotWalked();
      i = skipSpace(b, colon + 1);
    }
    const elements = noted.elements;
    const child =
      isArray && elements !== undefined
        ? elementAt(b, i, level, depth, elements, run)
        : childAt(
            b,
            i,
            level,
            depth,
            level === 1 && elements !== undefined
              ? { elements, share: noted.share, runs: noted.runs, name: key }
              : undefined,
          );
    if (isArray) (out as unknown[]).push(child.value);
    else {
      setKey(out as Obj, key, child.value);
      noted.members?.push({ key, start, valueStart: i, valueEnd: child.end });
    }
    const next = skipSpace(b, child.end);
    if (b[next] === close) {
      if (run !== undefined && noted.elements !== undefined) keepRun(b, run, noted.elements, noted.runs);
      return { value: out, end: next + 1 };
    }
    if (b[next] !== COMMA) throw new NotWalked();
    i = skipSpace(b, next + 1);
  }
}
