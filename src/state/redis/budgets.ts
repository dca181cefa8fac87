// Budgets in Redis, shared by every replica: a reserve is one Lua script (atomic on the server) that reads each
// counter's spend and live holds and takes the new hold only when every hard counter has room; settles are queued and
// sent by a timer. A Redis that does not answer within a short bound counts as down: each replica then holds budgets
// on its own book under `budgets.on_store_outage` and writes what it spent back once it answers
// (docs/budgets.md#when-the-store-is-down).
import { randomUUID } from 'node:crypto';
import type { RedisClient } from './client.ts';
import { hasRoom } from '../budget-store.ts';
import type { BudgetStore, CounterState, HoldItem, ReserveResult, Seed, Spend } from '../budget-store.ts';
import { DEFAULT_STORE_OUTAGE_POLICY, type StoreOutagePolicy } from '../../config/budgets-schema.ts';
import { OutageBook, type OutstandingHold, type TheirReads } from './budget-outage-book.ts';
import { AbsentReplicas } from './budget-absent.ts';
import { beat, leave, PRESENCE_TTL_MS } from './replicas.ts';
import { bounded } from './bounded.ts';
import { connections, isReady, readiness as redisReadiness } from './client.ts';
import { BudgetFence, type HoldWrite, type Replication } from './budget-fence.ts';

/** A counter is one hash: `spent`, a field `h:REPLICA/HOLD` = `AMOUNT:EXPIRES_AT` per hold, a field `r:REPLICA`
 * per live replica = spent + held as its last reserve read it, and a field `s:REPLICA` per replica that settled on it =
 * the sequence number of its last settle applied (SETTLE). Holds that ran out are dropped as they are met; a hold
 * whose replica's presence lapsed (killed mid-call) is kept, for its settle should that replica be back, but no longer
 * counts; reads of replicas no longer live are dropped. Each item's answer also says how far behind this read the other
 * live replicas' last reads are, summed: what their outage shares may count twice; and the last reads of the replicas
 * named in ARGV[6] (`ID=READ`, comma-separated), which this replica holds back for. KEYS: the counters, then the
 * presence set; ARGV: the hold's field, now, when it runs out, this replica's id, the time on this replica's clock
 * (presence is kept and judged in the replicas' clocks, as their beats keep it, never in a caller's `now`), the
 * replicas (comma-separated) whose presence lapsed in an outage and which may yet be back, `1` when the master is
 * expected to have a replica in sync (budget-fence.ts: else it answers `{2}` and takes nothing, as its writes may be
 * about to be dropped by a failover), then four per counter. */
const RESERVE = `
if ARGV[7] == '1' and not string.find(redis.call('INFO', 'replication'), 'state=online', 1, true) then return {2} end
local hold = ARGV[1]
local now = tonumber(ARGV[2])
local expires = ARGV[3]
local self = ARGV[4]
local seenAt = tonumber(ARGV[5])
local liveSince = seenAt - ${PRESENCE_TTL_MS}
local presence = KEYS[#KEYS]
local n = #KEYS - 1
local selfRead = 'r:' .. self
local out = {1}
local soft = {}
local after = {}
local live = {[self] = true}
local expected = {}
for id in string.gmatch(ARGV[6], '[^,]+') do
  live[id] = true
  expected[id] = true
end
local function alive(id)
  if live[id] == nil then
    local seen = redis.call('ZSCORE', presence, id)
    live[id] = seen ~= false and tonumber(seen) > liveSince
  end
  return live[id]
end
local function counts(field)
  local owner = string.match(field, '^h:([^/]+)/')
  if not owner then return true end
  return alive(owner)
end
for i = 1, n do
  local base = 7 + (i - 1) * 4
  local limit = tonumber(ARGV[base + 1])
  local fields = redis.call('HGETALL', KEYS[i])
  local spent, reserved = 0, 0
  local reads = {}
  local theirs = {}
  for j = 1, #fields, 2 do
    local f, v = fields[j], fields[j + 1]
    if f == 'spent' then
      spent = tonumber(v)
    elseif string.sub(f, 1, 2) == 'r:' then
      local id = string.sub(f, 3)
      if not alive(id) then
        redis.call('HDEL', KEYS[i], f)
      elseif f ~= selfRead then
        reads[#reads + 1] = tonumber(v)
        if expected[id] then theirs[#theirs + 1] = id .. '=' .. v end
      end
    elseif string.sub(f, 1, 2) == 'h:' then
      local sep = string.find(v, ':', 1, true)
      if sep and tonumber(string.sub(v, sep + 1)) > now then
        if counts(f) then reserved = reserved + tonumber(string.sub(v, 1, sep - 1)) end
      else
        redis.call('HDEL', KEYS[i], f)
      end
    end
  end
  if spent + reserved >= limit then
    if ARGV[base + 3] ~= '1' then
      return {0, i - 1, tostring(spent), tostring(reserved)}
    end
    soft[#soft + 1] = i - 1
  end
  after[i] = spent + reserved + tonumber(ARGV[base + 2])
  local behind = 0
  for _, r in ipairs(reads) do
    if after[i] > r then behind = behind + after[i] - r end
  end
  out[#out + 1] = tostring(spent)
  out[#out + 1] = tostring(reserved)
  out[#out + 1] = tostring(behind)
  out[#out + 1] = table.concat(theirs, ',')
end
for i = 1, n do
  local base = 7 + (i - 1) * 4
  redis.call('HSET', KEYS[i], 'h:' .. hold, ARGV[base + 2] .. ':' .. expires, selfRead, tostring(after[i]))
  redis.call('PEXPIREAT', KEYS[i], ARGV[base + 4])
end
-- The holder is present from its first hold on, before its first beat: its holds count for every replica.
redis.call('ZADD', presence, seenAt, self)
out[#out + 1] = table.concat(soft, ',')
return out
`;

