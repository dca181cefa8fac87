// Which replicas share the budgets in Redis: each writes its presence every second into one sorted set (member: a
// per-process id, score: when it was last seen), and reads when every replica was last seen within the TTL. Budgets
// held during an outage share what remained among that many (docs/budgets.md#when-the-store-is-down).
import type { RedisClient } from './client.ts';

/** A replica not seen for this long is taken to be gone. */
export const PRESENCE_TTL_MS = 5_000;

/** Says this replica is live and returns when each live replica (itself included) was last seen. */
export async function beat(redis: RedisClient, key: string, id: string, now: number): Promise<Map<string, number>> {
  const replies = await redis
    .pipeline()
    .zadd(key, now, id)
    .zremrangebyscore(key, '-inf', now - PRESENCE_TTL_MS)
    .zrange(key, '0', '-1', 'WITHSCORES')
    .pexpire(key, PRESENCE_TTL_MS * 2)
    .exec();
  if (replies === null) throw new Error('Redis returned no replies to the presence beat');
  for (const [err] of replies) if (err) throw err;
  const flat = (replies[2]?.[1] ?? []) as string[];
  const seen = new Map<string, number>([[id, now]]);
  for (let i = 0; i + 1 < flat.length; i += 2) seen.set(flat[i]!, Number(flat[i + 1]));
  return seen;
}

/** A replica that stops says so, so the others' share grows at once rather than after the TTL. */
export async function leave(redis: RedisClient, key: string, id: string): Promise<void> {
  await redis.zrem(key, id);
}
