// The bytes of an array's leading shared elements (an agent's earlier messages in the route's shape, a route's tools),
// joined by commas and kept in one memory, so that a body holding them again (the next turn, another attempt) sends
// them as one view instead of copying each element's kept bytes into a new Buffer (json-bytes.ts, body-pieces.ts).
// A next turn's new elements are written after them in the same memory when it has room and nothing else was
// written there, so a growing conversation costs a copy of its new elements only. Bytes once written never change,
// so a view of them may still be in a socket's queue when the memory grows.
import { VIEW_FROM } from './body-pieces.ts';

/** The leading shared elements of an array as one run of bytes: `memory[0, length)`. The memory past `length` is
 * free for the next turns' elements. */
interface Run {
  readonly memory: Buffer;
  readonly elements: readonly object[];
  readonly length: number;
}

/** Runs by their last element: the next turn finds its conversation's run by walking back from its own last one.
 * Only a memory's newest run is kept here (the one it grew from is forgotten), so nothing written in a memory is
 * ever written over: a view of it may be in a socket's queue. */
const RUNS = new WeakMap<object, Run>();

/** Fewer leading shared elements than this are written element by element, as before. */
const LEAST_ELEMENTS = 2;
/** New memory is made this much larger than what it holds, so that the next turns' elements fit after it. */
const GROWTH = 2;

/** The run of `array`'s leading elements that `shared` says are shared, as one view of their JSON bytes joined by
 * commas, and how many elements it covers; undefined when fewer than LEAST_ELEMENTS lead, or their bytes are fewer
 * than a piece sent as a view (body-pieces.ts copies such a run with its neighbours all the same, so keeping it would
 * only hold memory). `bytesOf` gives an element's JSON bytes. */
export function sharedRun(
  array: readonly unknown[],
  shared: (value: object) => boolean,
  bytesOf: (value: object) => Buffer,
): { view: Buffer; count: number } | undefined {
  const count = leadingShared(array, shared);
  if (count < LEAST_ELEMENTS) return undefined;
  const elements = array as readonly object[];
  const known = runBefore(elements, count);
  const run = known !== undefined && known.elements.length === count ? known : grown(elements, count, known, bytesOf);
  return run === undefined ? undefined : { view: run.memory.subarray(0, run.length), count };
}

function leadingShared(array: readonly unknown[], shared: (value: object) => boolean): number {
  let n = 0;
  while (n < array.length) {
    const v = array[n];
    if (typeof v !== 'object' || v === null || !shared(v)) break;
    n++;
  }
  return n;
}

/** The longest run kept for a prefix of `elements[0, count)`: found by its last element, walking back. */
function runBefore(elements: readonly object[], count: number): Run | undefined {
  for (let last = count - 1; last >= 0; last--) {
    const run = RUNS.get(elements[last]!);
    if (run !== undefined && run.elements.length === last + 1 && samePrefix(run.elements, elements)) return run;
  }
  return undefined;
}

function samePrefix(kept: readonly object[], elements: readonly object[]): boolean {
  for (let i = kept.length - 1; i >= 0; i--) if (kept[i] !== elements[i]) return false;
  return true;
}

/** `elements[0, count)` as a run: `before`'s bytes followed by the rest's, written after them in its memory when
 * nothing else was written there and they fit, else all of them into new memory; undefined when shorter than
 * VIEW_FROM. */
function grown(
  elements: readonly object[],
  count: number,
  before: Run | undefined,
  bytesOf: (value: object) => Buffer,
): Run | undefined {
  const from = before?.elements.length ?? 0;
  const added: Buffer[] = [];
  let addedLength = 0;
  for (let i = from; i < count; i++) {
    const b = bytesOf(elements[i]!);
    added.push(b);
    addedLength += b.length + (i > 0 ? 1 : 0);
  }
  const keptLength = before?.length ?? 0;
  const length = keptLength + addedLength;
  if (length < VIEW_FROM) return undefined;
  const memory = before !== undefined && before.memory.length >= length ? before.memory : newMemory(length, before);
  let at = keptLength;
  for (const [n, b] of added.entries()) {
    if (from + n > 0) memory[at++] = 0x2c; // ','
    b.copy(memory, at);
    at += b.length;
  }
  const run: Run = { memory, elements: elements.slice(0, count), length };
  // The run it grew from is left to its views: no body will ask for it again once its conversation has moved on.
  if (before !== undefined) RUNS.delete(before.elements.at(-1)!);
  RUNS.set(elements[count - 1]!, run);
  return run;
}

/** Memory for a run of `length` bytes and the next turns', holding `before`'s bytes. */
function newMemory(length: number, before: Run | undefined): Buffer {
  const memory = Buffer.allocUnsafeSlow(length * GROWTH);
  if (before !== undefined) before.memory.copy(memory, 0, 0, before.length);
  return memory;
}
