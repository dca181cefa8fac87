// Health, breakers and client keys in Redis, shared by every process naming the server. A flush is one optimistic
// transaction that re-folds on conflict (docs/architecture.md#state-stores-across-processes).
import type { ChainableCommander } from 'ioredis';
import { connections, sameConnections, type RedisClient } from './client.ts';
import type { HealthRecord } from '../../credentials/types.ts';
import { mergeHealth } from '../merge.ts';
import { foldQueued, resetApplies, resetPatch, type PendingReset } from '../health-cache.ts';
import { isNewerBreaker } from '../breaker-cache.ts';
import type { BreakerRecord, GatewayKeyRecord, HealthPatch } from '../types.ts';

export interface SharedKeys {
  /** Hash: fingerprint → HealthRecord as JSON. */
  records: string;
  /** Hash: provider → BreakerRecord as JSON. */
  breakers: string;
  /** Hash: key id → GatewayKeyRecord as JSON. */
  clientKeys: string;
  /** Counter bumped by every write to either hash. */
  seq: string;
}

export function sharedKeys(prefix: string): SharedKeys {
  return {
    records: `${prefix}health`,
    breakers: `${prefix}breakers`,
    clientKeys: `${prefix}gateway_keys`,
    seq: `${prefix}health:seq`,
  };
}

/** What one flush writes. */
export interface SharedBatch {
  resets: PendingReset[];
  patches: Map<string, HealthPatch[]>;
  breakers: Map<string, BreakerRecord>;
  clientKeys: Map<string, GatewayKeyRecord>;
  /** Health records to forget (fingerprint → unchanged since): deleted where still that old. */
  forgets: Map<string, number>;
}

/** Two views of one client key: a revocation, once made, stands (the earliest time wins); the last use is the latest;
 * the MCP allow-list is the one set last, whole: an older list never comes back, and two are never merged. */
export function mergeGatewayKey(current: GatewayKeyRecord | undefined, next: GatewayKeyRecord): GatewayKeyRecord {
  if (current === undefined) return next;
  const out: GatewayKeyRecord = { ...current };
  if ((next.mcp_updated_at ?? 0) > (current.mcp_updated_at ?? 0)) {
    out.mcp_updated_at = next.mcp_updated_at!;
    if (next.mcp === undefined) delete out.mcp;
    else out.mcp = next.mcp;
  }
  const revoked = [current.revoked_at, next.revoked_at].filter((t): t is number => typeof t === 'number');
  if (revoked.length > 0) out.revoked_at = Math.min(...revoked);
  const used = Math.max(current.last_used_at ?? 0, next.last_used_at ?? 0);
  if (used > 0) out.last_used_at = used;
  return out;
}

/** How many times a flush re-folds after losing a race with another writer before it gives up until next time. */
const MAX_ATTEMPTS = 8;

/** JSON text of a hash field, or undefined when it is not JSON of an object. */
function parseObject<T>(text: string | null | undefined): Partial<T> | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}

/** A value that is not a health record (written by something else, or damaged) is left out rather than trusted. */
function parseRecord(fingerprint: string, text: string | null | undefined): HealthRecord | undefined {
  const r = parseObject<HealthRecord>(text);
  if (r === undefined || typeof r.provider !== 'string' || typeof r.state !== 'string') return undefined;
  return { ...(r as HealthRecord), fingerprint };
}

function parseBreaker(provider: string, text: string | null | undefined): BreakerRecord | undefined {
  const r = parseObject<BreakerRecord>(text);
  if (r === undefined || (r.state !== 'open' && r.state !== 'closed') || typeof r.at !== 'number') return undefined;
  return { ...(r as BreakerRecord), provider };
}

/** A client key record's fields, as Redis holds them (the id is the hash field) and as the key mirror keeps them. */
export function hasGatewayKeyFields(r: object): boolean {
  const k = r as Partial<Record<keyof GatewayKeyRecord, unknown>>;
  return (
    typeof k.name === 'string' &&
    typeof k.hash === 'string' &&
    typeof k.prefix === 'string' &&
    typeof k.created_at === 'number'
  );
}

