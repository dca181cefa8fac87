// A gateway left on a master the sentinels no longer name (gateway.state: redis+sentinel://…). When a master is killed
// and back within a second, a gateway may reach it just before the sentinel switches to the promoted replica, and miss
// the switch: that master takes its budget writes, with no replica, while the other gateways write to the promoted
// one, and each spends what remained of a cap. A fenced store that finds its master with no replica online asks the
// sentinel, and moves to the master it names.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/state/redis/store.ts';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import { parseRedisUrl } from '../../src/config/redis-url.ts';
import { REDIS_SENTINEL_MISSING, startTestRedisSentinel, type TestRedisSentinel } from '../helpers/redis.ts';
import { waitFor } from './wait.ts';

const sentinel: TestRedisSentinel | undefined = REDIS_SENTINEL_MISSING ? undefined : await startTestRedisSentinel();
after(() => sentinel?.stop());

const PREFIX = `{stray${process.pid}}:`;
const RESETS = Date.now() + 3_600_000;
const COUNTER = `${PREFIX}budget:spent`;

/** What the master the sentinel names now holds, asked afresh each time. */
async function spentOnNamedMaster(url: string): Promise<number> {
  const target = parseRedisUrl(url);
  if (!('form' in target) || target.form !== 'sentinel') throw new Error(`not a sentinel URL: ${url}`);
  const client = new Redis({ sentinels: target.sentinels, name: target.master, lazyConnect: true });
  client.on('error', () => {});
  try {
    await client.connect();
    return Number(await client.hget(COUNTER, 'spent'));
  } finally {
    client.disconnect();
  }
}

async function spendOne(store: RedisStore, n: number): Promise<void> {
  const now = Date.now();
  const item = { counter: 'spent', limit: 1e12, amount: 1, soft: false, resetsAt: RESETS };
  const r = await store.budgets.reserve(`h-${n}`, [item], now, now + 60_000);
  if (r.ok) store.budgets.settle(`h-${n}`, [{ counter: 'spent', amount: 1, resetsAt: RESETS }]);
  await store.budgets.flush().catch(() => undefined);
}

describe('redis sentinel: a master left behind', { skip: REDIS_SENTINEL_MISSING }, () => {
  it('a store on a master the sentinel no longer names moves to the one it names, and spends there', async () => {
    const { url } = sentinel!;
    const store = new RedisStore({
      url,
      prefix: PREFIX,
      local: new SqliteStore({ path: ':memory:' }),
      flushIntervalMs: 10,
      pollIntervalMs: 50,
      connectTimeoutMs: 2000,
      warn: () => {},
    });
    try {
      await store.ready();
      let n = 0;
      await spendOne(store, ++n);
      await waitFor(async () => (await spentOnNamedMaster(url)) >= 1, 'the first spend on the master');
      await sentinel!.promoteQuietly();
      const before = await spentOnNamedMaster(url);
      // Spends keep coming, as a gateway's requests do; they must reach the master the sentinel names now.
      await waitFor(
        async () => {
          await spendOne(store, ++n);
          return (await spentOnNamedMaster(url)) > before + 1;
        },
        'spends to reach the master the sentinel names',
        20_000,
      );
      assert.ok(n > 1);
    } finally {
      await store.close();
    }
  });
});
