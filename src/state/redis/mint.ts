// Leases and mint records in Redis (MintStore, state/types.ts), shared by every replica naming the server: a lease is
// `SET NX PX` (extended by its own holder, let go only by it, both in one script); a mint record is a hash written
// field by field. Callers fall back to the embedded store when Redis does not answer (redis/store.ts).
import type { RedisClient } from './client.ts';
import { applyMintPatch } from '../sqlite/mint-table.ts';
import type { MintPatch, MintRecord } from '../types.ts';

/** Takes the lease when free; extends it when it is already the holder's. */
const TAKE = `local held = redis.call('GET', KEYS[1])
if held == false then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) and 1 or 0 end
if held == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface MintKeys {
  lease(name: string): string;
  mint(id: string): string;
}

export function mintKeys(prefix: string): MintKeys {
  return { lease: (name) => `${prefix}lease:${name}`, mint: (id) => `${prefix}mint:${id}` };
}

export async function acquireLease(
  redis: RedisClient,
  keys: MintKeys,
  name: string,
  holder: string,
  ttlMs: number,
): Promise<boolean> {
  const taken = await redis.eval(TAKE, 1, keys.lease(name), holder, String(Math.max(1, Math.round(ttlMs))));
  return taken === 1;
}

export async function releaseLease(redis: RedisClient, keys: MintKeys, name: string, holder: string): Promise<void> {
  await redis.eval(RELEASE, 1, keys.lease(name), holder);
}

const NUMBERS: ReadonlySet<string> = new Set([
  'minted_at',
  'expires_at',
  'error_at',
  'refresh_requested_at',
  'updated_at',
]);

export async function readMint(redis: RedisClient, keys: MintKeys, id: string): Promise<MintRecord | undefined> {
  const hash = await redis.hgetall(keys.mint(id));
  if (hash['provider'] === undefined) return undefined;
  const r: Record<string, unknown> = { id };
  for (const [field, value] of Object.entries(hash)) r[field] = NUMBERS.has(field) ? Number(value) : value;
  return r as unknown as MintRecord;
}

/** Sets ARGV[2 .. 1+2n] as field/value pairs (n = ARGV[1]), then deletes the fields after them. */
const WRITE = `local n = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2, 1 + 2 * n))
if #ARGV > 1 + 2 * n then redis.call('HDEL', KEYS[1], unpack(ARGV, 2 + 2 * n)) end
return 1`;

/** Fields set and cleared in one script, not MULTI/EXEC: the health writes WATCH on this connection, and an EXEC in
 * between would be aborted (losing a rotated refresh token) or end their WATCH early. */
export async function writeMint(redis: RedisClient, keys: MintKeys, id: string, patch: MintPatch): Promise<void> {
  const next = applyMintPatch(undefined, id, patch);
  const cleared = (Object.keys(patch) as (keyof MintPatch)[]).filter((f) => patch[f] === null);
  const set: string[] = [];
  for (const [field, value] of Object.entries(next))
    if (field !== 'id' && value !== undefined) set.push(field, String(value));
  await redis.eval(WRITE, 1, keys.mint(id), String(set.length / 2), ...set, ...cleared);
}
