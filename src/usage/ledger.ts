// The ledger on the request path: `record()` only queues a row; a timer writes queued rows in batches. A store that
// is down or full never fails or slows a request: the failure is said once, counted, shown by /readyz
// (`degraded_by: usage_store`), and the rows stay queued (up to a bound, oldest dropped first and counted) until
// the store takes them again.
import type { UsageStore } from './store.ts';
import type { GroupTotals, RequestPage, RequestQuery, UsageQuery, UsageRow } from './row.ts';

export interface LedgerOptions {
  store: UsageStore;
  /** Milliseconds rows and rollups are kept. */
  retention: { requests: number; rollups: number };
  now?: () => number;
  /** Where "the store is down" and "back" are said (once each). */
  warn?: (message: string) => void;
  flushIntervalMs?: number;
  /** Rows kept in memory while the store is down; beyond, the oldest are dropped (and counted). */
  maxPending?: number;
  /** Rows per transaction. */
  batchSize?: number;
}

export interface LedgerStats {
  written: number;
  pending: number;
  /** Flushes that failed. */
  failures: number;
  /** Rows dropped because the queue was full while the store was down. */
  dropped: number;
}

const PRUNE_EVERY_MS = 3_600_000;

export class UsageLedger {
  readonly #store: UsageStore;
  readonly #options: LedgerOptions;
  readonly #now: () => number;
  #pending: UsageRow[] = [];
  #opened = false;
  #failing: string | undefined;
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastPrune = 0;
  #closed = false;
  readonly stats: LedgerStats = { written: 0, pending: 0, failures: 0, dropped: 0 };
  /** Told of each failed flush (a metric counts them). */
  onFailure: (() => void) | undefined;

  constructor(options: LedgerOptions) {
    this.#store = options.store;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get kind(): string {
    return this.#store.kind;
  }

  /** Queues a row; never throws, never waits. */
  record(row: UsageRow): void {
    if (this.#closed) return;
    this.#pending.push(row);
    const max = this.#options.maxPending ?? 50_000;
    if (this.#pending.length > max) {
      const over = this.#pending.length - max;
      this.#pending.splice(0, over);
      this.stats.dropped += over;
    }
    this.stats.pending = this.#pending.length;
    this.#schedule();
  }

  /** `usage_store` while the store refuses writes. */
  degradedBy(): string | undefined {
    return this.#failing === undefined ? undefined : 'usage_store';
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush().then(() => {
        if (this.#pending.length > 0) this.#schedule();
      });
    }, this.#options.flushIntervalMs ?? 1_000);
    this.#timer.unref();
  }

  /** Writes what is queued (also what arrives meanwhile); resolves once done or failed, never rejects. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    const size = this.#options.batchSize ?? 500;
    try {
      if (!this.#opened) {
        await this.#store.open();
        this.#opened = true;
      }
      while (this.#pending.length > 0) {
        const batch = this.#pending.slice(0, size);
        await this.#store.write(batch);
        this.#pending.splice(0, batch.length);
        if (this.#failing !== undefined) {
          this.#failing = undefined;
          this.#options.warn?.(`usage ledger (${this.#store.kind}) is writable again; queued rows written`);
        }
        this.stats.written += batch.length;
        this.stats.pending = this.#pending.length;
      }
      await this.#pruneNow();
    } catch (err) {
      this.stats.failures += 1;
      this.onFailure?.();
      const reason = err instanceof Error ? err.message : String(err);
      if (this.#failing === undefined)
        this.#options.warn?.(
          `usage ledger (${this.#store.kind}) cannot be written (${reason}); requests are served and their rows kept in memory until it can`,
        );
      this.#failing = reason;
    }
  }

  async #pruneNow(): Promise<void> {
    const now = this.#now();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    const r = this.#options.retention;
    await this.#store.prune(now - r.requests, now - r.rollups);
  }

  async totals(q: UsageQuery): Promise<GroupTotals[]> {
    await this.flush();
    await this.#ensureOpen();
    return this.#store.totals(q, this.#now());
  }

  async requests(q: RequestQuery): Promise<RequestPage> {
    await this.flush();
    await this.#ensureOpen();
    return this.#store.requests(q);
  }

  async #ensureOpen(): Promise<void> {
    if (this.#opened) return;
    await this.#store.open();
    this.#opened = true;
  }

  /** Writes what is queued, then closes the store. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    this.#closed = true;
    await this.#store.close();
  }
}
