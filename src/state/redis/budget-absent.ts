// What a replica on Redis holds back for the replicas that may be spending their outage share unseen
// (docs/budgets.md#when-the-store-is-down): one cut off from Redis (a partition), or one not back yet after an outage
// this replica is already back from. Until such a replica is seen again (it writes its outage spend back before it
// says it is live), this one admits against the limit less that replica's share, taken from a read made before it
// went missing, so that together they pass no cap. Only until its presence lapses: one killed with -9 never says it
// left, and must not keep its share from the others for longer than the presence set keeps it.
import { outageCap } from '../budget-outage.ts';
import type { CounterState } from '../budget-store.ts';
import { PRESENCE_TTL_MS } from './replicas.ts';

/** A replica not seen for this long (beats are every 250 ms) may be cut off and spending its share. */
export const ABSENT_AFTER_MS = 1_000;
/** Reads kept, one per beat: enough to find one made before a replica that went missing was last seen. */
const SNAPSHOTS = 8;

/** The last reads of the counters and the live replicas, as they stood at one moment. */
export interface ReadSnapshot {
  at: number;
  reads: ReadonlyMap<string, CounterState>;
  replicas: number;
}

/** What is held back for absent replicas: the amount, how many of the live replicas counted they are, and which. */
export interface HeldBack {
  amount: number;
  among: number;
  ids: string[];
}

/** A replica's last read of a counter (spent + held) as Redis kept it at this replica's last answer, if it had one. */
export type ReadOf = (id: string) => number | undefined;

interface Absent {
  /** When it was last seen: seen after this, it is back. */
  seen: number;
  /** When its presence lapses: not seen again by then, it is taken to be gone and its share comes back. */
  lapsesAt: number;
  /** The reads its share is taken from. */
  from: ReadSnapshot;
}

/** An absent replica's share of a hard limit: what remained ÷ the replicas live, at the read it is taken from, or at
 * its own last read when that is older: it shares out what remained when it last read, which leaves it more. */
function shareOf({ from }: Absent, counter: string, limit: number, own: number | undefined): number {
  const snapshot = shareAt(limit, from.reads.get(counter), from.replicas);
  return own === undefined ? snapshot : Math.max(snapshot, shareAt(limit, { spent: own, reserved: 0 }, from.replicas));
}

function shareAt(limit: number, read: CounterState | undefined, replicas: number): number {
  const cap = outageCap('share', limit, false, read, replicas);
  return 'cap' in cap ? cap.cap : 0;
}

const none: ReadOf = () => undefined;

export class AbsentReplicas {
  readonly #absent = new Map<string, Absent>();
  #snapshots: ReadSnapshot[] = [];

  /** A beat's answer while on Redis: replicas seen again, or whose presence lapsed, are no longer held back for, and
   * one not seen for ABSENT_AFTER_MS is held back for from the last read made before it was last seen. */
  observe(self: string, seen: ReadonlyMap<string, number>, now: ReadSnapshot): void {
    this.#snapshots.push(now);
    if (this.#snapshots.length > SNAPSHOTS) this.#snapshots.shift();
    this.#forgetLapsed(seen, now.at);
    for (const [id, at] of seen) {
      if (id === self || this.#absent.has(id) || now.at - at < ABSENT_AFTER_MS) continue;
      this.#absent.set(id, { seen: at, lapsesAt: at + PRESENCE_TTL_MS, from: this.#before(at) });
    }
  }

  /** Back on Redis after an outage (at `now`): every replica live before it may still be spending its share of the
   * same reads this replica's share was taken from, until it beats again. A beat already in Redis says nothing of that:
   * it may be from before that replica lost Redis itself (this one's outage began with a reserve that stalled,
   * earlier). Its presence lapsed during the outage, as this one's did: it has as long as a presence lasts, from now,
   * to be seen again. */
  afterOutage(
    self: string,
    before: ReadonlyMap<string, number>,
    seen: ReadonlyMap<string, number>,
    reads: ReadSnapshot,
    now: number,
  ): void {
    for (const [id, at] of before) {
      if (id === self) continue;
      const known = this.#absent.get(id);
      this.#absent.set(id, {
        seen: Math.max(at, seen.get(id) ?? -Infinity, known?.seen ?? -Infinity),
        lapsesAt: Math.max(now + PRESENCE_TTL_MS, known?.lapsesAt ?? -Infinity),
        from: known?.from ?? reads,
      });
    }
  }

  /** How much of a counter's limit is held back for the absent replicas: each one's share of what remained. */
  holdBack(counter: string, limit: number, readOf: ReadOf = none): number {
    let held = 0;
    for (const [id, absent] of this.#absent) held += shareOf(absent, counter, limit, readOf(id));
    return held;
  }

  /** The same hold-back as this replica's own share is to see it when Redis stops answering again before those
   * replicas are seen: what they may spend, and how many of `live` (the replicas the share is divided among) they
   * are. Their presence lapsing while Redis does not answer ends it, as a beat would have. */
  heldBackAtOutage(
    counter: string,
    limit: number,
    live: ReadonlyMap<string, number>,
    now: number,
    readOf: ReadOf = none,
  ): HeldBack {
    let amount = 0;
    let among = 0;
    const ids: string[] = [];
    for (const [id, absent] of this.#absent) {
      if (now >= absent.lapsesAt) continue;
      amount += shareOf(absent, counter, limit, readOf(id));
      ids.push(id);
      if (live.has(id)) among += 1;
    }
    return { amount, among, ids };
  }

  /** How many replicas are held back for. */
  get size(): number {
    return this.#absent.size;
  }

  /** The replicas held back for whose presence has not lapsed yet at `now`: their holds still count, though the
   * presence set may have dropped them (Redis was down for them as for this one). */
  expected(now: number): string[] {
    const ids: string[] = [];
    for (const [id, { lapsesAt }] of this.#absent) if (now < lapsesAt) ids.push(id);
    return ids;
  }

  /** When the last hold-back ends at the latest (epoch ms): every absent replica's presence has lapsed by then. */
  lapsesAt(): number | undefined {
    let last: number | undefined;
    for (const { lapsesAt } of this.#absent.values()) last = Math.max(last ?? -Infinity, lapsesAt);
    return last;
  }

  /** Seen again (it wrote its outage spend back first), or its presence lapsed (it died): no longer held back for. */
  #forgetLapsed(seen: ReadonlyMap<string, number>, now: number): void {
    for (const [id, absent] of this.#absent)
      if ((seen.get(id) ?? -Infinity) > absent.seen || now >= absent.lapsesAt) this.#absent.delete(id);
  }

  /** The latest snapshot made at or before `at` (the oldest kept if none is). */
  #before(at: number): ReadSnapshot {
    let found = this.#snapshots[0]!;
    for (const s of this.#snapshots) if (s.at <= at) found = s;
    return found;
  }
}