function parseGatewayKey(id: string, text: string | null | undefined): GatewayKeyRecord | undefined {
  const r = parseObject<GatewayKeyRecord>(text);
  if (r === undefined || !hasGatewayKeyFields(r)) return undefined;
  return { ...(r as GatewayKeyRecord), id };
}

/** Every well-formed record of a hash (field → JSON). */
function parseHash<T>(hash: Record<string, string>, parse: (field: string, text: string) => T | undefined): T[] {
  const out: T[] = [];
  for (const [field, text] of Object.entries(hash)) {
    const record = parse(field, text);
    if (record !== undefined) out.push(record);
  }
  return out;
}

export async function readSeq(redis: RedisClient, keys: SharedKeys): Promise<number> {
  return Number((await redis.get(keys.seq)) ?? 0);
}

/** Every record, and the counter read just before them. A pipeline, not MULTI/EXEC: an EXEC on this connection
 * would silently drop the flush's WATCH. */
export async function loadShared(
  redis: RedisClient,
  keys: SharedKeys,
): Promise<{ records: HealthRecord[]; breakers: BreakerRecord[]; clientKeys: GatewayKeyRecord[]; seq: number }> {
  const replies = await redis
    .pipeline()
    .get(keys.seq)
    .hgetall(keys.records)
    .hgetall(keys.breakers)
    .hgetall(keys.clientKeys)
    .exec();
  if (replies === null) throw new Error('Redis returned no replies to the read');
  for (const [err] of replies) if (err) throw err;
  const [seqReply, hashReply, breakersReply, clientKeysReply] = replies;
  return {
    seq: Number(seqReply?.[1] ?? 0),
    records: parseHash((hashReply?.[1] ?? {}) as Record<string, string>, parseRecord),
    breakers: parseHash((breakersReply?.[1] ?? {}) as Record<string, string>, parseBreaker),
    clientKeys: parseHash((clientKeysReply?.[1] ?? {}) as Record<string, string>, parseGatewayKey),
  };
}

/** What a batch starts from, as it is in Redis now. */
interface Stored {
  records: Map<string, HealthRecord>;
  breakers: Map<string, BreakerRecord>;
  clientKeys: Map<string, GatewayKeyRecord>;
}

function parsedFields<T>(
  fields: string[],
  texts: unknown,
  parse: (field: string, text: string | null) => T | undefined,
): Map<string, T> {
  const out = new Map<string, T>();
  const list = (texts ?? []) as (string | null)[];
  fields.forEach((field, i) => {
    const value = parse(field, list[i] ?? null);
    if (value !== undefined) out.set(field, value);
  });
  return out;
}

/** What the batch touches, in one pipelined round trip: every health record when a reset is pending (it applies to
 * records never seen here), else those patched or forgotten. */
