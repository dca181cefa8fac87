// The ledger on the request path: `record()` only queues a row; within one flush interval (usage.flush_interval,
// 100 ms) of the oldest queued row the queued rows go to local disk: into the SQLite file, or, for a remote store
// (PostgreSQL), appended to the spool (spool.ts, fsynced) from which they are sent in order. A store that is down, slow or full never fails or slows a
// request: the failure is said once, counted, shown by /readyz (`degraded_by`), retried with backoff, and the rows
// wait in the spool (or in memory, up to a bound, oldest dropped first and counted) until the store takes them.
import type { UsageStore } from './store.ts';
import { SpoolFullError, type SpoolBatch, type UsageSpool } from './spool.ts';
import type {
  GroupTotals,
  GuardTotals,
  RequestPage,
  RequestQuery,
  ToolQuery,
  ToolTotals,
  UsageQuery,
  UsageRow,
} from './row.ts';
import type { AuditEntry, AuditQuery } from './audit.ts';

export interface LedgerOptions {
  store: UsageStore;
  /** Rows are written here first and sent from here (a remote store); none: written to the store directly. */
  spool?: UsageSpool;
  /** Milliseconds rows and rollups are kept. */
  retention: { requests: number; rollups: number };
  now?: () => number;
  /** Where "the store is down" and "back" are said (once each). */
  warn?: (message: string) => void;
  /** Where rows that could not be kept at close are said. */
  error?: (message: string) => void;
  flushIntervalMs?: number;
  /** Rows kept in memory while they cannot be written; beyond, the oldest are dropped (and counted). */
  maxPending?: number;
  /** Rows per transaction. */
  batchSize?: number;
  /** Prunes past retention after a send, once an hour at most (default). False: only when `prune()` is called, as
   * the gateway's once-per-deployment job does (gateway/server/cluster-jobs.ts), so replicas do not each prune. */
  selfPrune?: boolean;
}

export interface LedgerStats {
  written: number;
  /** Rows in memory, on no disk yet. */
  pending: number;
  /** Rows in the spool the store has not taken yet. */
  spooled: number;
  /** Flushes that failed. */
  failures: number;
  /** Rows dropped because the queue was full while they could not be written. */
  dropped: number;
  /** Rows neither written nor spooled when the ledger closed. */
  unkept: number;
}

/** Why the ledger is degraded, as /readyz says it. */
export type LedgerDegradation = 'usage_store' | 'usage_spooling' | 'usage_spool_full';

export const FLUSH_INTERVAL_MS = 100;
/** How often rows and rollups past their retention are deleted. */
export const PRUNE_EVERY_MS = 3_600_000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 10_000;

/** How long to leave a failing store alone after its `failures`th failure in a row: doubling, capped. */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

export class UsageLedger {
  readonly #store: UsageStore;
  readonly #spool: UsageSpool | undefined;
  readonly #options: LedgerOptions;
  readonly #now: () => number;
  #pending: UsageRow[] = [];
  #opened = false;
  #spoolOpened = false;
  #failing: string | undefined;
  #failuresInRow = 0;
  #retryAt = 0;
  #spoolProblem: string | undefined;
  #spooling: Promise<void> | undefined;
  #sending: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastPrune = 0;
  #closed = false;
  readonly stats: LedgerStats = { written: 0, pending: 0, spooled: 0, failures: 0, dropped: 0, unkept: 0 };
  /** Told of each failed flush (a metric counts them). */
  onFailure: (() => void) | undefined;

  constructor(options: LedgerOptions) {
    this.#store = options.store;
    this.#spool = options.spool;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    // Rows a former run left in the spool are sent without waiting for a request.
    if (options.spool !== undefined) this.#schedule();
  }

  get kind(): string {
    return this.#store.kind;
  }

  /** Queues a row; never throws, never waits. */
  record(row: UsageRow): void {
    if (this.#closed) return;
    this.#pending.push(row);
    this.#bound();
    this.#schedule();
  }