/** KEYS: per settle, its counter and the counter's set of ids written once; ARGV: per settle, its id
 * (`REPLICA/HOLD`), amount, when the keys may go, `1` to write it once under its id (outage spend, kept in a set), else
 * `0`, and its sequence number: applied only when above the last one this replica applied to the counter (field
 * `s:REPLICA`). Either way one sent again — a retry after a timeout that did reach Redis, or a write sent again after a
 * failover (budget-fence.ts) — adds nothing twice, whether or not its hold is still there. */
const SETTLE = `
for i = 1, #KEYS / 2 do
  local key, done = KEYS[2 * i - 1], KEYS[2 * i]
  local base = (i - 1) * 5
  local id = ARGV[base + 1]
  local apply
  if ARGV[base + 4] == '1' then
    apply = redis.call('SADD', done, id) == 1
    if apply then redis.call('PEXPIREAT', done, ARGV[base + 3]) end
  else
    local mark = 's:' .. (string.match(id, '^([^/]*)/') or '')
    apply = tonumber(ARGV[base + 5]) > (tonumber(redis.call('HGET', key, mark)) or 0)
    if apply then redis.call('HSET', key, mark, ARGV[base + 5]) end
  end
  redis.call('HDEL', key, 'h:' .. id)
  local amount = tonumber(ARGV[base + 2])
  if apply and amount > 0 then redis.call('HINCRBY', key, 'spent', amount) end
  redis.call('PEXPIREAT', key, ARGV[base + 3])
end
return #KEYS / 2
`;

/** KEYS: counters; ARGV: per counter, a hold's field, its value, when the key may go. A hold the reserve script took
 * on a master that a failover may have dropped, written again as it was (budget-fence.ts). */
const HOLD_AGAIN = `
for i = 1, #KEYS do
  local base = (i - 1) * 3
  redis.call('HSET', KEYS[i], ARGV[base + 1], ARGV[base + 2])
  redis.call('PEXPIREAT', KEYS[i], ARGV[base + 3])
end
return #KEYS
`;

/** KEYS: the counter, its seed record; ARGV: the amount, when it was seeded, when the keys may go. Sets `spent` only
 * while the counter has none (HSETNX), so of replicas racing to seed it one does. */
const SEED = `
if redis.call('HSETNX', KEYS[1], 'spent', ARGV[1]) == 0 then return 0 end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[1] .. ':' .. ARGV[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
return 1
`;

/** Why budgets stop being shared when a fenced master has lost its replica. */
const NO_REPLICA = 'the master has lost its replica: a failover may be under way, and would drop what it takes now';

/** Why budgets stop being shared when the sentinels say the master has no replica and is not theirs, or is failing. */
const LEFT_ALONE =
  'the master has no replica and the sentinels name another, or find it down and fail it over: what it takes now a failover would drop';

/** Counters outlive their window by a week, so `usage budgets` still shows the last one. */
const KEEP_AFTER_RESET_MS = 7 * 24 * 3_600_000;
/** Most settles sent in one script call. */
const SETTLE_BATCH = 200;
/** Rounds of carrying the outage book's holds into Redis when it answers again: each carries those taken during the
 * last one's round trip. */
const CARRY_ROUNDS = 3;
/** How long a budget command may take before Redis counts as down for budgets: a paused server must not hold a
 * request longer than this (docs/budgets.md#when-the-store-is-down). */
export const DEFAULT_BUDGET_TIMEOUT_MS = 250;
/** While down, how often Redis is tried again; while up, how often this replica says it is live. */
const PROBE_MS = 250;
const BEAT_MS = 250;
/** How often (in ticks) the state directory is looked at for outage spend a process that ended left there. */
const ADOPT_EVERY_TICKS = 8;
/** Work off the request path (the presence beat, the write-back) may take this many times the bound: a Redis slow
 * under load is not taken for down by the probe that would bring budgets back. */
