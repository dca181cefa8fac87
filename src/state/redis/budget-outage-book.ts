// A replica's own book of budgets for when Redis does not answer (docs/budgets.md#when-the-store-is-down): the
// counters it last read there, the live replicas it last counted, the holds it took and what it spent since, and that
// spend folded per counter under ids that make its write-back exactly-once. Kept in a file until written back.
import { MemoryBudgetStore } from '../budget-memory.ts';
import { hasRoom, type CounterState, type HoldItem, type ReserveResult, type Spend } from '../budget-store.ts';
import type { StoreOutagePolicy } from '../../config/budgets-schema.ts';
import { outageCap, outageState, type OutageCap } from '../budget-outage.ts';
import type { HeldBack, ReadOf } from './budget-absent.ts';
import {
  outageFilePath,
  outageFiles,
  OUTAGE_FILE_STALE_MS,
  readOutageFile,
  removeOutageFile,
  writeOutageFile,
  type OutageRecord,
  type OutageSpend,
} from './budget-outage-file.ts';

export interface OutageBookOptions {
  /** This process's id: the prefix of its write-back ids. */
  id: string;
  /** The state directory, where the book is kept across a restart; none: kept in memory only. */
  dir?: string | undefined;
  /** Which Redis (URL, password masked, and key prefix) the kept books belong to. */
  source: string;
  warn: (message: string) => void;
  now: () => number;
  /** Under `share`, a hard limit's hold-back for replicas that may be spending their own share unseen
   * (budget-absent.ts), when this replica was holding it back as Redis stopped answering; `readOf` gives each one's
   * last read of the counter as Redis held it, where the last answer said. */
  heldBack?: (counter: string, limit: number, readOf: ReadOf) => HeldBack;
}

/** A hold taken on the book and not settled yet: what it holds on each counter. */
export interface OutstandingHold {
  hold: string;
  expiresAt: number;
  items: { counter: string; amount: number; resetsAt: number }[];
}

interface Read {
  state: CounterState;
  resetsAt: number;
  /** How far the other live replicas' last reads were behind this one, summed (the reserve script says): their shares
   * are taken from less than this read, and count that much twice unless this replica's share leaves it out. */
  behind?: number;
  /** The last reads of the replicas held back for (budget-absent.ts) as Redis kept them, and how much of `behind` each
   * is. */
  theirs?: ReadonlyMap<string, TheirRead>;
}

/** A held-back replica's last read (spent + held), and how far it was behind this replica's read. */
interface TheirRead {
  read: number;
  behind: number;
}

/** Per counter, the last read (spent + held) of each replica held back for, as the script or a read found it. */
export type TheirReads = ReadonlyMap<string, number>;

/** Their reads, with how far each is behind this replica's read `at`. */
function theirReads(reads: TheirReads | undefined, at: number): Map<string, TheirRead> | undefined {
  if (reads === undefined || reads.size === 0) return undefined;
  return new Map([...reads].map(([id, read]) => [id, { read, behind: Math.max(0, at - read) }]));
}

/** How long after a change the file is written: a kill -9 loses at most this much of the outage spend. */
const SAVE_DELAY_MS = 100;

export class OutageBook {
  readonly #options: OutageBookOptions;
  readonly #path: string | undefined;
  /** Own holds and spend since the outage began: what the policy counts against this replica. */
  #memory = new MemoryBudgetStore();
  /** Holds taken here while Redis did not answer; their settles are written back under the batch ids. */
  readonly #holds = new Set<string>();
  readonly #lastRead = new Map<string, Read>();
  /** Spend sealed for sending (ids and amounts fixed), then the open batch per counter, not yet written back. */
  #sealed: OutageSpend[] = [];
  readonly #open = new Map<string, OutageSpend>();
  #batch = 0;
  /** Files of processes that ended during an outage, taken over: removed once their spend is written back. */
  readonly #adopted = new Set<string>();
  #saveTimer: NodeJS.Timeout | undefined;
  #savedAt = 0;
  #saveError: string | undefined;
  replicas = 1;
  since: number | undefined;
  /** Since when another live process on this state directory has held budgets locally, if one has. */
  othersSince: number | undefined;

