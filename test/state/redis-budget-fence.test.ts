// Budget writes behind Sentinel (src/state/redis/budget-fence.ts): a hold or settle the master acknowledged but its
// replica never received is lost when the replica is promoted, unless the gateway that wrote it sends it again to the
// new master — once, however many of its settles the new master already had — or, having seen the master lose its
// replica, held the budget on its own book meanwhile and writes that back.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/state/redis/store.ts';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import { REDIS_SENTINEL_MISSING, startTestRedisSentinel, type TestRedisSentinel } from '../helpers/redis.ts';
import { waitFor } from './wait.ts';

const sentinel: TestRedisSentinel | undefined = REDIS_SENTINEL_MISSING ? undefined : await startTestRedisSentinel();
after(() => sentinel?.stop());

const PREFIX = `{fence${process.pid}}:`;
const RESETS = Date.now() + 3_600_000;
const COUNTER = `${PREFIX}budget:spend`;

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => {});
  return c;
}

async function spend(store: RedisStore, hold: string, amount: number): Promise<void> {
  const now = Date.now();
  const items = [{ counter: 'spend', limit: 1_000, amount, soft: false, resetsAt: RESETS }];
  const held = await store.budgets.reserve(hold, items, now, now + 60_000);
  assert.equal(held.ok, true);
  store.budgets.settle(hold, [{ counter: 'spend', amount, resetsAt: RESETS }]);
  await store.budgets.flush();
}

describe('budget settles behind Sentinel', { skip: REDIS_SENTINEL_MISSING }, () => {
  it('a hold and a settle the old master took and its replica never had are sent again to the new master, once', async () => {
    const { url, ports } = sentinel!;
    const [masterPort, replicaPort, sentinelPort] = ports as [number, number, number];
    const store = new RedisStore({
      url,
      prefix: PREFIX,
      local: new SqliteStore({ path: ':memory:' }),
      flushIntervalMs: 10,
      pollIntervalMs: 50,
      warn: () => {},
    });
    const [master, replica, watcher] = [client(masterPort), client(replicaPort), client(sentinelPort)];
    try {
      await store.ready();
      await spend(store, 'first', 5);
      await waitFor(async () => (await replica.hget(COUNTER, 'spent')) === '5', 'the replica to have the first spend');
      // The replica leaves before the second settle: the master takes it (unless the store has seen it with a replica
      // and now finds none: then it holds the budget on its own book), the replica never receives it.
      await replica.call('REPLICAOF', 'NO', 'ONE');
      await spend(store, 'second', 7);
      const now = Date.now();
      const items = [{ counter: 'spend', limit: 1_000, amount: 3, soft: false, resetsAt: RESETS }];
      assert.equal((await store.budgets.reserve('in-flight', items, now, now + 60_000)).ok, true);
      // The failover: the sentinel names the replica, and the old master resyncs from it, dropping the second settle.
      await watcher.call('SENTINEL', 'REMOVE', 'sy-master');
      await watcher.call('SENTINEL', 'MONITOR', 'sy-master', '127.0.0.1', replicaPort, 1);
      await master.call('REPLICAOF', '127.0.0.1', replicaPort);
      await waitFor(async () => ((await master.call('ROLE')) as string[])[0] === 'slave', 'the old master to resync');

      await waitFor(
        async () => (await replica.hget(COUNTER, 'spent')) === '12',
        'the second settle to reach the new master',
        20_000,
      );
      store.budgets.settle('in-flight', [{ counter: 'spend', amount: 3, resetsAt: RESETS }]);
      await waitFor(
        async () => (await replica.hget(COUNTER, 'spent')) === '15',
        'the hold in flight to be settled on the new master',
        20_000,
      );
      // Sent again with the first, which the new master had: counted once all the same; no hold is left.
      await store.budgets.flush();
      const fields = await replica.hgetall(COUNTER);
      assert.equal(fields['spent'], '15');
      assert.deepEqual(
        Object.keys(fields).filter((f) => f.startsWith('h:')),
        [],
      );
    } finally {
      for (const c of [master, replica, watcher]) c.disconnect();
      await store.close();
    }
  });
});