  /** What /readyz says: the store refuses writes, rows wait in the spool, the spool is full. */
  degradedBy(): LedgerDegradation[] {
    const out: LedgerDegradation[] = [];
    if (this.#failing !== undefined) out.push('usage_store');
    if (this.#failing !== undefined && this.stats.spooled > 0) out.push('usage_spooling');
    if (this.#spoolProblem !== undefined) out.push('usage_spool_full');
    return out;
  }

  #bound(): void {
    const max = this.#options.maxPending ?? 50_000;
    if (this.#pending.length > max) {
      const over = this.#pending.length - max;
      this.#pending.splice(0, over);
      this.stats.dropped += over;
    }
    this.stats.pending = this.#pending.length;
  }

  /** Armed by the first row queued after the last flush, so it counts from the oldest row waiting. It fires a quarter
   * of an interval after it: the rest is for a timer that fires late on a saturated event loop and for the write
   * itself, so a row is on disk within one interval of its answer (a kill -9 measured 121 ms at a full 100 ms delay,
   * and 123-125 ms in 2 of 14 runs at half of it). */
  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const interval = this.#options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // The next tick waits only for the disk, never for the store: a store that takes seconds to fail must not
      // keep rows off the disk meanwhile.
      void this.#tick().then(() => {
        if (this.#pending.length > 0 || this.stats.spooled > 0) this.#schedule();
      });
    }, interval / 4);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    await this.#spoolNow();
    if (this.#now() >= this.#retryAt) void this.#sendNow();
  }

  /** Takes over the spool files of replicas gone since this one started (the once-per-deployment job
   * `spool-adopt`, gateway/server/cluster-jobs.ts) and sends them; how many rows it took over. Without a spool, none. */
  async adoptLeftovers(): Promise<number> {
    if (this.#spool === undefined || this.#closed) return 0;
    await this.#spoolNow();
    if (!this.#spoolOpened) return 0;
    const rows = await this.#spool.adopt();
    if (rows === 0) return 0;
    this.stats.spooled = this.#spool.unsent;
    this.#options.warn?.(
      `usage spool: took over ${rows} rows a stopped replica left in ${this.#spool.path}'s directory`,
    );
    this.#schedule();
    return rows;
  }

  /** Puts what is queued on disk and sends what the store will take; resolves once done or failed, never rejects. */
  async flush(): Promise<void> {
    await this.#spoolNow();
    await this.#sendNow();
  }

  #spoolNow(): Promise<void> {
    this.#spooling ??= this.#toSpool().finally(() => (this.#spooling = undefined));
    return this.#spooling;
  }

