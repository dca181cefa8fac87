// A count made on a worker thread and asked for synchronously (count-tokens.ts): gpt-tokenizer's tables are ~21 MiB
// of V8 heap in ~250,000 objects, and on the main thread every full collection marked them again — a gateway under
// 200 KB bodies runs one every ~200 requests (bench/README.md). The caller blocks on the answer as it blocked on a
// count made in place, so an estimate stays a synchronous value. A worker that cannot answer is let go and the caller
// counts in place, as before: an estimate is never lost for it.
import {
  MessageChannel,
  Worker,
  isMainThread,
  receiveMessageOnPort,
  workerData,
  type MessagePort,
} from 'node:worker_threads';

/** How long a count may take before its worker is given up: far past a first load of the tables (~0.5 s) and a count
 * of a million characters (~0.1 s). */
const ANSWER_MS = 30_000;

interface Running {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** [0]: set to 1 by the worker once its answer is on the port. */
  readonly ready: Int32Array;
}

/** What the worker of `entry` is started with: its role, so that importing the module elsewhere serves nothing. */
interface CountWorkerData {
  role: string;
  port: MessagePort;
  ready: Int32Array;
}

/** One worker thread counting texts: `count(text)` its answer, or undefined when no worker can give one (then count
 * in place). Only the main thread starts one; on any other thread `count` is always undefined. */
export class OffThreadCounter {
  readonly #entry: URL;
  readonly #role: string;
  readonly #answerMs: number;
  /** null once a worker failed: this process counts in place from then on. */
  #running: Running | null | undefined;

  /** `entry`: the module the worker runs, which calls serveCounts(role, …) when it loads; `answerMs`: how long one
   * count may take before the worker is given up. */
  constructor(entry: URL, role: string, answerMs = ANSWER_MS) {
    this.#entry = entry;
    this.#role = role;
    this.#answerMs = answerMs;
  }

  count(text: string): number | undefined {
    if (!isMainThread) return undefined;
    this.#running ??= this.#start();
    const r = this.#running;
    if (r === null) return undefined;
    Atomics.store(r.ready, 0, 0);
    r.port.postMessage(text);
    const waited = Atomics.wait(r.ready, 0, 0, this.#answerMs);
    const n = receiveMessageOnPort(r.port)?.message;
    if (waited === 'timed-out' || typeof n !== 'number' || n < 0) {
      this.#running = null;
      r.port.close();
      void r.worker.terminate();
      return undefined;
    }
    return n;
  }

  /** Stops the worker; the next count starts another. */
  stop(): Promise<number> | undefined {
    const r = this.#running;
    this.#running = undefined;
    if (r === undefined || r === null) return undefined;
    r.port.close();
    return r.worker.terminate();
  }

  #start(): Running | null {
    try {
      const { port1, port2 } = new MessageChannel();
      const ready = new Int32Array(new SharedArrayBuffer(4));
      const data: CountWorkerData = { role: this.#role, port: port2, ready };
      // None of node's flags: a count needs none, and some a process may be run with (`--input-type`, a test
      // runner's) stop a worker from starting.
      const worker = new Worker(this.#entry, { workerData: data, transferList: [port2], execArgv: [] });
      // Neither keeps the process running: a count waits on the shared flag, never on the event loop.
      worker.unref();
      port1.unref();
      const r: Running = { worker, port: port1, ready };
      // A worker that ended (terminated, out of memory) is replaced on the next count.
      worker.once('exit', () => {
        if (this.#running === r) this.#running = undefined;
      });
      worker.on('error', () => {});
      return r;
    } catch {
      return null;
    }
  }
}

/** In the worker started for `role`: answers each text with `count(text)` (-1 when it throws) and raises the flag
 * once the answer is on the port. Elsewhere it does nothing. */
export function serveCounts(role: string, count: (text: string) => number): void {
  const data = workerData as Partial<CountWorkerData> | null;
  if (isMainThread || data?.role !== role || data.port === undefined || data.ready === undefined) return;
  const { port, ready } = data;
  port.on('message', (text: unknown) => {
    let n = -1;
    try {
      if (typeof text === 'string') n = count(text);
    } catch {
      n = -1;
    }
    port.postMessage(n);
    Atomics.store(ready, 0, 1);
    Atomics.notify(ready, 0);
  });
}
