// After a load, V8 keeps the young generation it grew and the heap pages it no longer needs, and nothing gives them
// back while the process sleeps: once the gateway has been idle a while, one memory-reducing collection does
// (docs/performance.md#memory-what-to-expect).
import { memoryReducingCollection } from '../../memory-reducing.ts';

export interface IdleTrimOptions {
  /** Requests started so far: a change since the last look means the gateway was not idle. */
  started: () => number;
  /** Requests still running. */
  running: () => number;
  /** How long without a new request counts as idle (default 30 s). */
  idleMs?: number;
  /** What runs once idle (default: memoryReducingCollection). */
  collect?: () => void;
}

/** Looks every `idleMs`; after a stretch with requests followed by one without, collects once. Returns a stop. */
export function startIdleTrim(options: IdleTrimOptions): () => void {
  let seen = options.started();
  let usedSinceTrim = false;
  const timer = setInterval(() => {
    const now = options.started();
    if (now !== seen) {
      seen = now;
      usedSinceTrim = true;
      return;
    }
    if (!usedSinceTrim || options.running() > 0) return;
    usedSinceTrim = false;
    (options.collect ?? memoryReducingCollection)();
  }, options.idleMs ?? IDLE_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** A collection that reduces memory throws away optimized code (process-memory.ts), so the next requests pay for
 * compiling it again: only a pause longer than an agent's usual one between turns counts as idle. */
const IDLE_MS = 30_000;

/** How long after its last request a gateway has collected at the latest: the look that sees the last request, and
 * the next, which finds none (what a bench waits before it reads RSS after idle). */
export const TRIMMED_WITHIN_MS = 2 * IDLE_MS;
