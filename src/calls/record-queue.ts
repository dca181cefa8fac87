// The queue that hands records (a router call's, a gateway request's) to their readers off the code that made them:
// every record pushed before the queue's turn comes (setImmediate by default, or a microtask) is read in one batch,
// reader by reader, each in its own `try`. A reader that throws is said once and never stops the others
// (docs/architecture.md#one-record-per-request).

export interface Reader<R, N extends string> {
  name: N;
  read(record: R): void;
}

/** Records wait for the end of the event loop's current turn: every one finished in that turn is read in one batch,
 * after their answers went out, and before any later request (a scrape of /metrics, the next call of a client) is
 * read from a socket. */
export class BatchQueue<R, N extends string> {
  readonly #readers: readonly Reader<R, N>[];
  readonly #said: (reader: N, err: unknown) => void;
  readonly #failed = new Set<N>();
  #batch: R[] = [];
  readonly #schedule: (read: () => void) => void;
  #scheduled = false;

  /** `said`: where a reader's first failure is told (each reader's once); `schedule`: when a batch is read. */
  constructor(
    readers: readonly Reader<R, N>[],
    said: (reader: N, err: unknown) => void,
    schedule: (read: () => void) => void = setImmediate,
  ) {
    this.#readers = readers;
    this.#said = said;
    this.#schedule = schedule;
  }

  push(record: R): void {
    this.#batch.push(record);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(this.flush);
  }

  /** Reads every record queued; also at close, so none is lost. */
  readonly flush = (): void => {
    this.#scheduled = false;
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    for (const reader of this.#readers) this.#readAll(reader, batch);
  };

  #readAll(reader: Reader<R, N>, batch: readonly R[]): void {
    for (const record of batch) {
      try {
        reader.read(record);
      } catch (err) {
        if (this.#failed.has(reader.name)) continue;
        this.#failed.add(reader.name);
        this.#said(reader.name, err);
      }
    }
  }
}
