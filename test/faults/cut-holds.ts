// The partition case's "in flight at the cut", as the store held it: the requests whose holds the cut replica had in
// Redis when it was cut. The replicas still on Redis count those holds until its presence lapses, then admit as if
// they were gone; their spend reaches the counters only when it is back. A client's view (requests sent and not yet
// answered at one moment) misses both ends of that: a request answered whose settle was still queued (settles go out
// every 50 ms) holds in Redis, and one sent while the cut was being put in place may have taken its hold.
import { Redis } from 'ioredis';
import { ABSENT_AFTER_MS } from '../../src/state/redis/budget-absent.ts';
import { until } from '../helpers/until.ts';

/** How long to look for the cut replica in the presence set before giving up. */
const FIND_BOUND_MS = 10_000;

/** The number of holds (requests; a hold spans every counter it touches) the replica cut off Redis still has there.
 * It is the one the presence set has not seen for ABSENT_AFTER_MS while every other is fresh: its holds can no
 * longer change (it cannot reach Redis), and those of the others are theirs. Undefined if no replica is found so. */
export async function cutHolds(port: number): Promise<number | undefined> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const presence = (await redis.keys('*budget:replicas'))[0];
    if (presence === undefined) return undefined;
    const cut = await cutReplica(redis, presence);
    if (cut === undefined) return undefined;
    const prefix = presence.slice(0, -'replicas'.length);
    const holds = new Set<string>();
    for (const key of await redis.keys(`${prefix}*`)) {
      if (key === presence || (await redis.type(key)) !== 'hash') continue;
      for (const field of Object.keys(await redis.hgetall(key)))
        if (field.startsWith(`h:${cut}/`)) holds.add(field.slice(2 + cut.length + 1));
    }
    return holds.size;
  } finally {
    redis.disconnect();
  }
}

/** The one member of the presence set last seen ABSENT_AFTER_MS ago or more, the others within it. */
async function cutReplica(redis: Redis, presence: string): Promise<string | undefined> {
  let cut: string | undefined;
  const found = async (): Promise<boolean> => {
    const flat = await redis.zrange(presence, '0', '-1', 'WITHSCORES');
    const now = Date.now();
    const stale: string[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) if (now - Number(flat[i + 1]) >= ABSENT_AFTER_MS) stale.push(flat[i]!);
    cut = stale.length === 1 && flat.length >= 4 ? stale[0] : undefined;
    return cut !== undefined;
  };
  try {
    await until('one replica to be unseen in the presence set', found, FIND_BOUND_MS);
  } catch {
    return undefined;
  }
  return cut;
}
