// A count made on a worker thread (count-tokens.ts): gpt-tokenizer's tables are ~21 MiB of V8 heap in ~250,000
// objects, and on the main thread every full collection marked them again — a gateway under 200 KB bodies runs one
// every ~200 requests (bench/README.md). Billing awaits its counts (`count`), so the event loop serves other requests
// while the worker loads its tables (~0.5 s) or counts a long prompt (~0.1 s a MB). What must be known at once (a
// parse's decision, the simulator's own count) asks synchronously (`countNow`) and blocks on the answer. A worker
// that cannot answer is let go and the caller counts in place, as before: an estimate is never lost for it. Once its
// first count is answered the worker collects, to give back the garbage and the young generation that loading the
// tables left (what the worker adds to a process's RSS: +66–74 → +46 MiB).
import {
  MessageChannel,
  Worker,
  isMainThread,
  receiveMessageOnPort,
  workerData,
  type MessagePort,
} from 'node:worker_threads';
import { memoryReducingCollection } from '../memory-reducing.ts';

/** How long a count may take before its worker is given up: far past a first load of the tables (~0.5 s) and a count
 * of a million characters (~0.1 s). */
const ANSWER_MS = 30_000;

/** Counts asked without blocking, as one message: those asked in one tick (a prompt's messages) go together. */
interface Asked {
  id: number;
  texts: string[];
}
/** Their answers, in order: -1 where a count threw. */
interface Answered {
  id: number;
  counts: number[];
}

type Resolve = (n: number | undefined) => void;

/** Counts gathered in this tick, sent at its end. */
interface Batch {
  readonly running: Running;
  readonly texts: string[];
  readonly resolves: Resolve[];
}

interface Waiting {
  resolves: Resolve[];
  timer: NodeJS.Timeout;
}

interface Running {
  readonly worker: Worker;
  /** Synchronous counts: the text goes on `now`, the answer comes back on it once `ready[0]` is 1. */
  readonly now: MessagePort;
  readonly ready: Int32Array;
  /** Awaited counts, by id. */
  readonly later: MessagePort;
  readonly waiting: Map<number, Waiting>;
  nextId: number;
}

/** What the worker of `entry` is started with: its role, so that importing the module elsewhere serves nothing. */
interface CountWorkerData {
  role: string;
  port: MessagePort;
  ready: Int32Array;
  later: MessagePort;
}

/** One worker thread counting texts: `count(text)` resolves to its answer, `countNow(text)` blocks for it; either is
 * undefined when no worker can give one (then count in place). Only the main thread starts one; on any other thread
 * a count is always undefined. */
export class OffThreadCounter {
  readonly #entry: URL;
  readonly #role: string;
  readonly #answerMs: number;
  /** null once a worker failed: this process counts in place from then on. */
  #running: Running | null | undefined;
  #batch: Batch | undefined;
  /** Awaited counts not yet resolved, and who waits for there to be none (settled). */
  #outstanding = 0;
  #onSettled: (() => void)[] = [];

  /** `entry`: the module the worker runs, which calls serveCounts(role, …) when it loads; `answerMs`: how long one
   * count may take before the worker is given up. */
  constructor(entry: URL, role: string, answerMs = ANSWER_MS) {
    this.#entry = entry;
    this.#role = role;
    this.#answerMs = answerMs;
  }