const OFF_PATH_FACTOR = 4;

type BudgetRedis = RedisClient & {
  budgetReserve(numKeys: number, ...args: (string | number)[]): Promise<(number | string)[]>;
  budgetSettle(numKeys: number, ...args: (string | number)[]): Promise<number>;
  budgetSeed(numKeys: number, ...args: (string | number)[]): Promise<number>;
  budgetHoldAgain(numKeys: number, ...args: (string | number)[]): Promise<number>;
};

type Refused = Extract<ReserveResult, { ok: false }>;

/** A settle of a hold taken in Redis, waiting to be sent: numbered in the order it is sent. */
interface QueuedSpend extends Spend {
  hold: string;
  seq: number;
}

/** One settle as the script takes it: written once under its id (`once`), or by its sequence number. */
interface Settle {
  id: string;
  counter: string;
  amount: number;
  resetsAt: number;
  once: boolean;
  seq: number;
}

/** The limits a reserve's script was held to, and when the share held back for absent replicas ends. */
interface HeldTo {
  limits: number[];
  until: number | undefined;
}

/** A refusal the limit itself would not have made is the share held back's, and ends when the hold-back does: judged
 * by the limit the script was held to, so a hold-back that ended meanwhile still says "try again", now. */
function heldBackOr(result: Refused, item: HoldItem, here: number, until: number | undefined): Refused {
  if (here >= item.limit || until === undefined || !hasRoom(result.state, item.limit)) return result;
  return { ...result, heldBack: { amount: item.limit - here, until } };
}

export interface RedisBudgetStoreOptions {
  prefix: string;
  flushIntervalMs?: number;
  /** How long a budget command may take before Redis counts as down (default 250 ms). */
  timeoutMs?: number;
  /** The state directory: what is spent during an outage is kept there until written back. */
  outageDir?: string | undefined;
  /** Which Redis (URL with the password masked): in the log and the kept outage file. */
  location?: string;
  /** Keep each settle until a replica of the master acknowledges it, and send it again after a reconnect (a
   * Sentinel-watched master: a failover drops what the replica had not received). */
  fenceWrites?: boolean;
  /** Fenced: whether a master with no replica online may take budget writes alone (sentinel-check.ts): not one the
   * sentinels no longer name (the client then reconnects), nor one they find down or fail over. */
  checkMaster?: () => Promise<boolean>;
  warn?: (message: string) => void;
  now?: () => number;
}

export class RedisBudgetStore implements BudgetStore {
  readonly #redis: BudgetRedis;
  readonly #prefix: string;
  readonly #flushIntervalMs: number;
  readonly #timeoutMs: number;
  readonly #location: string;
  readonly #warn: (message: string) => void;
  readonly #now: () => number;
  readonly #id = randomUUID();
  readonly #book: OutageBook;
  /** Replicas that may be spending their outage share unseen: their share is held back here. */
  readonly #absent = new AbsentReplicas();
  /** When each replica was last seen, by the last beat while shared (the replicas before an outage), and by the
   * last beat at all. */
  #members = new Map<string, number>();
  #seen = new Map<string, number>();
  #policy: StoreOutagePolicy = DEFAULT_STORE_OUTAGE_POLICY;
  #queue: QueuedSpend[] = [];
  /** The book's holds whose carry into Redis was sent but not answered (a timeout on a loaded machine): Redis may hold
   * them, so each one's settle into the book also releases its copy there. */
  readonly #carriedMaybe = new Map<string, OutstandingHold['items']>();
  /** The last settle's sequence number: each is applied once, in this order (SETTLE). */
  #seq = 0;
  /** Holds and settles the master took and no replica has acknowledged yet, when `fenceWrites`. */
  readonly #fence: BudgetFence<Settle> | undefined;
  readonly #checkMaster: (() => Promise<boolean>) | undefined;
  #saidDropped = false;
  /** Since when budgets are not shared; whether the log has said so. */
  #downSince: number | undefined;
  #said = false;
  #why = '';
  #timer: NodeJS.Timeout | undefined;
  readonly #tick: NodeJS.Timeout;
  #ticking = false;
  #lastBeat = 0;
  #ticks = 0;
  #flushing: Promise<void> | undefined;
  #closed = false;

