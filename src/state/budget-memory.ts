// The budget store of one process with nothing written (`openStore({ kind: 'memory' })`, tests, and the stand-in while
// Redis does not answer): counters and holds in maps.
import { EMPTY_COUNTER, hasRoom } from './budget-store.ts';
import type { BudgetStore, CounterState, HoldItem, ReserveResult, Seed, Spend } from './budget-store.ts';

interface Counter {
  spent: number;
  resetsAt: number;
  seeded?: Seed;
  /** hold → amount and when it stops counting. */
  holds: Map<string, { amount: number; expiresAt: number }>;
}

/** Counters are dropped this long after their window ends (they stay readable for a while after the reset). */
const KEEP_AFTER_RESET_MS = 24 * 3_600_000;

export class MemoryBudgetStore implements BudgetStore {
  readonly #counters = new Map<string, Counter>();

  reserve(hold: string, items: readonly HoldItem[], now: number, expiresAt: number): Promise<ReserveResult> {
    return Promise.resolve(this.reserveNow(hold, items, now, expiresAt));
  }

  /** Synchronous, for the Redis store's fallback. */
  reserveNow(hold: string, items: readonly HoldItem[], now: number, expiresAt: number): ReserveResult {
    const before = items.map((item) => this.#state(item.counter, now));
    const softOver: number[] = [];
    for (const [i, item] of items.entries()) {
      if (hasRoom(before[i]!, item.limit)) continue;
      if (!item.soft) return { ok: false, refused: i, state: before[i]! };
      softOver.push(i);
    }
    for (const item of items)
      this.#counter(item.counter, item.resetsAt).holds.set(hold, { amount: item.amount, expiresAt });
    this.#sweep(now);
    return { ok: true, softOver, before };
  }

  settle(hold: string, spends: readonly Spend[]): void {
    for (const s of spends) {
      const c = this.#counter(s.counter, s.resetsAt);
      c.holds.delete(hold);
      c.spent += s.amount;
    }
  }

  read(counters: readonly string[], now: number): Promise<CounterState[]> {
    return Promise.resolve(
      counters.map((c) => {
        const seeded = this.#counters.get(c)?.seeded;
        return { ...this.#state(c, now), ...(seeded !== undefined ? { seeded } : {}) };
      }),
    );
  }

  seed(counter: string, seed: Seed, resetsAt: number): Promise<boolean> {
    const c = this.#counter(counter, resetsAt);
    if (c.spent !== 0 || c.seeded !== undefined) return Promise.resolve(false);
    c.spent = seed.amount;
    c.seeded = { ...seed };
    return Promise.resolve(true);
  }

  /** The holds that still count at `now`, one row per counter each holds (the Redis store's outage book). */
  heldNow(now: number): { hold: string; counter: string; amount: number; expiresAt: number; resetsAt: number }[] {
    const rows = [];
    for (const [counter, c] of this.#counters)
      for (const [hold, h] of c.holds)
        if (h.expiresAt > now)
          rows.push({ hold, counter, amount: h.amount, expiresAt: h.expiresAt, resetsAt: c.resetsAt });
    return rows;
  }

  /** A hold no longer kept here (held elsewhere now), its spend not counted here either. */
  forget(hold: string): void {
    for (const c of this.#counters.values()) c.holds.delete(hold);
  }

  /** Every counter this store has held or settled on. */
  counters(): IterableIterator<string> {
    return this.#counters.keys();
  }

  /** One counter as it stands, synchronously (the Redis store's outage book). */
  stateOf(counter: string, now: number): CounterState {
    return this.#state(counter, now);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  #state(counter: string, now: number): CounterState {
    const c = this.#counters.get(counter);
    if (c === undefined) return { ...EMPTY_COUNTER };
    let reserved = 0;
    for (const [id, h] of c.holds) {
      if (h.expiresAt > now) reserved += h.amount;
      else c.holds.delete(id);
    }
    return { spent: c.spent, reserved };
  }

  #counter(counter: string, resetsAt: number): Counter {
    let c = this.#counters.get(counter);
    if (c === undefined) {
      c = { spent: 0, resetsAt, holds: new Map() };
      this.#counters.set(counter, c);
    }
    return c;
  }

  /** Forgets counters of windows long gone, so a process that runs for months keeps a bounded map. */
  #sweep(now: number): void {
    if (this.#counters.size < 1024) return;
    for (const [key, c] of this.#counters) if (c.resetsAt + KEEP_AFTER_RESET_MS < now) this.#counters.delete(key);
  }
}
