// One full collection that gives memory back: V8's "last resort" also shrinks the young generation and returns free
// pages, which a collection V8 schedules itself keeps. Run by a gateway once started and once idle
// (gateway/server/idle-trim.ts), and by the token count worker once its tables are loaded (calls/count-off-thread.ts).
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

/** One full collection that also shrinks the young generation and gives free pages back (V8's "last resort"). */
export function memoryReducingCollection(): void {
  collector()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
