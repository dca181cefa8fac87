// Where a long-running process's log lines go (the gateway's, above all): lines are gathered into batches of ~4 KiB
// and each batch is handed to pino's own writer (sonic-boom), which writes it asynchronously. A timer hands over what
// is pending at least every 250 ms, so `journalctl -f` stays live; whatever is pending is written before the
// process exits.
//
// Why not sonic-boom's own `minLength` batching: on every line it measures the byte length of its whole pending
// buffer (up to 16 KiB while a write is in flight), which flattens and copies it. In the gateway that cost more than
// building the line itself: ~5–7 µs a line against ~1–2 batched here, and about a tenth of the gateway's throughput
// under load (SPEC §9; docs/gateway.md "Performance and the benchmark").
import { pino, type DestinationStream } from 'pino';

export interface BatchedDestination extends DestinationStream {
  write(line: string): void;
  /** Hands the pending lines to the writer (written asynchronously). */
  flush(): void;
  /** Writes everything pending before returning (shutdown, exit). */
  flushSync(): void;
  /** Flushes synchronously and stops the timer; later lines are still written, on the next flush. */
  close(): void;
}

export interface BatchedDestinationOptions {
  /** A file descriptor (2: stderr) or a file path (appended to). */
  dest: number | string;
  /** Pending characters that make a batch (default 4096). */
  batchSize?: number;
  /** Longest a line waits before it is handed over (default 250 ms). */
  flushMs?: number;
}

class Batched implements BatchedDestination {
  readonly #writer: ReturnType<typeof pino.destination>;
  readonly #batchSize: number;
  readonly #timer: NodeJS.Timeout;
  readonly #onExit = (): void => this.flushSync();
  #pending = '';
  #open = false;

  constructor(options: BatchedDestinationOptions) {
    // sync: false — a batch is written off the event loop; minLength 0 — the batching is ours.
    this.#writer = pino.destination({ dest: options.dest, sync: false, minLength: 0 });
    this.#writer.once('ready', () => {
      this.#open = true;
    });
    this.#batchSize = options.batchSize ?? 4096;
    this.#timer = setInterval(() => this.flush(), options.flushMs ?? 250);
    this.#timer.unref();
    process.on('exit', this.#onExit);
  }

  write(line: string): void {
    this.#pending += line;
    if (this.#pending.length >= this.#batchSize) this.flush();
  }

  flush(): void {
    if (this.#pending === '') return;
    const batch = this.#pending;
    this.#pending = '';
    this.#writer.write(batch);
  }

  flushSync(): void {
    this.flush();
    // Not open yet (a path is opened asynchronously): sonic-boom writes what it holds once it is.
    if (this.#open) this.#writer.flushSync();
  }

  close(): void {
    clearInterval(this.#timer);
    process.off('exit', this.#onExit);
    this.flushSync();
  }
}

export function batchedDestination(options: BatchedDestinationOptions): BatchedDestination {
  return new Batched(options);
}