  constructor(redis: RedisClient, options: RedisBudgetStoreOptions) {
    this.#prefix = `${options.prefix}budget:`;
    this.#flushIntervalMs = options.flushIntervalMs ?? 50;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_BUDGET_TIMEOUT_MS;
    this.#location = options.location ?? 'redis';
    this.#warn = options.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
    this.#now = options.now ?? Date.now;
    this.#fence = options.fenceWrites === true ? new BudgetFence<Settle>() : undefined;
    this.#checkMaster = options.checkMaster;
    redis.defineCommand('budgetReserve', { lua: RESERVE });
    redis.defineCommand('budgetSettle', { lua: SETTLE });
    redis.defineCommand('budgetSeed', { lua: SEED });
    redis.defineCommand('budgetHoldAgain', { lua: HOLD_AGAIN });
    this.#redis = redis as BudgetRedis;
    this.#book = new OutageBook({
      id: this.#id,
      dir: options.outageDir,
      source: `${this.#location}#${options.prefix}`,
      warn: this.#warn,
      now: this.#now,
      heldBack: (counter, limit, readOf) =>
        this.#absent.heldBackAtOutage(counter, limit, this.#members, this.#now(), readOf),
    });
    this.#adopt();
    this.#tick = setInterval(() => void this.#onTick(), PROBE_MS);
    this.#tick.unref();
  }

  setOutagePolicy(policy: StoreOutagePolicy): void {
    this.#policy = policy;
  }

  /** Live replicas as last counted in Redis (frozen during an outage: the share is of those). */
  replicas(): number {
    return this.#book.replicas;
  }

  heldLocallySince(): number | undefined {
    if (this.#downSince === undefined) return undefined;
    // Another process on this state directory (the gateway, seen from the CLI) may have been holding longer.
    return Math.min(this.#downSince, this.#book.othersSince ?? Infinity);
  }

  heldLocallyCap(counter: string, limit: number, soft: boolean): number | undefined {
    if (this.#downSince === undefined) return undefined;
    return this.#book.cap(this.#policy, counter, limit, soft);
  }

  async reserve(hold: string, items: readonly HoldItem[], now: number, expiresAt: number): Promise<ReserveResult> {
    if (this.#fence !== undefined && this.#shared()) await this.#replayFirst();
    if (this.#shared()) {
      // What the script is held to, kept: a beat while it runs may see an absent replica's presence lapse, and its
      // refusal is still the share's (issue 51: read afresh, it became "is spent" until the window's end).
      const heldTo = this.#heldTo(items);
      try {
        const reply = await bounded(
          this.#redis.budgetReserve(items.length + 1, ...this.#reserveArgs(hold, items, heldTo.limits, now, expiresAt)),
          this.#timeoutMs,
        );
        if (Number(reply[0]) === 2) {
          // Nothing taken: this master lost its replica, and what it takes now a failover may drop.
          this.#markDown(NO_REPLICA, now);
          return this.#book.reserve(this.#policy, hold, items, now, expiresAt, now + PROBE_MS);
        }
        const { result, behind, theirs } = parseReserve(reply, items.length);
        this.#book.remember(items, result, behind, theirs);
        if (!result.ok) return heldBackOr(result, items[result.refused]!, heldTo.limits[result.refused]!, heldTo.until);
        this.#fence?.held(hold, this.#holdWrites(hold, items, expiresAt));
        return result;
      } catch (err) {
        this.#markDown(message(err), now);
        // The script may yet run when Redis wakes: its hold is released then (after it, on the same connection).
        for (const item of items)
          this.#queue.push({ hold, counter: item.counter, amount: 0, resetsAt: item.resetsAt, seq: ++this.#seq });
      }
    }
    return this.#book.reserve(this.#policy, hold, items, now, expiresAt, now + PROBE_MS);
  }

  settle(hold: string, spends: readonly Spend[]): void {
    this.#fence?.settling(hold);
    if (this.#book.owns(hold)) {
      this.#book.settle(hold, spends);
      const carried = this.#carriedMaybe.get(hold);
      if (carried !== undefined) this.#releaseCarried(hold, carried);
    } else if (this.#closed) return;
    else for (const s of spends) this.#queue.push({ ...s, hold, seq: ++this.#seq });
    this.#schedule();
  }

  async read(counters: readonly string[], now: number): Promise<CounterState[]> {
    if (this.#shared()) {
      try {
        await this.flush();
        const pipeline = this.#redis.pipeline();
        for (const c of counters) pipeline.hgetall(this.#key(c)).get(this.#seedKey(c));
        const seenAt = this.#now();
        pipeline.zrangebyscore(this.#replicasKey(), `(${seenAt - PRESENCE_TTL_MS}`, '+inf');
        const replies = (await bounded(pipeline.exec(), this.#timeoutMs)) ?? [];
        const [liveErr, present] = replies[2 * counters.length] ?? [null, []];
        if (liveErr) throw liveErr;
        const expected = this.#absent.expected(seenAt);
        const live = new Set([this.#id, ...(present as string[]), ...expected]);
        const behind: number[] = [];
        const theirs: Map<string, number>[] = [];
        const states = counters.map((_, i) => {
          const [err, fields] = replies[2 * i] ?? [null, {}];
          const [seedErr, seed] = replies[2 * i + 1] ?? [null, null];
          if (err) throw err;
          if (seedErr) throw seedErr;
          const state = counterState(fields as Record<string, string>, now, live);
          behind.push(othersBehind(fields as Record<string, string>, this.#id, state, live));
          theirs.push(readsOf(fields as Record<string, string>, expected));
          return withSeed(state, seed);
        });
        this.#book.rememberStates(counters, states, now + 86_400_000, behind, theirs);
        if (this.#shared()) return states;
      } catch (err) {
        this.#markDown(message(err), now);
      }
    }
    return this.#book.read(this.#policy, counters, now);
  }

  /** Not while Redis does not answer: the next start or reload seeds it (a counter spent on meanwhile is not). */
  async seed(counter: string, seed: Seed, resetsAt: number): Promise<boolean> {
    if (!this.#shared()) return false;
    try {
      const keys = [this.#key(counter), this.#seedKey(counter)];
      const done = this.#redis.budgetSeed(2, ...keys, seed.amount, seed.at, resetsAt + KEEP_AFTER_RESET_MS);
      return (await bounded(done, this.#timeoutMs * OFF_PATH_FACTOR)) === 1;
    } catch (err) {
      this.#markDown(message(err), this.#now());
      return false;
    }
  }

  /** Sends what is queued (the outage spend first); a Redis that does not take it counts as down. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => {});
    if (this.#waiting() === 0 || !this.#shared()) return;
    this.#flushing = this.#send()
      .catch((err: unknown) => this.#markDown(message(err), this.#now()))
      .finally(() => (this.#flushing = undefined));
    await this.#flushing;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush().catch(() => {});
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#tick);
    this.#book.close();
    if (this.#book.pending() > 0)
      this.#warn(
        `budget spend made while Redis at ${this.#location} did not answer is not written to it yet; it is kept beside the state file, and the next switchyard there writes it once Redis answers`,
      );
    if (this.#downSince === undefined)
      await bounded(leave(this.#redis, this.#replicasKey(), this.#id), this.#timeoutMs).catch(() => {});
  }

  #shared(): boolean {
    if (this.#downSince !== undefined) return false;
    const readiness = redisReadiness(this.#redis);
    if (readiness === 'ready') return true;
    this.#markDown(`Redis is ${readiness}`, this.#now());
    return false;
  }

  #waiting(): number {
    return this.#queue.length + this.#book.pending() + (this.#fence?.toReplay ?? 0);
  }

  /** Budgets stop being shared; said by the next tick unless Redis answers by then (a connection still being made at
   * start is no outage worth a line). */
  #markDown(why: string, now: number): void {
    this.#why = why;
    if (this.#downSince !== undefined) return;
    this.#downSince = now;
    this.#book.begin(now);
  }

  #sayDown(): void {
    if (this.#said || this.#downSince === undefined) return;
    this.#said = true;
    this.#warn(
      `budgets are no longer shared: Redis at ${this.#location} does not answer (${this.#why}); until it does, this process holds each budget ${policyWords(this.#policy, this.#book.replicas)}`,
    );
  }

  /** Redis answers and what was spent meanwhile is in the shared counters. The other replicas may still be spending
   * their share: it is held back until each beats again. */
  #up(): void {
    if (this.#downSince === undefined) return;
    this.#absent.afterOutage(
      this.#id,
      this.#members,
      this.#seen,
      { at: this.#downSince, reads: this.#book.reads(), replicas: this.#book.replicas },
      this.#now(),
    );
    this.#downSince = undefined;
    this.#book.end(this.#now());
    if (this.#said)
      this.#warn(
        `budgets are shared again through Redis at ${this.#location}: what this process spent while it did not answer is added to the shared counters`,
      );
    this.#said = false;
  }

  /** While down: try Redis again (a presence beat, then the write-back). While up: say this replica is live. */
  async #onTick(): Promise<void> {
    if (this.#closed || this.#ticking) return;
    this.#ticking = true;
    const now = this.#now();
    try {
      this.#book.touch(now);
      if (++this.#ticks % ADOPT_EVERY_TICKS === 0) this.#adopt();
      if (this.#downSince !== undefined) {
        if (!isReady(this.#redis) || !(await this.#replicaInSync(now))) return this.#sayDown();
        // The write-back before the beat: a replica seen again has its outage spend in the counters, and its holds
        // still out are held there (those taken during the beat too, before it counts as back).
        await this.#sendNow();
        await this.#carryHolds();
        await this.#beat(now);
        await this.#carryHolds();
        // What settled during the beat goes at once after it: waiting for a tick with nothing left to send would keep
        // a replica under steady load on its own book, on an ever older read, for as long as the load lasts.
        this.#up();
        await this.flush();
      } else if (isReady(this.#redis)) {
        if (now - this.#lastBeat >= BEAT_MS) await this.#beat(now);
        await this.#confirm();
      }
    } catch (err) {
      this.#markDown(message(err), now);
      this.#sayDown();
    } finally {
      this.#ticking = false;
    }
  }

  /** The book's holds still out, held in Redis as a reserve there would have held them: else, until they settle, the
   * counters leave out what they may spend, and every replica admits past the cap by as many. A hold settled while
   * its write was on the way is released at once; its spend is in the outage spend. Holds taken meanwhile are carried
   * by the next round, up to a few under steady load. */
  async #carryHolds(): Promise<void> {
    for (let round = 0; round < CARRY_ROUNDS; round++) {
      const held = this.#book.outstanding(this.#now());
      if (held.length === 0) return;
      const writes = held.map((h) => ({ ...h, writes: this.#holdWrites(h.hold, h.items, h.expiresAt) }));
      const all = writes.flatMap((w) => w.writes);
      // Sent is maybe held: a write that times out may still have run (else a hold settled meanwhile stays in Redis).
      for (const w of writes) this.#carriedMaybe.set(w.hold, w.items);
      for (let i = 0; i < all.length; i += SETTLE_BATCH) await this.#holdAgain(all.slice(i, i + SETTLE_BATCH));
      for (const w of writes) {
        // Gone from the map: it settled during the write, and its settle released it (#releaseCarried).
        if (!this.#carriedMaybe.delete(w.hold)) continue;
        this.#book.handOver(w.hold);
        this.#fence?.held(w.hold, w.writes);
      }
    }
  }

  /** A carried hold that settled into the book (its spend is in the outage spend): its copy in Redis is released by
   * an empty settle. */
  #releaseCarried(hold: string, items: OutstandingHold['items']): void {
    this.#carriedMaybe.delete(hold);
    for (const item of items)
      this.#queue.push({ hold, counter: item.counter, amount: 0, resetsAt: item.resetsAt, seq: ++this.#seq });
  }

  /** Outage spend kept by a process that ended (this one before a restart): written back from here. Kept while the
   * store is down (it counts against this replica's share), sent at once while it is up. */
  #adopt(): void {
    if (!this.#book.adopt()) return;
    if (this.#downSince === undefined) {
      this.#book.end(this.#now());
      this.#schedule();
    }
  }

  async #beat(now: number): Promise<void> {
    this.#lastBeat = now;
    this.#seen = await bounded(
      beat(this.#redis, this.#replicasKey(), this.#id, now),
      this.#timeoutMs * OFF_PATH_FACTOR,
    );
    // Frozen while down: the share is of the replicas live before the outage.
    if (this.#downSince !== undefined) return;
    this.#members = this.#seen;
    this.#book.replicas = this.#seen.size;
    this.#absent.observe(this.#id, this.#seen, { at: now, reads: this.#book.reads(), replicas: this.#book.replicas });
  }

  /** One send at a time, whoever asks (a flush, the tick while down). */
  async #sendNow(): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => {});
    this.#flushing = this.#send().finally(() => (this.#flushing = undefined));
    await this.#flushing;
  }

  /** What a master took and its replica may not have (when fenced) first, in its order; then the outage spend (under
   * its ids, once); then the queued settles. Throws when Redis does not take them. */
  async #send(): Promise<void> {
    this.#fence?.onConnection(connections(this.#redis));
    await this.#fence?.replay({ holds: (b) => this.#holdAgain(b), settles: (b) => this.#settleScript(b) });
    const outage = this.#book.toWrite();
    while (outage.length > 0) {
      const batch = outage.slice(0, SETTLE_BATCH).map((s) => ({ ...s, once: true, seq: 0 }));
      await this.#settleScript(batch);
      this.#fence?.sent(batch);
      this.#book.written(batch.length);
    }
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, SETTLE_BATCH).map((s) => ({
        id: this.#field(s.hold),
        counter: s.counter,
        amount: s.amount,
        resetsAt: s.resetsAt,
        once: false,
        seq: s.seq,
      }));
      await this.#settleScript(batch);
      this.#fence?.sent(batch);
      this.#queue.splice(0, batch.length);
    }
  }

  /** Fenced, on a connection other than the last one's (maybe to a new master): what the last one's master may not
   * have passed on is sent first, before this reserve is counted against it. */
  async #replayFirst(): Promise<void> {
    this.#fence!.onConnection(connections(this.#redis));
    if (this.#fence!.toReplay > 0) await this.flush();
  }

  /** Fenced: asks the master how far its replicas have acknowledged, which confirms the writes before it; on another
   * connection than theirs, the unconfirmed ones are sent again at once. */
  async #confirm(): Promise<void> {
    const fence = this.#fence;
    if (fence === undefined) return;
    // Not while a send is on its way: what it sends again is taken off the list by position. Whether the master has a
    // replica to expect is learnt all the same: until it is, its reserves are not checked for one, and under steady
    // load every tick can meet a send.
    if (fence.waiting === 0 || this.#flushing !== undefined) {
      // With nothing unconfirmed, a new connection has nothing to send again: taken as the fence's at once.
      if (this.#flushing === undefined) fence.onConnection(connections(this.#redis));
      if (!fence.expectsReplica) await fence.learn(connections(this.#redis), this.#info, this.#now());
      return;
    }
    fence.onConnection(connections(this.#redis));
    if (fence.toReplay > 0) return this.flush();
    const now = this.#now();
    if (!(await this.#aloneOk(await fence.confirm(this.#info, now)))) this.#markDown(LEFT_ALONE, now);
    if (fence.dropped > 0 && !this.#saidDropped) {
      this.#saidDropped = true;
      this.#warn(
        `no replica of the Redis master at ${this.#location} has acknowledged budget writes for a long while; a failover now would lose the oldest of them`,
      );
    }
  }

  /** Fenced: whether the master has the replica it is expected to have (or, past the grace, is trusted alone). */
  async #replicaInSync(now: number): Promise<boolean> {
    const fence = this.#fence;
    if (fence === undefined) return true;
    fence.onConnection(connections(this.#redis));
    if (!fence.expectsReplica && this.#checkMaster === undefined) return true;
    const replication = await fence.confirm(this.#info, now);
    if (!(await this.#aloneOk(replication))) return false;
    // On a demoted master the next write is answered READONLY, and the client reconnects to the new one.
    return replication.role !== 'master' || replication.acked !== undefined || !fence.expectsReplica;
  }

  /** A master with no replica online may be one a failover left behind or is about to: asked whether it may take
   * budget writes alone. */
  async #aloneOk(replication: Replication): Promise<boolean> {
    if (replication.role !== 'master' || replication.acked !== undefined || this.#checkMaster === undefined)
      return true;
    return this.#checkMaster();
  }

  readonly #info = (): Promise<string> => bounded(this.#redis.info('replication'), this.#timeoutMs * OFF_PATH_FACTOR);

  /** The fields a reserve wrote, as HOLD_AGAIN writes them again. */
  #holdWrites(
    hold: string,
    items: readonly Pick<HoldItem, 'counter' | 'amount' | 'resetsAt'>[],
    expiresAt: number,
  ): HoldWrite[] {
    return items.map((item) => ({
      hold,
      key: this.#key(item.counter),
      field: `h:${this.#field(hold)}`,
      value: `${item.amount}:${expiresAt}`,
      keepUntil: item.resetsAt + KEEP_AFTER_RESET_MS,
    }));
  }

  async #holdAgain(batch: readonly HoldWrite[]): Promise<void> {
    const args: (string | number)[] = batch.map((w) => w.key);
    for (const w of batch) args.push(w.field, w.value, w.keepUntil);
    await bounded(this.#redis.budgetHoldAgain(batch.length, ...args), this.#timeoutMs * OFF_PATH_FACTOR);
  }

  async #settleScript(batch: readonly Settle[]): Promise<void> {
    const args: (string | number)[] = [];
    for (const s of batch) args.push(this.#key(s.counter), this.#doneKey(s.counter));
    for (const s of batch) args.push(s.id, s.amount, s.resetsAt + KEEP_AFTER_RESET_MS, s.once ? '1' : '0', s.seq);
    await bounded(this.#redis.budgetSettle(batch.length * 2, ...args), this.#timeoutMs * OFF_PATH_FACTOR);
  }

  #reserveArgs(
    hold: string,
    items: readonly HoldItem[],
    limits: readonly number[],
    now: number,
    expiresAt: number,
  ): (string | number)[] {
    const keys = [...items.map((i) => this.#key(i.counter)), this.#replicasKey()];
    const seenAt = this.#now();
    const args: (string | number)[] = [
      this.#field(hold),
      now,
      expiresAt,
      this.#id,
      seenAt,
      this.#absent.expected(seenAt).join(','),
      this.#fence?.expectsReplica === true ? '1' : '0',
    ];
    items.forEach((item, i) =>
      args.push(limits[i]!, item.amount, item.soft ? '1' : '0', item.resetsAt + KEEP_AFTER_RESET_MS),
    );
    return [...keys, ...args];
  }

  /** Each item's limit here (its share held back taken off) and when the hold-back ends, read once per reserve. */
  #heldTo(items: readonly HoldItem[]): HeldTo {
    return { limits: items.map((item) => this.#limitHere(item)), until: this.#absent.lapsesAt() };
  }

  /** A hard limit less the share held back for replicas that may be spending theirs unseen (under `share`). */
  #limitHere(item: HoldItem): number {
    if (item.soft || this.#policy !== 'share' || this.#absent.size === 0) return item.limit;
    const readOf = (id: string): number | undefined => this.#book.readOf(item.counter, id);
    return Math.max(0, item.limit - this.#absent.holdBack(item.counter, item.limit, readOf));
  }

  #key(counter: string): string {
    return this.#prefix + counter;
  }

  /** A hold's field names this replica: the others stop counting it once its presence lapses. */
  #field(hold: string): string {
    return `${this.#id}/${hold}`;
  }

  /** Ids of settles written once to a counter (outage spend): beside it, not in it, so a reserve never reads them. */
  #doneKey(counter: string): string {
    return `${this.#prefix}done:${counter}`;
  }

  /** What a counter was seeded with: beside it, not in it, so a reserve never reads it as a hold. */
  #seedKey(counter: string): string {
    return `${this.#prefix}seed:${counter}`;
  }

  #replicasKey(): string {
    return `${this.#prefix}replicas`;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush().then(() => {
        if (this.#waiting() > 0 && this.#downSince === undefined) this.#schedule();
      });
    }, this.#flushIntervalMs);
    this.#timer.unref();
  }
}

/** How a replica holds budgets during an outage, in the log's words. */
function policyWords(policy: StoreOutagePolicy, replicas: number): string {
  if (policy === 'local')
    return `on its own count from zero (budgets.on_store_outage: local): ${replicas > 1 ? `the ${replicas} replicas together may spend up to ${replicas} times a budget` : 'other replicas may spend it again'}`;
  if (policy === 'refuse')
    return 'to nothing: budgeted requests are refused until Redis answers (budgets.on_store_outage: refuse)';
  return `to its share of what remained when it last read them (remaining ÷ ${replicas} live replica${replicas === 1 ? '' : 's'}; budgets.on_store_outage: share)`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The script's answer: the reserve's result, and per item how far the other live replicas' reads are behind and the
 * reads of those held back for. */
function parseReserve(
  reply: (number | string)[],
  n: number,
): { result: ReserveResult; behind: number[]; theirs: TheirReads[] } {
  if (Number(reply[0]) === 0) {
    const state = { spent: Number(reply[2]), reserved: Number(reply[3]) };
    return { result: { ok: false, refused: Number(reply[1]), state }, behind: [], theirs: [] };
  }
  const before: CounterState[] = [];
  const behind: number[] = [];
  const theirs: TheirReads[] = [];
  for (let i = 0; i < n; i++) {
    before.push({ spent: Number(reply[1 + 4 * i]), reserved: Number(reply[2 + 4 * i]) });
    behind.push(Number(reply[3 + 4 * i]));
    theirs.push(parseTheirs(String(reply[4 + 4 * i] ?? '')));
  }
  const soft = String(reply[1 + 4 * n] ?? '');
  return { result: { ok: true, softOver: soft === '' ? [] : soft.split(',').map(Number), before }, behind, theirs };
}

/** `ID=READ,…` as the reserve script lists the reads of the replicas held back for. */
function parseTheirs(list: string): TheirReads {
  const reads = new Map<string, number>();
  for (const pair of list === '' ? [] : list.split(',')) {
    const at = pair.lastIndexOf('=');
    reads.set(pair.slice(0, at), Number(pair.slice(at + 1)));
  }
  return reads;
}

/** As the reserve script lists them: the last reads of the replicas held back for (`ids`). */
function readsOf(fields: Record<string, string>, ids: readonly string[]): Map<string, number> {
  const reads = new Map<string, number>();
  for (const id of ids) {
    const read = fields[`r:${id}`];
    if (read !== undefined) reads.set(id, Number(read));
  }
  return reads;
}

/** A seed record (`AMOUNT:AT`) on a counter's state. */
function withSeed(state: CounterState, record: unknown): CounterState {
  if (typeof record !== 'string') return state;
  const [amount, at] = record.split(':').map(Number);
  return { ...state, seeded: { amount: amount ?? 0, at: at ?? 0 } };
}

/** As the reserve script sums it: how far behind this read the other live replicas' last reads are. */
function othersBehind(
  fields: Record<string, string>,
  self: string,
  state: CounterState,
  live: ReadonlySet<string>,
): number {
  const at = state.spent + state.reserved;
  let behind = 0;
  for (const [f, v] of Object.entries(fields))
    if (f.startsWith('r:') && f !== `r:${self}` && live.has(f.slice(2))) behind += Math.max(0, at - Number(v));
  return behind;
}

/** As the reserve script counts it: holds that ran out, and those of a replica not `live`, left out. */
function counterState(fields: Record<string, string>, now: number, live: ReadonlySet<string>): CounterState {
  let spent = 0;
  let reserved = 0;
  for (const [f, v] of Object.entries(fields)) {
    if (f === 'spent') spent = Number(v);
    else if (f.startsWith('h:')) {
      const [amount, expires] = v.split(':');
      if (Number(expires) > now && holderLive(f, live)) reserved += Number(amount);
    }
  }
  return { spent, reserved };
}

/** A hold's field `h:REPLICA/HOLD` names its replica; one written before holds did (`h:HOLD`) always counts. */
function holderLive(field: string, live: ReadonlySet<string>): boolean {
  const owner = /^h:([^/]+)\//.exec(field)?.[1];
  return owner === undefined || live.has(owner);
}