  #sendNow(): Promise<void> {
    this.#sending ??= this.#send().finally(() => (this.#sending = undefined));
    return this.#sending;
  }

  /** The queued rows into the spool, when there is one. A full spool or disk leaves them queued, said once. */
  async #toSpool(): Promise<void> {
    const spool = this.#spool;
    if (spool === undefined) return;
    const size = this.#options.batchSize ?? 500;
    try {
      if (!this.#spoolOpened) {
        await spool.open();
        this.#spoolOpened = true;
        this.stats.spooled = spool.unsent;
      }
      while (this.#pending.length > 0) {
        const batch = this.#pending.slice(0, size);
        await spool.append(batch);
        this.#forget(batch);
        this.stats.spooled = spool.unsent;
      }
      if (this.#spoolProblem !== undefined) {
        this.#spoolProblem = undefined;
        this.#options.warn?.(`usage spool ${spool.path} takes rows again`);
      }
    } catch (err) {
      const reason = err instanceof SpoolFullError ? err.message : `${spool.path}: ${messageOf(err)}`;
      if (this.#spoolProblem === undefined)
        this.#options.warn?.(
          `usage spool cannot take rows (${reason}); they are kept in memory and sent to the ${this.#store.kind} ledger directly`,
        );
      this.#spoolProblem = reason;
    }
  }

  /** Sends to the store: the spool first, oldest first, then rows the spool could not take. */
  async #send(): Promise<void> {
    const size = this.#options.batchSize ?? 500;
    try {
      if (!this.#opened) {
        await this.#store.open();
        this.#opened = true;
      }
      for (;;) {
        const fromSpool = this.#spoolOpened ? await this.#spool!.take(size) : undefined;
        const rows = fromSpool?.rows ?? this.#pending.slice(0, size);
        if (fromSpool === undefined && rows.length === 0) break;
        if (rows.length > 0) await this.#store.write(rows);
        await this.#sent(fromSpool, rows);
      }
      await this.#pruneNow();
    } catch (err) {
      this.#failed(err);
    }
  }

  async #sent(batch: SpoolBatch | undefined, rows: readonly UsageRow[]): Promise<void> {
    if (batch !== undefined) {
      await this.#spool!.done(batch);
      this.stats.spooled = this.#spool!.unsent;
    } else this.#forget(rows);
    this.stats.written += rows.length;
    this.#failuresInRow = 0;
    this.#retryAt = 0;
    if (this.#failing !== undefined) {
      this.#failing = undefined;
      this.#options.warn?.(`usage ledger (${this.#store.kind}) is writable again; queued rows written`);
    }
  }

  #failed(err: unknown): void {
    this.stats.failures += 1;
    this.#failuresInRow += 1;
    this.#retryAt = this.#now() + backoffMs(this.#failuresInRow);
    this.onFailure?.();
    const reason = messageOf(err);
    if (this.#failing === undefined)
      this.#options.warn?.(
        `usage ledger (${this.#store.kind}) cannot be written (${reason}); requests are served and their rows kept ` +
          (this.#spool !== undefined ? `in ${this.#spool.path} until it can` : 'in memory until it can'),
      );
    this.#failing = reason;
  }

  /** Drops rows from the queue by identity: a row both spooled and sent directly is gone either way. */
  #forget(rows: readonly UsageRow[]): void {
    const gone = new Set(rows);
    this.#pending = this.#pending.filter((r) => !gone.has(r));
    this.stats.pending = this.#pending.length;
  }

  async #pruneNow(): Promise<void> {
    if (this.#options.selfPrune === false) return;
    const now = this.#now();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    await this.#pruneAt(now);
  }

  /** Deletes the rows and rollups past their retention now; throws when the store cannot. */
  async prune(): Promise<void> {
    await this.#ensureOpen();
    await this.#pruneAt(this.#now());
  }

  #pruneAt(now: number): Promise<void> {
    const r = this.#options.retention;
    return this.#store.prune(now - r.requests, now - r.rollups);
  }

  totals(q: UsageQuery): Promise<GroupTotals[]> {
    return this.#afterFlush(() => this.#store.totals(q, this.#now()));
  }

  requests(q: RequestQuery): Promise<RequestPage> {
    return this.#afterFlush(() => this.#store.requests(q));
  }

  toolTotals(q: ToolQuery): Promise<ToolTotals[]> {
    return this.#afterFlush(() => this.#store.toolTotals(q));
  }

  /** Keeps an action at once, not batched: it is rare, and who did it must not wait in a queue a crash empties. */
  async audit(entry: AuditEntry): Promise<void> {
    await this.#ensureOpen();
    await this.#store.writeAudit(entry);
  }

  async auditEntries(q: AuditQuery): Promise<AuditEntry[]> {
    await this.#ensureOpen();
    return this.#store.audit(q);
  }

  guardTotals(q: ToolQuery): Promise<GuardTotals[]> {
    return this.#afterFlush(() => this.#store.guardTotals(q));
  }

  /** A read of the store that sees every row recorded before it: what is queued is written first. */
  async #afterFlush<T>(read: () => Promise<T>): Promise<T> {
    await this.flush();
    await this.#ensureOpen();
    return read();
  }

  async #ensureOpen(): Promise<void> {
    if (this.#opened) return;
    await this.#store.open();
    this.#opened = true;
  }

  /** Writes what is queued (to the store, or to the spool for the next start when the store still fails), then
   * closes; rows that could not be kept anywhere are counted in `stats.unkept` and said. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#closed = true;
    await this.#spooling;
    await this.#sending;
    await this.#toSpool();
    // A failing store is tried once more, within its own bounds: it may be back while the backoff still waits, and a
    // next start may never come (a pod's emptyDir goes with it). Still failing, the spool keeps its rows.
    await this.#send();
    this.stats.unkept = this.#pending.length;
    if (this.stats.unkept > 0)
      this.#options.error?.(
        `usage ledger: ${this.stats.unkept} row${this.stats.unkept === 1 ? '' : 's'} could not be kept ` +
          `(${this.#spoolProblem ?? this.#failing ?? 'not written'}); their requests are missing from the ledger`,
      );
    const spool = this.#spool;
    if (spool !== undefined && this.#spoolOpened) {
      const left = spool.unsent;
      if (left > 0)
        this.#options.warn?.(
          `usage ledger (${this.#store.kind}): ${left} row${left === 1 ? '' : 's'} kept in ${spool.path}, sent at the next start`,
        );
      await spool.close();
    }
    await this.#store.close().catch(() => {});
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