  constructor(options: OutageBookOptions) {
    this.#options = options;
    this.#path = options.dir === undefined ? undefined : outageFilePath(options.dir, options.id);
  }

  /** What Redis said of the counters of a reserve (before it), the hold it took on them if it did, how far behind
   * that the other replicas' reads are, and the reads of those held back for. */
  remember(
    items: readonly HoldItem[],
    result: ReserveResult,
    behind: readonly number[] = [],
    theirs: readonly TheirReads[] = [],
  ): void {
    if (!result.ok) {
      const item = items[result.refused]!;
      this.#lastRead.set(item.counter, { state: result.state, resetsAt: item.resetsAt });
      return;
    }
    for (const [i, item] of items.entries()) {
      const before = result.before[i]!;
      const state = { spent: before.spent, reserved: before.reserved + item.amount };
      this.#lastRead.set(item.counter, {
        state,
        resetsAt: item.resetsAt,
        behind: behind[i] ?? 0,
        theirs: theirReads(theirs[i], state.spent + state.reserved),
      });
    }
  }

  /** Counters read from Redis as they stand, how far behind that the other replicas' reads are, and the reads of those
   * held back for. */
  rememberStates(
    counters: readonly string[],
    states: readonly CounterState[],
    resetsAt: number,
    behind: readonly number[] = [],
    theirs: readonly TheirReads[] = [],
  ): void {
    for (const [i, counter] of counters.entries()) {
      const state = states[i]!;
      const their = theirReads(theirs[i], state.spent + state.reserved);
      this.#lastRead.set(counter, { state, resetsAt, behind: behind[i] ?? 0, theirs: their });
    }
  }

  begin(now: number): void {
    if (this.since !== undefined) return;
    this.since = now;
    this.#memory = new MemoryBudgetStore();
    this.#sweep(now);
    this.#scheduleSave();
  }

  /** Redis answers again and everything spent meanwhile is written back. That spend is folded into the last reads
   * until the next reserve reads them afresh: a Redis that flaps must not grant a fresh share of a stale read. */
  end(now: number): void {
    for (const counter of this.#memory.counters()) {
      const own = this.#memory.stateOf(counter, now);
      const read = this.#lastRead.get(counter);
      this.#lastRead.set(counter, {
        state: outageState('share', read?.state, own),
        resetsAt: read?.resetsAt ?? now + 86_400_000,
        ...(read?.behind !== undefined ? { behind: read.behind } : {}),
        ...(read?.theirs !== undefined ? { theirs: read.theirs } : {}),
      });
    }
    this.since = undefined;
    this.#memory = new MemoryBudgetStore();
  }

  /** The last reads, as they stand now (what another replica's share is taken from). */
  reads(): Map<string, CounterState> {
    return new Map([...this.#lastRead].map(([counter, read]) => [counter, read.state]));
  }

  /** A held-back replica's last read of a counter as Redis kept it at this replica's last answer. */
  readOf(counter: string, id: string): number | undefined {
    return this.#lastRead.get(counter)?.theirs?.get(id)?.read;
  }

  owns(hold: string): boolean {
    return this.#holds.has(hold);
  }

  /** This replica's cap of a counter under the policy while Redis does not answer (0 where it refuses). */
  cap(policy: StoreOutagePolicy, counter: string, limit: number, soft: boolean): number {
    const cap = this.#capOf(policy, counter, limit, soft);
    return 'refuse' in cap ? 0 : cap.cap;
  }

  /** The policy's cap from this replica's last read of the counter and the replicas it last counted. What the others
   * read is shared from less than this read: the freshest replica leaves their difference out of its own share, so
   * that together they pass no cap however stale a replica's read (a saturated machine, a stalled process). */
  #capOf(policy: StoreOutagePolicy, counter: string, limit: number, soft: boolean): OutageCap {
    const read = this.#lastRead.get(counter);
    // Another outage before the absent replicas are seen: their share stays theirs, and they take no part in this one.
    const back =
      policy === 'share' && !soft
        ? this.#options.heldBack?.(counter, limit, (id) => read?.theirs?.get(id)?.read)
        : undefined;
    // A replica held back for is counted at its share of its own read when that is known: how far that read was
    // behind is in its share already, and is not left out twice.
    let behind = read?.behind ?? 0;
    for (const id of back?.ids ?? []) behind -= read?.theirs?.get(id)?.behind ?? 0;
    const state = read === undefined ? undefined : { ...read.state, reserved: read.state.reserved + behind };
    if (back === undefined || back.amount === 0) return outageCap(policy, limit, soft, state, this.replicas);
    return outageCap(policy, Math.max(0, limit - back.amount), soft, state, this.replicas - back.among);
  }

  /** A reserve while Redis does not answer: against this replica's cap of each counter under the policy. */
  reserve(
    policy: StoreOutagePolicy,
    hold: string,
    items: readonly HoldItem[],
    now: number,
    expiresAt: number,
    /** When Redis is tried again: a refusal only this replica's share made may be asked again then. */
    retryAt: number,
  ): ReserveResult {
    const capped: HoldItem[] = [];
    for (const [i, item] of items.entries()) {
      const cap = this.#capOf(policy, item.counter, item.limit, item.soft);
      if ('refuse' in cap)
        return { ok: false, refused: i, state: this.#state(policy, item.counter, now), unreachable: true };
      capped.push(cap.cap === item.limit ? item : { ...item, limit: cap.cap });
    }
    const result = this.#memory.reserveNow(hold, capped, now, expiresAt);
    if (!result.ok) {
      const item = items[result.refused]!;
      const state = this.#state(policy, item.counter, now);
      // Refused by this replica's share, not by the budget: the outage may end at the next try of Redis.
      const share = capped[result.refused]!.limit;
      if (share < item.limit && hasRoom(state, item.limit))
        return { ...result, state, heldBack: { amount: item.limit - share, until: retryAt, why: 'outage' } };
      return { ...result, state };
    }
    this.#holds.add(hold);
    return { ...result, before: items.map((item) => this.#state(policy, item.counter, now)) };
  }

  /** Holds taken here while Redis did not answer that still count: once Redis answers they are to be held there,
   * or the others (and this replica) would admit against counters that leave them out until they settle. */
  outstanding(now: number): OutstandingHold[] {
    const byHold = new Map<string, OutstandingHold>();
    for (const row of this.#memory.heldNow(now)) {
      if (!this.#holds.has(row.hold)) continue;
      const held = byHold.get(row.hold) ?? { hold: row.hold, expiresAt: row.expiresAt, items: [] };
      held.items.push({ counter: row.counter, amount: row.amount, resetsAt: row.resetsAt });
      byHold.set(row.hold, held);
    }
    return [...byHold.values()];
  }

  /** A hold now held in Redis: its settle goes there as any other's, not into the outage spend. */
  handOver(hold: string): void {
    this.#holds.delete(hold);
    this.#memory.forget(hold);
  }

  /** A hold taken here is over: its spend counts against this replica and waits to be written back. */
  settle(hold: string, spends: readonly Spend[]): void {
    this.#holds.delete(hold);
    this.#memory.settle(hold, spends);
    for (const s of spends) {
      if (s.amount <= 0) continue;
      const open = this.#open.get(s.counter);
      if (open !== undefined) open.amount += s.amount;
      else
        this.#open.set(s.counter, { id: this.#batchId(), counter: s.counter, amount: s.amount, resetsAt: s.resetsAt });
    }
    this.#scheduleSave();
  }

  /** Counters as this replica holds them during an outage. */
  read(policy: StoreOutagePolicy, counters: readonly string[], now: number): CounterState[] {
    return counters.map((c) => this.#state(policy, c, now));
  }

  /** The spend to write back: the batches sealed before, then the open ones, sealed now (their ids and amounts are
   * fixed from here on, so a retry sends exactly what the first try did). */
  toWrite(): readonly OutageSpend[] {
    if (this.#open.size > 0) {
      this.#sealed.push(...this.#open.values());
      this.#open.clear();
      this.#batch += 1;
      this.#scheduleSave();
    }
    return this.#sealed;
  }

  /** The first `n` of toWrite() reached Redis. */
  written(n: number): void {
    this.#sealed.splice(0, n);
    if (this.pending() === 0) for (const path of this.#adopted.keys()) this.#forget(path);
    this.#scheduleSave();
  }

  pending(): number {
    return this.#sealed.length + this.#open.size;
  }

  /** Takes over the books of processes that ended during an outage (a replica restarted mid-outage finds its own):
   * their spend is written back from here; their last reads and replica count serve this process meanwhile. */
  adopt(): boolean {
    const dir = this.#options.dir;
    if (dir === undefined || this.#path === undefined) return false;
    const before = this.#adopted.size;
    this.othersSince = undefined;
    const now = this.#options.now();
    for (const { path, stale } of outageFiles(dir, this.#path, now)) {
      if (this.#adopted.has(path)) continue;
      const record = readOutageFile(path, this.#options.source);
      if (record === undefined) continue;
      for (const [counter, state] of record.lastRead) this.#rememberMost(counter, state, now);
      this.replicas = Math.max(this.replicas, record.replicas);
      if (!stale) {
        this.othersSince = Math.min(this.othersSince ?? record.since, record.since);
        continue;
      }
      this.#adopted.add(path);
      this.since = Math.min(this.since ?? record.since, record.since);
      this.#sealed.push(...record.pending);
      for (const s of record.pending) this.#memory.settle(s.id, [s]);
    }
    if (this.#adopted.size === before) return false;
    this.#scheduleSave();
    return true;
  }

  /** Keeps a live process's file fresh, so that no other process takes it over. */
  touch(now: number): void {
    if (this.pending() > 0 && now - this.#savedAt > OUTAGE_FILE_STALE_MS / 2) this.#save();
  }

  close(): void {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    this.#save();
  }

  #state(policy: StoreOutagePolicy, counter: string, now: number): CounterState {
    const own = this.#memory.stateOf(counter, now);
    return outageState(policy, this.#lastRead.get(counter)?.state, own);
  }

  /** Another process's last read of a counter: the higher one, as it is the later. */
  #rememberMost(counter: string, state: CounterState, now: number): void {
    const known = this.#lastRead.get(counter)?.state;
    if (known !== undefined && known.spent + known.reserved >= state.spent + state.reserved) return;
    this.#lastRead.set(counter, { state, resetsAt: now + 86_400_000 });
  }

  #batchId(): string {
    return `${this.#options.id}:${this.#batch}`;
  }

  /** Counters of windows gone by are forgotten. */
  #sweep(now: number): void {
    for (const [counter, read] of this.#lastRead) if (read.resetsAt < now) this.#lastRead.delete(counter);
  }

  #scheduleSave(): void {
    if (this.#path === undefined || this.#saveTimer !== undefined) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      this.#save();
    }, SAVE_DELAY_MS);
    this.#saveTimer.unref();
  }

  #record(): OutageRecord | undefined {
    // Nothing to write back, nothing to keep: a process that spent nothing leaves no file behind.
    if (this.pending() === 0) return undefined;
    return {
      since: this.since ?? this.#options.now(),
      replicas: this.replicas,
      lastRead: [...this.#lastRead].map(([counter, read]) => [counter, read.state]),
      pending: [...this.#sealed, ...this.#open.values()],
    };
  }

  #save(): void {
    if (this.#path === undefined) return;
    this.#savedAt = this.#options.now();
    const error = writeOutageFile(this.#path, this.#options.source, this.#record());
    if (error !== undefined && this.#saveError === undefined)
      this.#options.warn(
        `could not keep the budget spend made while Redis is unreachable in ${this.#path} (${error}); if this process ends before Redis answers, that spend is not added to the shared budgets`,
      );
    this.#saveError = error;
  }

  #forget(path: string): void {
    this.#adopted.delete(path);
    removeOutageFile(path);
  }
}
