// The parsed values of request body spans seen before: an agent sends its whole conversation on every turn, so all
// but the newest of its messages were parsed on an earlier one. A span (one element of a body's top-level array: a
// message, a tool) is known by its length and xxHash64, as the secrets guard knows it (guard/seen-clean.ts). A value
// is frozen, deeply, before it is kept: requests share it, and a reader that changed it would change it for all of
// them (a body is read, never changed; shared-value.ts). Bounded by the bytes its spans came from; the oldest is
// forgotten first. Beside them, the last list of elements seen after each first element: where the next turn's
// elements are likely to end, so they are checked by hash rather than scanned byte by byte, most of them with one.
import { share } from '../../shared-value.ts';

/** About 16 MiB of spans: a few dozen agents' conversations. */
const MOST_BYTES = 16 * 1024 * 1024;

interface Kept {
  length: number;
  value: unknown;
}

const KEPT = new Map<bigint, Kept>();
let keptBytes = 0;

/** The value parsed before from a span of this hash and length, or undefined. */
export function parsedBefore(hash: bigint, length: number): unknown {
  const kept = KEPT.get(hash);
  return kept !== undefined && kept.length === length ? kept.value : undefined;
}

/** Keeps a span's value, frozen, and returns it. A span larger than the whole bound is not kept. */
export function keepParsed(hash: bigint, length: number, value: unknown): unknown {
  if (length > MOST_BYTES) return value;
  share(value);
  const former = KEPT.get(hash);
  if (former !== undefined) keptBytes -= former.length;
  KEPT.set(hash, { length, value });
  keptBytes += length;
  for (const [oldest, kept] of KEPT) {
    if (keptBytes <= MOST_BYTES) break;
    KEPT.delete(oldest);
    keptBytes -= kept.length;
  }
  return value;
}

/** One element of an array as a body held it: its hash and length, and how deep it nests (its own brackets). */
export interface SeenElement {
  readonly hash: bigint;
  readonly length: number;
  readonly depth: number;
}

/** An array's elements as a body held them, and the hash of its bytes from the end of its first element to the end
 * of its `covered`th: the next turn checks all those elements with that one hash rather than one hash each. The last
 * elements are left out of it: an agent moves its cache marks (`cache_control`) onto its newest messages, so the
 * previous turn's last ones come back changed; they are checked one by one. */
export interface SeenList {
  readonly elements: readonly SeenElement[];
  readonly tail?: SeenTail;
}

export interface SeenTail {
  readonly hash: bigint;
  readonly length: number;
  readonly covered: number;
}

/** How many of an array's last elements its tail hash leaves out. */
export const TAIL_LEFT_OUT = 2;

/** How many arrays' element lists are kept, each under its first element's hash (a conversation's opening message,
 * an agent's first tool): one per conversation in flight, the oldest forgotten first. */
const MOST_LISTS = 1024;

const LISTS = new Map<bigint, SeenList>();

/** The elements of the last array seen whose first element had this hash: where the next body's are likely to end,
 * since a conversation's next turn repeats its messages in order (json-pieces.ts checks the guesses by hash). */
export function elementsAfter(first: bigint): SeenList | undefined {
  return LISTS.get(first);
}

/** Keeps an array's elements, under its first element's hash, for the next body's guesses. */
export function keepElements(list: SeenList): void {
  const first = list.elements[0];
  if (first === undefined) return;
  LISTS.delete(first.hash);
  LISTS.set(first.hash, list);
  if (LISTS.size > MOST_LISTS) LISTS.delete(LISTS.keys().next().value!);
}

/** How many first elements are kept under each member's name, and for how many names. */
const FIRSTS_PER_NAME = 2;
const MOST_NAMES = 64;

/** The first elements of the arrays last seen under each member's name (`messages`, `tools`), most recent first: an
 * agent opens every conversation with the same system prompt and tools, so a body's first element is most likely one
 * of these, checked by its hash rather than scanned. Hashes and lengths only, never the bytes. */
const FIRSTS = new Map<string, SeenElement[]>();

/** The first elements last seen in arrays under this member's name, most recent first. */
export function firstsUnder(name: string): readonly SeenElement[] | undefined {
  return FIRSTS.get(name);
}

/** Notes an array's first element under its member's name. */
export function keepFirst(name: string, first: SeenElement): void {
  const kept = FIRSTS.get(name);
  if (kept === undefined) {
    FIRSTS.set(name, [first]);
    if (FIRSTS.size > MOST_NAMES) FIRSTS.delete(FIRSTS.keys().next().value!);
    return;
  }
  const at = kept.findIndex((e) => e.hash === first.hash && e.length === first.length);
  if (at === 0) return;
  if (at > 0) kept.splice(at, 1);
  kept.unshift(first);
  if (kept.length > FIRSTS_PER_NAME) kept.pop();
}

/** Forgets the values of these spans (a body the secrets guard redacted or refused: what it held is not kept). */
export function forgetParsed(spans: readonly { hash?: bigint }[]): void {
  for (const { hash } of spans) {
    const kept = hash === undefined ? undefined : KEPT.get(hash);
    if (kept === undefined) continue;
    KEPT.delete(hash!);
    keptBytes -= kept.length;
  }
}