  /** The text's count, without holding the event loop while the worker counts. Counts asked in one tick go to the
   * worker as one message (a prompt of 800 messages cost ~8 ms of the event loop's time sent one by one). */
  count(text: string): Promise<number | undefined> {
    const r = this.#ready();
    if (r === null) return Promise.resolve(undefined);
    this.#outstanding++;
    return new Promise((answer) => {
      const resolve: Resolve = (n) => {
        answer(n);
        if (--this.#outstanding === 0) for (const then of this.#onSettled.splice(0)) then();
      };
      let b = this.#batch;
      if (b === undefined || b.running !== r) {
        const batch: Batch = { running: r, texts: [], resolves: [] };
        this.#batch = b = batch;
        queueMicrotask(() => this.#send(batch));
      }
      b.texts.push(text);
      b.resolves.push(resolve);
    });
  }

  /** Resolves once every awaited count has its answer (or was given up): at once when none is awaited. What is billed
   * on an answer is billed before an owner that closes reads the last records. */
  settled(): Promise<void> {
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#onSettled.push(resolve));
  }

  /** The text's count, the caller blocked until it comes. */
  countNow(text: string): number | undefined {
    const r = this.#ready();
    if (r === null) return undefined;
    Atomics.store(r.ready, 0, 0);
    r.now.postMessage(text);
    const waited = Atomics.wait(r.ready, 0, 0, this.#answerMs);
    const n = receiveMessageOnPort(r.now)?.message;
    if (waited === 'timed-out' || typeof n !== 'number' || n < 0) {
      this.#giveUp(r);
      return undefined;
    }
    return n;
  }

  /** Stops the worker; the next count starts another. Counts still awaited are counted in place. */
  stop(): Promise<number> | undefined {
    const r = this.#running;
    this.#running = undefined;
    if (r === undefined || r === null) return undefined;
    closeRunning(r);
    return r.worker.terminate();
  }

  /** The running worker, started if none is; null when counts are made in place. */
  #ready(): Running | null {
    if (!isMainThread) return null;
    this.#running ??= this.#start();
    return this.#running;
  }

  /** The worker failed to answer: this process counts in place from now on. */
  #giveUp(r: Running): void {
    if (this.#running === r) this.#running = null;
    closeRunning(r);
    void r.worker.terminate();
  }

  #send(b: Batch): void {
    if (this.#batch === b) this.#batch = undefined;
    const r = b.running;
    // Given up (or stopped) since: counted in place.
    if (this.#running !== r) {
      for (const resolve of b.resolves) resolve(undefined);
      return;
    }
    const id = r.nextId++;
    // Waited on: the process stays up for the answer (an unanswered count is given up at the bound).
    if (r.waiting.size === 0) r.later.ref();
    const timer = setTimeout(() => this.#giveUp(r), this.#answerMs);
    timer.unref();
    r.waiting.set(id, { resolves: b.resolves, timer });
    r.later.postMessage({ id, texts: b.texts } satisfies Asked);
  }

  #answered(r: Running, a: Answered): void {
    const w = r.waiting.get(a.id);
    if (w === undefined) return;
    r.waiting.delete(a.id);
    clearTimeout(w.timer);
    if (r.waiting.size === 0) r.later.unref();
    let failed = false;
    w.resolves.forEach((resolve, i) => {
      const n = a.counts[i];
      failed ||= n === undefined || n < 0;
      resolve(n === undefined || n < 0 ? undefined : n);
    });
    if (failed) this.#giveUp(r);
  }

  #start(): Running | null {
    try {
      const now = new MessageChannel();
      const later = new MessageChannel();
      const ready = new Int32Array(new SharedArrayBuffer(4));
      const data: CountWorkerData = { role: this.#role, port: now.port2, ready, later: later.port2 };
      // None of node's flags: a count needs none, and some a process may be run with (`--input-type`, a test
      // runner's) stop a worker from starting.
      const worker = new Worker(this.#entry, {
        workerData: data,
        transferList: [now.port2, later.port2],
        execArgv: [],
      });
      // None keeps the process running while nothing is awaited: a blocking count waits on the shared flag.
      worker.unref();
      now.port1.unref();
      const r: Running = { worker, now: now.port1, ready, later: later.port1, waiting: new Map(), nextId: 0 };
      r.later.on('message', (a: Answered) => this.#answered(r, a));
      r.later.unref();
      // A worker that ended (terminated, out of memory) is replaced on the next count; what it owed is counted in place.
      worker.once('exit', () => {
        if (this.#running === r) this.#running = undefined;
        closeRunning(r);
      });
      worker.on('error', () => {});
      return r;
    } catch {
      return null;
    }
  }
}

/** Closes a worker's ports; each count still awaited resolves undefined, for its caller to count in place. */
function closeRunning(r: Running): void {
  r.now.close();
  r.later.close();
  for (const w of r.waiting.values()) {
    clearTimeout(w.timer);
    for (const resolve of w.resolves) resolve(undefined);
  }
  r.waiting.clear();
}

/** In the worker started for `role`: answers each text with `count(text)` (-1 when it throws), a blocking count's
 * with the flag raised once its answer is on the port; once the first is answered, collects. Elsewhere it does
 * nothing. */
export function serveCounts(role: string, count: (text: string) => number): void {
  const data = workerData as Partial<CountWorkerData> | null;
  if (isMainThread || data?.role !== role) return;
  const { port, ready, later } = data;
  if (port === undefined || ready === undefined || later === undefined) return;
  const counted = (text: unknown): number => {
    try {
      return typeof text === 'string' ? count(text) : -1;
    } catch {
      return -1;
    }
  };
  let loaded = false;
  // The first count loads what counting needs (gpt-tokenizer's tables); V8 keeps the garbage and the grown young
  // generation of that load, so one collection, after the answer is sent, gives them back. A worker that is let go
  // gives back less: V8 keeps a stopped thread's heap pages for the next.
  const answered = (): void => {
    if (loaded) return;
    loaded = true;
    setImmediate(memoryReducingCollection);
  };
  port.on('message', (text: unknown) => {
    port.postMessage(counted(text));
    Atomics.store(ready, 0, 1);
    Atomics.notify(ready, 0);
    answered();
  });
  later.on('message', (asked: Asked) => {
    later.postMessage({ id: asked.id, counts: asked.texts.map(counted) } satisfies Answered);
    answered();
  });
}
