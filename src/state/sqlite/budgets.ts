// Budgets in the embedded state file, shared by every process on it (a gateway's workers, the CLI). A transaction per
// request cost more than the request itself (~280 µs against ~235 µs), so each process leases room from the shared
// counters in chunks and admits requests from its lease in memory; only a request its lease cannot hold takes one
// BEGIN IMMEDIATE transaction, which grants room only while the shared total is below the limit — so all processes
// together still overshoot a cap by less than one hold (docs/budgets.md#how-it-holds). Spend, released holds and
// unused lease go back in one batched transaction every flush, off the request path.
import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { statement } from './statements.ts';
import { inTransaction } from './transaction.ts';
import { hasRoom } from '../budget-store.ts';
import type { BudgetStore, CounterState, HoldItem, ReserveResult, Seed, Spend } from '../budget-store.ts';

export interface SqliteBudgetStoreOptions {
  flushIntervalMs?: number;
  /** Said once when the file cannot be written (requests are then served without holds) and when it can again. */
  warn?: (message: string) => void;
  location: string;
}

/** Counters are kept this long after their window ends, so `usage budgets` still shows the last window for a while. */
const KEEP_AFTER_RESET_MS = 7 * 24 * 3_600_000;
/** A lease is this many times the request's hold, at most: fewer transactions, more room kept from other processes.
 * A counter leased again before the next flush doubles its next lease, up to MAX_CHUNK_HOLDS: at thousands of
 * requests a second a 16-hold lease lasted a few milliseconds, and its transaction cost ~5 µs a request. An idle one
 * starts again from CHUNK_HOLDS. */
const CHUNK_HOLDS = 16;
const MAX_CHUNK_HOLDS = 256;
/** A process's lease stops counting this long after its last write (it died); renewed by every flush while held. */
const LEASE_TTL_MS = 60_000;

/** This process's part of one counter. */
interface Local {
  /** Room leased and not held by any request. */
  unused: number;
  /** Requests' holds: amount and when each stops counting. */
  held: Map<string, { amount: number; expiresAt: number }>;
  /** To write at the next flush: spend to add, and lease to give back. */
  spend: number;
  giveBack: number;
  resetsAt: number;
  /** Reserved on since the last flush: a lease in use is kept, an idle one given back. */
  busy: boolean;
  /** Holds the next lease covers (CHUNK_HOLDS, doubled while busy). */
  chunk: number;
}

/** Thrown inside the lease transaction to roll back every grant of it. */
class Refused extends Error {
  readonly result: Extract<ReserveResult, { ok: false }>;
  constructor(result: Extract<ReserveResult, { ok: false }>) {
    super('refused');
    this.result = result;
  }
}

export class SqliteBudgetStore implements BudgetStore {
  readonly #db: DatabaseSync;
  readonly #me = randomUUID();
  readonly #flushIntervalMs: number;
  readonly #warn: (message: string) => void;
  readonly #location: string;
  readonly #local = new Map<string, Local>();
  #timer: NodeJS.Timeout | undefined;
  /** When the timer fires (epoch ms): a sooner flush replaces a later one. */
  #timerDue = 0;
  #problem: string | undefined;
  #closed = false;
  #lastSweep = 0;

  constructor(db: DatabaseSync, options: SqliteBudgetStoreOptions) {
    this.#db = db;
    this.#flushIntervalMs = options.flushIntervalMs ?? 50;
    this.#warn = options.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
    this.#location = options.location;
  }

