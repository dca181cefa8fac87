// Where a long-running process's log lines go: ~16 KiB batches written synchronously through sonic-boom, at least
// every 250 ms and before exit, in order (docs/architecture.md#hot-path-choices explains why not `minLength`).
import { pino, type DestinationStream } from 'pino';

export interface BatchedDestination extends DestinationStream {
  write(line: string): void;
  /** Writes the pending lines now. */
  flush(): void;
  /** Same as flush (the writes are synchronous); what pino and shutdown code call before exit. */
  flushSync(): void;
  /** Writes what is pending and stops the timer and the exit hook; later lines wait for an explicit flush. */
  close(): void;
}

export interface BatchedDestinationOptions {
  /** A file descriptor (2: stderr), a file path (appended to), or a stream (a command run in-process: its stderr). */
  dest: number | string | { write(text: string): unknown };
  /** Pending characters that make a batch (default 16384). */
  batchSize?: number;
  /** Longest a line waits before it is written (default 250 ms). */
  flushMs?: number;
}

class Batched implements BatchedDestination {
  readonly #writer: { write(data: string | Buffer): unknown };
  /** Our own sonic-boom takes bytes: see sonicBoom. */
  readonly #bytes: boolean;
  readonly #batchSize: number;
  readonly #flushMs: number;
  /** Armed by a line while none waits for it: an idle process is not woken four times a second for nothing. */
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onExit = (): void => this.flush();
  #pending = '';

  constructor(options: BatchedDestinationOptions) {
    this.#bytes = typeof options.dest !== 'object';
    this.#writer = typeof options.dest === 'object' ? options.dest : sonicBoom(options.dest);
    this.#batchSize = options.batchSize ?? 16_384;
    this.#flushMs = options.flushMs ?? 250;
    process.on('exit', this.#onExit);
  }

  write(line: string): void {
    this.#pending += line;
    if (this.#pending.length >= this.#batchSize) this.flush();
    else if (this.#timer === undefined && !this.#closed) this.#arm();
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#flushMs);
    this.#timer.unref();
  }

  flush(): void {
    if (this.#pending === '') return;
    const batch = this.#pending;
    this.#pending = '';
    this.#writer.write(this.#bytes ? Buffer.from(batch) : batch);
  }

  flushSync(): void {
    this.flush();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    process.off('exit', this.#onExit);
    this.flush();
  }
}

/** pino's own writer for a descriptor or a file. minLength 0: the batching is ours; sync: see above. Given bytes
 * (`contentMode: 'buffer'`): given text, sonic-boom measured each batch's UTF-8 length twice, had the write encode it
 * and then encoded it again into a new Buffer to release it, ~30% of the line per request's cost; a batch is now
 * encoded once, here. */
function sonicBoom(dest: number | string): { write(data: string | Buffer): unknown } {
  const writer = pino.destination({ dest, sync: true, minLength: 0, contentMode: 'buffer' });
  // Logging is best effort: a line that cannot be written (stderr's reader gone, disk full) is dropped, and the
  // process keeps serving. (pino already stops writing after EPIPE; other errors would otherwise be thrown.)
  writer.on('error', () => {});
  return writer;
}

export function batchedDestination(options: BatchedDestinationOptions): BatchedDestination {
  return new Batched(options);
}
