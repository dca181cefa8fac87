// After a load, V8 keeps the young generation it grew and the heap pages it no longer needs, and nothing gives them
// back while the process sleeps (V8's own memory reducer is off: process-memory.ts): once the gateway has been idle,
// or nearly so after a busy stretch, a while, one memory-reducing collection does
// (docs/performance.md#memory-what-to-expect).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let collect: Collect | undefined;

/** V8's own collector with its options: `globalThis.gc` under --expose-gc, else taken from a new context made while
 * the flag is on (the flag changes nothing else). */
function collector(): Collect {
  if (collect !== undefined) return collect;
  const exposed = (globalThis as { gc?: Collect }).gc;
  if (exposed !== undefined) return (collect = exposed);
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as Collect;
  setFlagsFromString('--no-expose-gc');
  return collect;
}

export interface IdleTrimOptions {
  /** Requests started so far: a change since the last look means the gateway was not idle. */
  started: () => number;
  /** Requests still running. */
  running: () => number;
  /** How long without a new request counts as idle (default 10 s). */
  idleMs?: number;
  /** What runs once idle (default: memoryReducingCollection). */
  collect?: () => void;
}

/** One full collection that also shrinks the young generation and gives free pages back (V8's "last resort"). */
export function memoryReducingCollection(): void {
  collector()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/** Looks every `idleMs`; after a stretch with requests followed by one without, or by one of a few requests after a
 * busy one (a trickle never leaves the gateway idle), collects once. Returns a stop. */
export function startIdleTrim(options: IdleTrimOptions): () => void {
  let seen = options.started();
  let usedSinceTrim = false;
  // The most requests one look saw since the last collection.
  let peak = 0;
  const timer = setInterval(() => {
    const now = options.started();
    const count = now - seen;
    seen = now;
    if (count > 0) usedSinceTrim = true;
    const quiet = count === 0 || (peak >= BUSY_LOOK && count * QUIET_SHARE <= peak);
    peak = Math.max(peak, count);
    if (!quiet || !usedSinceTrim || options.running() > 0) return;
    usedSinceTrim = false;
    peak = 0;
    (options.collect ?? memoryReducingCollection)();
  }, options.idleMs ?? IDLE_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** A look that saw this many requests was busy: a later one with a twentieth of them or fewer is quiet enough to
 * give the memory back (V8's own memory reducer is off: process-memory.ts). */
const BUSY_LOOK = 100;
const QUIET_SHARE = 20;

const IDLE_MS = 10_000;
