// Budget writes a Sentinel-watched master acknowledged but no replica has yet: replication is asynchronous, so a
// failover would drop them (docs/replicas.md#redis-cluster-and-sentinel). They are kept until a replica's
// acknowledged offset passes them, and sent again, in their order, to whichever master the connection reaches next,
// before any new reserve there: the holds still open, then the settles. Sending one again adds nothing twice: a hold
// is the same field set again, and the settle script applies a settle only once (its sequence number or its id).
import { sameConnections } from './client.ts';

/** What `INFO replication` says of the server a connection is on. */
export interface Replication {
  role: string;
  /** The master's replication offset once our writes so far are in it. */
  offset: number;
  /** The furthest offset an online replica has acknowledged (undefined: none is online). */
  acked: number | undefined;
}

/** Reads `INFO replication`: the role, `master_repl_offset`, and each `slaveN:…,state=online,offset=N` line. */
export function parseReplication(info: string): Replication {
  let role = '';
  let offset = NaN;
  let acked: number | undefined;
  for (const line of info.split(/\r?\n/)) {
    const [name, value = ''] = line.split(':', 2) as [string, string?];
    if (name === 'role') role = value.trim();
    else if (name === 'master_repl_offset') offset = Number(value);
    else if (/^slave\d+$/.test(name)) {
      const fields = new Map(value.split(',').map((kv) => kv.split('=', 2) as [string, string]));
      const at = Number(fields.get('offset'));
      if (fields.get('state') === 'online' && Number.isFinite(at)) acked = Math.max(acked ?? at, at);
    }
  }
  return { role, offset, acked };
}

/** Most writes kept unconfirmed: a master whose replicas are away for long does not grow this without bound (a
 * failover then has no replica in sync to promote). */
const MAX_UNCONFIRMED = 100_000;

interface Checkpoint {
  /** The master's offset once every write before `upTo` was in it. */
  offset: number;
  upTo: number;
}

export class ReplicationFence<T> {
  /** The connections the unconfirmed writes went on: writes on any other have reached another server. */
  #conn: readonly unknown[] = [];
  /** Sent and acknowledged by the master, not yet by a replica, in send order: numbered from `#confirmedUpTo`. */
  #sent: T[] = [];
  #confirmedUpTo = 0;
  #sentTotal = 0;
  #checkpoints: Checkpoint[] = [];
  /** To send again before anything new, in their first order. */
  #replay: T[] = [];
  #dropped = 0;

  /** Writes neither confirmed nor sent again yet. */
  get waiting(): number {
    return this.#sent.length + this.#replay.length;
  }