async function readStored(redis: RedisClient, keys: SharedKeys, batch: SharedBatch): Promise<Stored> {
  const fingerprints = [...new Set([...batch.patches.keys(), ...batch.forgets.keys()])];
  const providers = [...batch.breakers.keys()];
  const ids = [...batch.clientKeys.keys()];
  const reads = redis.pipeline();
  if (batch.resets.length > 0) reads.hgetall(keys.records);
  else if (fingerprints.length > 0) reads.hmget(keys.records, ...fingerprints);
  if (providers.length > 0) reads.hmget(keys.breakers, ...providers);
  if (ids.length > 0) reads.hmget(keys.clientKeys, ...ids);
  const replies = (await reads.exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
  const next = (): unknown => replies.shift()?.[1];
  let records = new Map<string, HealthRecord>();
  if (batch.resets.length > 0) {
    for (const r of parseHash((next() ?? {}) as Record<string, string>, parseRecord)) records.set(r.fingerprint, r);
  } else if (fingerprints.length > 0) {
    records = parsedFields(fingerprints, next(), parseRecord);
  }
  const breakers =
    providers.length > 0 ? parsedFields(providers, next(), parseBreaker) : new Map<string, BreakerRecord>();
  const clientKeys = ids.length > 0 ? parsedFields(ids, next(), parseGatewayKey) : new Map<string, GatewayKeyRecord>();
  return { records, breakers, clientKeys };
}

/** The batch folded into the records as they are now: only the records it changes. */
export function foldBatch(
  current: Map<string, HealthRecord>,
  resets: PendingReset[],
  patches: Map<string, HealthPatch[]>,
): Map<string, HealthRecord> {
  const changed = new Map<string, HealthRecord>();
  for (const reset of resets) {
    for (const [fp, record] of current) {
      const base = changed.get(fp) ?? record;
      if (resetApplies(reset, base)) changed.set(fp, mergeHealth(base, fp, resetPatch(reset)));
    }
  }
  for (const [fp, list] of patches) {
    const record = foldQueued(changed.get(fp) ?? current.get(fp), fp, list, resets);
    if (record) changed.set(fp, record);
  }
  return changed;
}

/** Writes a batch; returns the health records as written and the counter after the write. */
export async function writeShared(
  redis: RedisClient,
  keys: SharedKeys,
  batch: SharedBatch,
): Promise<{ written: HealthRecord[]; seq?: number }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // WATCH belongs to the connection: if it was replaced (a reconnect) before EXEC, the watch is gone — start over.
    // On a cluster, the keys' hash tag puts the WATCH, the reads and the EXEC on one node's connection.
    const before = connections(redis);
    await redis.watch(keys.records, keys.breakers, keys.clientKeys);
    const stored = await readStored(redis, keys, batch);
    const changed = foldBatch(stored.records, batch.resets, batch.patches);
    // Breakers: only what is newer than Redis has. Client keys: merged with what Redis has.
    const breakers = [...batch.breakers.values()].filter((b) => isNewerBreaker(stored.breakers.get(b.provider), b));
    const clientKeys = [...batch.clientKeys.values()].map((k) => mergeGatewayKey(stored.clientKeys.get(k.id), k));
    // Forgotten health: deleted where still unchanged since it was forgotten, and not written again in this batch.
    const forget = [...batch.forgets]
      .filter(([fp, since]) => !changed.has(fp) && (stored.records.get(fp)?.updated_at ?? Infinity) < since)
      .map(([fp]) => fp);
    if (changed.size === 0 && breakers.length === 0 && clientKeys.length === 0 && forget.length === 0) {
      await redis.unwatch();
      return { written: [] };
    }
    if (!sameConnections(connections(redis), before)) continue;
    const tx = redis.multi();
    if (forget.length > 0) tx.hdel(keys.records, ...forget);
    hsetJson(tx, keys.records, [...changed]);
    hsetJson(
      tx,
      keys.breakers,
      breakers.map((b) => [b.provider, b]),
    );
    hsetJson(
      tx,
      keys.clientKeys,
      clientKeys.map((k) => [k.id, k]),
    );
    const replies = await tx.incr(keys.seq).exec();
    if (replies === null) continue; // another writer got in between: fold again on its result
    for (const [err] of replies) if (err) throw err;
    return { written: [...changed.values()], seq: Number(replies[replies.length - 1]?.[1]) };
  }
  throw new Error(
    `shared state writes lost the race to other writers ${MAX_ATTEMPTS} times in a row; retrying on the next flush`,
  );
}

/** One HSET of field → value as JSON, when there is anything to set. */
function hsetJson(tx: ChainableCommander, key: string, entries: [string, unknown][]): void {
  if (entries.length === 0) return;
  tx.hset(key, ...entries.flatMap(([field, value]) => [field, JSON.stringify(value)]));
}
