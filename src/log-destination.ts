// Where a long-running process's log lines go: ~16 KiB batches written synchronously through sonic-boom, at least
// every 250 ms and before exit, in order (docs/architecture.md#hot-path-choices explains why not `minLength`). A batch
// is held as its UTF-8 bytes, a character a byte (utf8Bytes): one non-ASCII character in a line (a masked key's `…`)
// made the whole batch a two-byte string, flattened and encoded at ~8× the cost of a one-byte one.
import { pino, type DestinationStream } from 'pino';

/** Any character outside ASCII: a line with none is its own UTF-8 bytes. */
// eslint-disable-next-line no-control-regex -- the range is exactly ASCII
const NOT_ASCII = /[^\u0000-\u007f]/;

/** `text`'s UTF-8 bytes as a one-byte string, a character a byte (the same string when it is ASCII): what
 * BatchedDestination.writeBytes takes. */
export function utf8Bytes(text: string): string {
  return isAscii(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

/** Whether `text` is all ASCII, and so its own UTF-8 bytes. */
export function isAscii(text: string): boolean {
  return !NOT_ASCII.test(text);
}

export interface BatchedDestination extends DestinationStream {
  write(line: string): void;
  /** A line given as its UTF-8 bytes (utf8Bytes), written as those bytes: the line writer keeps its repeated texts
   * so, encoded once. Optional: a destination that renders lines (pretty) takes them as text. */
  writeBytes?(line: string): void;
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
  /** Pending bytes that make a batch (default 16384). */
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
    this.writeBytes(utf8Bytes(line));
  }

  writeBytes(line: string): void {
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
    const bytes = Buffer.from(batch, 'latin1');
    this.#writer.write(this.#bytes ? bytes : bytes.toString('utf8'));
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