  /** Unconfirmed writes given up on because replicas were away too long (a failover then may lose them). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Before a send or a confirmation: on another connection (a reconnect, maybe to a new master) every unconfirmed
   * write is to be sent again, first. */
  onConnection(conn: readonly unknown[]): void {
    if (sameConnections(conn, this.#conn)) return;
    this.#conn = conn;
    this.#replay = [...this.#sent, ...this.#replay];
    this.#sent = [];
    this.#confirmedUpTo = this.#sentTotal;
    this.#checkpoints = [];
  }

  toReplayCount(): number {
    return this.#replay.length;
  }

  /** What to send before anything new (a copy; `resent` says how much of it went). */
  toReplay(): T[] {
    return [...this.#replay];
  }

  /** The first `n` to send again went; those of them still wanted (all, unless said) are unconfirmed again. */
  resent(n: number, kept?: readonly T[]): void {
    const went = this.#replay.splice(0, n);
    this.sent(kept ?? went);
  }

  /** Acknowledged by the master on the current connection. */
  sent(writes: readonly T[]): void {
    this.#sent.push(...writes);
    this.#sentTotal += writes.length;
    const over = this.#sent.length - MAX_UNCONFIRMED;
    if (over > 0) {
      this.#sent.splice(0, over);
      this.#confirmedUpTo += over;
      this.#dropped += over;
    }
  }

  /** How many writes were sent so far: asked before `INFO replication` is sent after them on the same connection. */
  mark(): { conn: readonly unknown[]; upTo: number } {
    return { conn: this.#conn, upTo: this.#sentTotal };
  }

  /** `INFO replication` sent after the writes before `mark.upTo`: once an online replica's acknowledged offset reaches
   * the master's offset then, those writes are on the replica. */
  observe(mark: { conn: readonly unknown[]; upTo: number }, replication: Replication): void {
    if (mark.conn !== this.#conn || replication.role !== 'master' || !Number.isFinite(replication.offset)) return;
    if (mark.upTo > this.#confirmedUpTo) this.#checkpoints.push({ offset: replication.offset, upTo: mark.upTo });
    const acked = replication.acked;
    if (acked === undefined) return;
    let upTo = this.#confirmedUpTo;
    for (const c of this.#checkpoints) if (c.offset <= acked) upTo = Math.max(upTo, c.upTo);
    this.#checkpoints = this.#checkpoints.filter((c) => c.upTo > upTo);
    this.#sent.splice(0, upTo - this.#confirmedUpTo);
    this.#confirmedUpTo = upTo;
  }
}

/** A hold's field as the reserve script wrote it on one counter, to write again. */
export interface HoldWrite {
  hold: string;
  key: string;
  field: string;
  value: string;
  keepUntil: number;
}

/** How the store sends what is to be sent again (its scripts). */
export interface FenceSender<S> {
  holds(batch: readonly HoldWrite[]): Promise<void>;
  settles(batch: readonly S[]): Promise<void>;
}

/** Most writes sent again in one script call. */
const REPLAY_BATCH = 200;
/** How long a master that had a replica in sync and lost it is not trusted alone: a Sentinel failover promotes the
 * replica (which drops the link at once) and tells its clients of the switch within a few seconds; a replica gone
 * longer than this is taken to be away for good, and the master alone is shared again. */
export const REPLICA_GRACE_MS = 10_000;

/** The holds and settles of one budget store, fenced together: one connection, one `INFO replication`. */
export class BudgetFence<S> {
  readonly #holds = new ReplicationFence<HoldWrite>();
  readonly #settles = new ReplicationFence<S>();
  /** Holds taken in Redis and not settled yet: only those are written again. */
  readonly #open = new Set<string>();
  #conn: readonly unknown[] = [];
  /** The master on this connection was seen with a replica in sync; since when it has had none. */
  #expect = false;
  #lostAt: number | undefined;

  /** Whether reserves must find a replica in sync on the master (the reserve script checks). */
  get expectsReplica(): boolean {
    return this.#expect;
  }

  get waiting(): number {
    return this.#holds.waiting + this.#settles.waiting;
  }

  get dropped(): number {
    return this.#holds.dropped + this.#settles.dropped;
  }

  /** Writes to send again before any new one (after `onConnection` saw another connection). */
  get toReplay(): number {
    return this.#holds.toReplayCount() + this.#settles.toReplayCount();
  }

  onConnection(conn: readonly unknown[]): void {
    if (!sameConnections(conn, this.#conn)) {
      this.#conn = conn;
      this.#expect = false;
      this.#lostAt = undefined;
    }
    this.#holds.onConnection(conn);
    this.#settles.onConnection(conn);
  }

  held(hold: string, writes: readonly HoldWrite[]): void {
    this.#open.add(hold);
    this.#holds.sent(writes);
  }

  settling(hold: string): void {
    this.#open.delete(hold);
  }

  sent(settles: readonly S[]): void {
    this.#settles.sent(settles);
  }

  /** The holds still open, then the settles, in their order; throws when Redis does not take them. */
  async replay(send: FenceSender<S>): Promise<void> {
    const holds = this.#holds.toReplay();
    while (holds.length > 0) {
      const batch = holds.splice(0, REPLAY_BATCH);
      const open = batch.filter((w) => this.#open.has(w.hold));
      if (open.length > 0) await send.holds(open);
      this.#holds.resent(batch.length, open);
    }
    const settles = this.#settles.toReplay();
    while (settles.length > 0) {
      const batch = settles.splice(0, REPLAY_BATCH);
      await send.settles(batch);
      this.#settles.resent(batch.length);
    }
  }

  /** Asks the master (after the writes so far, on their connection) how far its replicas have acknowledged. */
  async confirm(info: () => Promise<string>, now: number): Promise<Replication> {
    const marks = [this.#holds.mark(), this.#settles.mark()] as const;
    const conn = this.#conn;
    const replication = parseReplication(await info());
    this.#holds.observe(marks[0], replication);
    this.#settles.observe(marks[1], replication);
    if (conn === this.#conn) this.#observeReplica(replication, now);
    return replication;
  }

  /** Asks the master whether it has a replica in sync without confirming any write: for when a confirmation must
   * wait (a send is on its way) or has nothing to confirm. Until this is known, the reserve script does not check. */
  async learn(conn: readonly unknown[], info: () => Promise<string>, now: number): Promise<void> {
    if (!sameConnections(conn, this.#conn)) return;
    const replication = parseReplication(await info());
    if (sameConnections(conn, this.#conn)) this.#observeReplica(replication, now);
  }

  #observeReplica(replication: Replication, now: number): void {
    if (replication.role === 'master' && replication.acked !== undefined) {
      this.#expect = true;
      this.#lostAt = undefined;
    } else if (this.#expect) {
      this.#lostAt ??= now;
      if (now - this.#lostAt > REPLICA_GRACE_MS) this.#expect = false;
    }
  }
}
