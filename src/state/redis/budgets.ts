// Budgets in Redis, shared by every replica: a reserve is one Lua script (atomic on the server) that reads each
// counter's spend and live holds and takes the new hold only when every hard counter has room; settles are queued and
// sent by a timer. While Redis does not answer, each replica holds against its own memory (said by the state store).
import type { Redis } from 'ioredis';
import { MemoryBudgetStore } from '../budget-memory.ts';
import type { BudgetStore, CounterState, HoldItem, ReserveResult, Spend } from '../budget-store.ts';

/** A counter is one hash: `spent`, and a field `h:HOLD` = `AMOUNT:EXPIRES_AT` per hold. Holds that ran out are
 * dropped as they are met. */
const RESERVE = `
local hold = ARGV[1]
local now = tonumber(ARGV[2])
local expires = ARGV[3]
local n = #KEYS
local out = {1}
local soft = {}
for i = 1, n do
  local base = 3 + (i - 1) * 4
  local limit = tonumber(ARGV[base + 1])
  local fields = redis.call('HGETALL', KEYS[i])
  local spent, reserved = 0, 0
  for j = 1, #fields, 2 do
    local f, v = fields[j], fields[j + 1]
    if f == 'spent' then
      spent = tonumber(v)
    else
      local sep = string.find(v, ':', 1, true)
      if sep and tonumber(string.sub(v, sep + 1)) > now then
        reserved = reserved + tonumber(string.sub(v, 1, sep - 1))
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
  out[#out + 1] = tostring(spent)
  out[#out + 1] = tostring(reserved)
end
for i = 1, n do
  local base = 3 + (i - 1) * 4
  redis.call('HSET', KEYS[i], 'h:' .. hold, ARGV[base + 2] .. ':' .. expires)
  redis.call('PEXPIREAT', KEYS[i], ARGV[base + 4])
end
out[#out + 1] = table.concat(soft, ',')
return out
`;

/** KEYS: counters; ARGV: per key, hold, amount and when the key may go. */
const SETTLE = `
for i = 1, #KEYS do
  local base = (i - 1) * 3
  redis.call('HDEL', KEYS[i], 'h:' .. ARGV[base + 1])
  local amount = tonumber(ARGV[base + 2])
  if amount > 0 then redis.call('HINCRBY', KEYS[i], 'spent', amount) end
  redis.call('PEXPIREAT', KEYS[i], ARGV[base + 3])
end
return #KEYS
`;

/** Counters outlive their window by a week, so `usage budgets` still shows the last one. */
const KEEP_AFTER_RESET_MS = 7 * 24 * 3_600_000;
/** Most settles sent in one script call. */
const SETTLE_BATCH = 200;

type BudgetRedis = Redis & {
  budgetReserve(numKeys: number, ...args: (string | number)[]): Promise<(number | string)[]>;
  budgetSettle(numKeys: number, ...args: (string | number)[]): Promise<number>;
};

interface QueuedSpend extends Spend {
  hold: string;
}

export interface RedisBudgetStoreOptions {
  prefix: string;
  flushIntervalMs?: number;
}

export class RedisBudgetStore implements BudgetStore {
  readonly #redis: BudgetRedis;
  readonly #prefix: string;
  readonly #flushIntervalMs: number;
  /** Where holds go while Redis does not answer; their settles go there too. */
  readonly #local = new MemoryBudgetStore();
  readonly #localHolds = new Set<string>();
  #queue: QueuedSpend[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;

  constructor(redis: Redis, options: RedisBudgetStoreOptions) {
    this.#prefix = `${options.prefix}budget:`;
    this.#flushIntervalMs = options.flushIntervalMs ?? 50;
    redis.defineCommand('budgetReserve', { lua: RESERVE });
    redis.defineCommand('budgetSettle', { lua: SETTLE });
    this.#redis = redis as BudgetRedis;
  }

  async reserve(hold: string, items: readonly HoldItem[], now: number, expiresAt: number): Promise<ReserveResult> {
    if (this.#redis.status === 'ready') {
      try {
        return parseReserve(
          await this.#redis.budgetReserve(items.length, ...this.#reserveArgs(hold, items, now, expiresAt)),
          items.length,
        );
      } catch {
        // Unreachable or timed out: the state store says so; this replica holds against its own memory meanwhile.
      }
    }
    this.#localHolds.add(hold);
    return this.#local.reserveNow(hold, items, now, expiresAt);
  }

  settle(hold: string, spends: readonly Spend[]): void {
    if (this.#localHolds.delete(hold)) {
      this.#local.settle(hold, spends);
      return;
    }
    if (this.#closed) return;
    for (const s of spends) this.#queue.push({ ...s, hold });
    this.#schedule();
  }

  async read(counters: readonly string[], now: number): Promise<CounterState[]> {
    await this.flush();
    const local = await this.#local.read(counters, now);
    if (this.#redis.status !== 'ready') return local;
    const pipeline = this.#redis.pipeline();
    for (const c of counters) pipeline.hgetall(this.#key(c));
    const replies = (await pipeline.exec()) ?? [];
    return counters.map((_, i) => {
      const [err, fields] = replies[i] ?? [null, {}];
      const shared = err === null ? counterState(fields as Record<string, string>, now) : { spent: 0, reserved: 0 };
      return { spent: shared.spent + local[i]!.spent, reserved: shared.reserved + local[i]!.reserved };
    });
  }

  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#queue.length === 0 || this.#redis.status !== 'ready') return;
    this.#flushing = this.#send().finally(() => (this.#flushing = undefined));
    await this.#flushing;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush().catch(() => {});
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #send(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, SETTLE_BATCH);
      const args: (string | number)[] = [];
      for (const s of batch) args.push(this.#key(s.counter));
      for (const s of batch) args.push(s.hold, s.amount, s.resetsAt + KEEP_AFTER_RESET_MS);
      try {
        await this.#redis.budgetSettle(batch.length, ...args);
      } catch {
        // Kept and sent again: a hold left unsettled meanwhile only holds back more than it should until it runs out.
        this.#schedule();
        return;
      }
      this.#queue.splice(0, batch.length);
    }
  }

  #reserveArgs(hold: string, items: readonly HoldItem[], now: number, expiresAt: number): (string | number)[] {
    const keys = items.map((i) => this.#key(i.counter));
    const args: (string | number)[] = [hold, now, expiresAt];
    for (const item of items)
      args.push(item.limit, item.amount, item.soft ? '1' : '0', item.resetsAt + KEEP_AFTER_RESET_MS);
    return [...keys, ...args];
  }

  #key(counter: string): string {
    return this.#prefix + counter;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#flushIntervalMs);
    this.#timer.unref();
  }
}

function parseReserve(reply: (number | string)[], n: number): ReserveResult {
  if (Number(reply[0]) === 0)
    return { ok: false, refused: Number(reply[1]), state: { spent: Number(reply[2]), reserved: Number(reply[3]) } };
  const before: CounterState[] = [];
  for (let i = 0; i < n; i++) before.push({ spent: Number(reply[1 + 2 * i]), reserved: Number(reply[2 + 2 * i]) });
  const soft = String(reply[1 + 2 * n] ?? '');
  return { ok: true, softOver: soft === '' ? [] : soft.split(',').map(Number), before };
}

function counterState(fields: Record<string, string>, now: number): CounterState {
  let spent = 0;
  let reserved = 0;
  for (const [f, v] of Object.entries(fields)) {
    if (f === 'spent') spent = Number(v);
    else {
      const [amount, expires] = v.split(':');
      if (Number(expires) > now) reserved += Number(amount);
    }
  }
  return { spent, reserved };
}