  reserve(hold: string, items: readonly HoldItem[], now: number, expiresAt: number): Promise<ReserveResult> {
    const locals = items.map((item) => this.#localOf(item, now));
    let before: CounterState[] | undefined;
    if (locals.some((l, i) => l.unused < items[i]!.amount)) {
      try {
        before = inTransaction(this.#db, () => this.#lease(items, locals, now, expiresAt));
        this.#worked();
      } catch (err) {
        if (err instanceof Refused) return Promise.resolve(err.result);
        // A state file that cannot be written must not fail the request: it is served, unheld, and said once.
        this.#failed(err);
        return Promise.resolve({ ok: true, softOver: [], before: items.map(() => ({ spent: 0, reserved: 0 })) });
      }
    }
    for (const [i, item] of items.entries()) {
      const l = locals[i]!;
      l.unused -= item.amount;
      l.busy = true;
      l.held.set(hold, { amount: item.amount, expiresAt });
    }
    this.#schedule();
    // Within the lease: nothing over its limit, soft or hard, since the lease was granted below it.
    return Promise.resolve({
      ok: true,
      softOver: before === undefined ? [] : softOver(items, before),
      before: before ?? items.map(() => ({ spent: 0, reserved: 0 })),
    });
  }

  settle(hold: string, spends: readonly Spend[]): void {
    if (this.#closed) return;
    for (const s of spends) {
      const l = this.#local.get(s.counter);
      const h = l?.held.get(hold);
      if (l === undefined || h === undefined) {
        // Its hold ran out (or was never leased here): the spend still counts.
        this.#localOf({ counter: s.counter, resetsAt: s.resetsAt }, 0).spend += s.amount;
        continue;
      }
      l.held.delete(hold);
      l.giveBack += h.amount;
      l.spend += s.amount;
    }
    this.#schedule();
  }

  async read(counters: readonly string[], now: number): Promise<CounterState[]> {
    this.flushNow();
    return counters.map((c) => {
      const { spent, others, seeded } = this.#shared(c, now);
      return { spent, reserved: others + this.#held(c, now), ...(seeded !== undefined ? { seeded } : {}) };
    });
  }

  async seed(counter: string, seed: Seed, resetsAt: number): Promise<boolean> {
    // This process's spend not written yet is spend recorded: written first, so the insert sees it.
    this.flushNow();
    try {
      const { changes } = statement(
        this.#db,
        `INSERT INTO budget_counters (counter, spent, resets_at, seeded, seeded_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (counter) DO NOTHING`,
      ).run(counter, seed.amount, resetsAt, seed.amount, seed.at);
      return Number(changes) === 1;
    } catch (err) {
      this.#failed(err);
      return false;
    }
  }

  async flush(): Promise<void> {
    this.flushNow();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.flushNow(true);
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /** Writes spend, gives back released holds and unused lease, and renews the lease of holds still out. */
  flushNow(closing = false): void {
    if (this.#closed || this.#local.size === 0) return;
    // Closing: every lease is given back, in use or not.
    if (closing) for (const l of this.#local.values()) l.busy = false;
    const now = Date.now();
    try {
      inTransaction(this.#db, () => {
        for (const [counter, l] of this.#local) this.#writeBack(counter, l, now);
        this.#sweep(now);
      });
      this.#worked();
    } catch (err) {
      this.#failed(err);
      this.#schedule();
      return;
    }
    for (const [counter, l] of this.#local) {
      l.spend = 0;
      l.giveBack = 0;
      if (!l.busy) {
        l.unused = 0;
        l.chunk = CHUNK_HOLDS;
      }
      l.busy = false;
      if (l.held.size === 0 && l.unused === 0) this.#local.delete(counter);
    }
    // Holds still out keep their lease alive: renewed at the next flush.
    if (this.#local.size > 0) this.#schedule(LEASE_TTL_MS / 4);
  }

  /** In the transaction: room for each item whose lease is short, granted while the shared total (less this process's
   * own unused lease) is below the limit; throws Refused for a hard item with no room, rolling every grant back. */
  #lease(items: readonly HoldItem[], locals: Local[], now: number, expiresAt: number): CounterState[] {
    const before: CounterState[] = [];
    const grants: number[] = [];
    for (const [i, item] of items.entries()) {
      const l = locals[i]!;
      const shared = this.#shared(item.counter, now);
      // Spend settled here but not written yet counts as spent.
      const spent = shared.spent + l.spend;
      const others = shared.others;
      const mine = this.#held(item.counter, now);
      const state = { spent, reserved: others + mine };
      before.push(state);
      const need = item.amount - l.unused;
      if (need <= 0) {
        grants.push(0);
        continue;
      }
      if (!hasRoom(state, item.limit) && !item.soft) throw new Refused({ ok: false, refused: i, state });
      const total = spent + others + mine + l.unused;
      // A quarter of the room left at most, so near the cap a lease shrinks and leaves room for other processes.
      grants.push(Math.max(need, Math.min(l.chunk * item.amount, Math.floor((item.limit - total) / 4))));
    }
    const upsert = statement(
      this.#db,
      `INSERT INTO budget_holds (hold, counter, amount, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (counter, hold) DO UPDATE SET amount = amount + excluded.amount,
         expires_at = MAX(expires_at, excluded.expires_at)`,
    );
    for (const [i, item] of items.entries()) {
      const grant = grants[i]!;
      if (grant === 0) continue;
      upsert.run(this.#me, item.counter, grant, Math.max(expiresAt, now + LEASE_TTL_MS));
      const l = locals[i]!;
      l.unused += grant;
      if (l.busy) l.chunk = Math.min(MAX_CHUNK_HOLDS, l.chunk * 2);
    }
    return before;
  }

  /** Settled spend (and its seed), and what other processes' live leases hold. */
  #shared(counter: string, now: number): { spent: number; others: number; seeded?: Seed } {
    const row = statement(this.#db, 'SELECT spent, seeded, seeded_at FROM budget_counters WHERE counter = ?').get(
      counter,
    ) as { spent: number; seeded: number | null; seeded_at: number | null } | undefined;
    const held = statement(
      this.#db,
      'SELECT COALESCE(SUM(amount), 0) AS held FROM budget_holds WHERE counter = ? AND hold != ? AND expires_at > ?',
    ).get(counter, this.#me, now) as { held: number };
    const seeded = row?.seeded_at == null ? undefined : { amount: row.seeded ?? 0, at: row.seeded_at };
    return { spent: row?.spent ?? 0, others: held.held, ...(seeded !== undefined ? { seeded } : {}) };
  }

  /** This process's live holds on a counter; holds that ran out turn into unused lease. */
  #held(counter: string, now: number): number {
    const l = this.#local.get(counter);
    if (l === undefined) return 0;
    let sum = 0;
    for (const [id, h] of l.held) {
      if (h.expiresAt > now) sum += h.amount;
      else {
        l.held.delete(id);
        l.unused += h.amount;
      }
    }
    return sum;
  }

  #writeBack(counter: string, l: Local, now: number): void {
    if (l.spend > 0)
      statement(
        this.#db,
        `INSERT INTO budget_counters (counter, spent, resets_at) VALUES (?, ?, ?)
         ON CONFLICT (counter) DO UPDATE SET spent = spent + excluded.spent`,
      ).run(counter, l.spend, l.resetsAt);
    // A lease in use keeps its unused room (no transaction for the next requests); an idle one gives it back.
    const back = l.giveBack + (l.busy ? 0 : l.unused);
    if (l.held.size === 0 && (!l.busy || l.unused === 0))
      statement(this.#db, 'DELETE FROM budget_holds WHERE counter = ? AND hold = ?').run(counter, this.#me);
    else
      statement(
        this.#db,
        'UPDATE budget_holds SET amount = MAX(0, amount - ?), expires_at = MAX(expires_at, ?) WHERE counter = ? AND hold = ?',
      ).run(back, now + LEASE_TTL_MS, counter, this.#me);
  }

  #localOf(item: Pick<HoldItem, 'counter' | 'resetsAt'>, now: number): Local {
    let l = this.#local.get(item.counter);
    if (l === undefined) {
      l = {
        unused: 0,
        held: new Map(),
        spend: 0,
        giveBack: 0,
        resetsAt: item.resetsAt,
        busy: false,
        chunk: CHUNK_HOLDS,
      };
      this.#local.set(item.counter, l);
    } else if (now > 0) this.#held(item.counter, now);
    return l;
  }

  /** Leases of processes that died and counters of windows long past, once a minute at most. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    statement(this.#db, 'DELETE FROM budget_holds WHERE expires_at <= ?').run(now);
    statement(this.#db, 'DELETE FROM budget_counters WHERE resets_at < ?').run(now - KEEP_AFTER_RESET_MS);
  }

  #schedule(ms = this.#flushIntervalMs): void {
    if (this.#closed) return;
    const due = Date.now() + ms;
    if (this.#timer !== undefined) {
      if (this.#timerDue <= due) return;
      clearTimeout(this.#timer);
    }
    this.#timerDue = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flushNow();
    }, ms);
    this.#timer.unref();
  }

  #failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.#problem === message) return;
    this.#problem = message;
    this.#warn(
      `cannot write budgets to the state store ${this.#location}: ${message}; requests are served without budget holds until it can be written`,
    );
  }

  #worked(): void {
    if (this.#problem === undefined) return;
    this.#problem = undefined;
    this.#warn(`budgets can be written to the state store ${this.#location} again`);
  }
}

/** Soft items whose counter had no room when the lease was taken. */
function softOver(items: readonly HoldItem[], before: readonly CounterState[]): number[] {
  const out: number[] = [];
  for (const [i, item] of items.entries()) if (item.soft && !hasRoom(before[i]!, item.limit)) out.push(i);
  return out;
}
