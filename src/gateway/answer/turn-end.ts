// Buffered answers go out together at the end of the event loop's turn, not each as soon as it is made. A write to a
// caller's socket wakes the caller when it sleeps; written one by one, ~30 µs of work apart, a caller on the same host
// (an agent beside its gateway, a load generator) slept and was woken for nearly every answer: at c32, autocannon
// slept 0.79 times a request against the buffered proxy's 0.25, and each wake cost the gateway ~7 µs in the kernel
// (bench/README.md). Released together, the answers of a turn cost one wake. The wait is the rest of the turn's I/O
// callbacks: nothing at one connection.
//
// The records of those answers (log line, ledger row, metrics) are read right after them, in the same check phase,
// so a record is still read before any later request comes off a socket (calls/record-queue.ts).

let released: Promise<void> | undefined;
/** Work waiting for the answers of the turn to go out. */
let after: (() => void)[] = [];
/** Immediates queued to run `after` that have not run yet. */
let sweeps = 0;

/** Settles in the loop's next check phase (one `setImmediate` for every answer made in this turn), after the I/O
 * callbacks of the turn and their promise reactions have run. */
export function endOfTurn(): Promise<void> {
  if (released !== undefined) return released;
  released = new Promise((resolve) =>
    setImmediate(() => {
      released = undefined;
      resolve();
    }),
  );
  // Queued behind the release: Node runs the promise reactions of one immediate (the answers written, their
  // responses finished) before the next.
  queueSweep();
  return released;
}

/** Runs `task` once the answers released in this turn have gone out; when none is waiting, at the turn's end as
 * `setImmediate` would. */
export function afterAnswers(task: () => void): void {
  after.push(task);
  if (sweeps === 0) queueSweep();
}

function queueSweep(): void {
  sweeps++;
  setImmediate(sweep);
}

function sweep(): void {
  sweeps--;
  const tasks = after;
  after = [];
  let failed = false;
  let failure: unknown;
  for (const task of tasks) {
    try {
      task();
    } catch (err) {
      if (!failed) failure = err;
      failed = true;
    }
  }
  // One task's failure does not drop the others' work; it is still thrown, as from a `setImmediate` of its own.
  if (failed) throw failure;
}
