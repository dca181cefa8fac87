// Keeps one of `process.nextTick`'s queue entries alive for the life of a serving process. Node builds each entry as an
// object literal with symbol keys, and V8 remembers the shape (map) each key meets. A full collection that finds no
// entry alive frees those maps; the next entry gets new ones, and V8 then gives the literal up for its generic path
// for good (it has no middle state for such keys). A gateway collects often enough that it always did: nextTick cost
// it ~0.6 µs a call against ~0.05 in the buffered proxy, 7 calls a five-word request (bench/README.md, "nextTick's
// shapes"). One entry held keeps its maps, and so the literal's fast path.
import { createHook } from 'node:async_hooks';

let held: object | undefined;

/** Holds a nextTick entry (once): call it before the process has collected its old generation, as early as it can. */
export function holdTickShape(): void {
  if (held !== undefined) return;
  // The entry is only reachable from an async hook's init; the hook is gone again before anything else runs.
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') held ??= resource;
    },
  });
  hook.enable();
  process.nextTick(() => {});
  hook.disable();
}

/** The held entry, for the test that checks it keeps its shape. */
export function heldTick(): object | undefined {
  return held;
}
