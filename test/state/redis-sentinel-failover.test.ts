// A Sentinel failover under load (gateway.state: redis+sentinel://…): two replicas keep writing health and taking
// budget holds while the sentinel promotes the replica. Afterwards both write to the new master and read each other's
// writes again: neither stays on the demoted one, answered READONLY — also when nothing closed their connections.
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

const PREFIX = `{failover${process.pid}}:`;
const RESETS = Date.now() + 3_600_000;

function replica(url: string): RedisStore {
  return new RedisStore({
    url,
    prefix: PREFIX,
    local: new SqliteStore({ path: ':memory:' }),
    flushIntervalMs: 10,
    pollIntervalMs: 50,
    connectTimeoutMs: 2000,
    warn: () => {},
  });
}

/** A client of the master the sentinel names now, to look at what the replicas wrote. */
function masterClient(url: string): Redis {
  const target = parseRedisUrl(url);
  if (!('form' in target) || target.form !== 'sentinel') throw new Error(`not a sentinel URL: ${url}`);
  const client = new Redis({ sentinels: target.sentinels, name: target.master });
  client.on('error', () => {}); // the sentinels it asks are stopped after the test
  return client;
}

/** Health uses and budget holds from one replica, one after the other, until stopped; what failed is counted, not
 * thrown (a failover is expected to fail some of them). */
function load(store: RedisStore): { stop(): Promise<number> } {
  let running = true;
  let ops = 0;
  const loop = (async () => {
    while (running) {
      const hold = `load-${++ops}`;
      store.applyHealth('fp-load', { provider: 'p', at: Date.now(), add_uses: 1 });
      const now = Date.now();
      const r = await store.budgets.reserve(
        hold,
        [{ counter: 'load', limit: 1e12, amount: 1, soft: false, resetsAt: RESETS }],
        now,
        now + 60_000,
      );
      if (r.ok) store.budgets.settle(hold, [{ counter: 'load', amount: 1, resetsAt: RESETS }]);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return ops;
    },
  };
}

describe('redis sentinel failover', { skip: REDIS_SENTINEL_MISSING }, () => {
  it('after a failover under load, both replicas write to the new master and share health and budgets again', async () => {
    const { url } = sentinel!;
    const a = replica(url);
    const b = replica(url);
    const master = masterClient(url);
    let loads: { stop(): Promise<number> }[] = [];
    try {
      await a.ready();
      await b.ready();
      loads = [load(a), load(b)];
      await waitFor(async () => Number(await master.hget(`${PREFIX}budget:load`, 'spent')) > 10, 'load to reach Redis');
      await sentinel!.failover();

      // Writes made once the old master is a replica reach the other replica through the new master only.
      a.applyHealth('fp-after', { provider: 'p', at: Date.now(), add_uses: 1 });
      await waitFor(
        () => b.getHealth('fp-after')?.uses === 1,
        'a write after the failover to reach the other replica',
        30_000,
      );
      await waitFor(
        () => a.budgets.heldLocallySince() === undefined && b.budgets.heldLocallySince() === undefined,
        'budgets to be shared through Redis again',
        30_000,
      );
      const now = Date.now();
      const held = await a.budgets.reserve(
        'after',
        [{ counter: 'after', limit: 100, amount: 5, soft: false, resetsAt: RESETS }],
        now,
        now + 60_000,
      );
      assert.equal(held.ok, true);
      a.budgets.settle('after', [{ counter: 'after', amount: 7, resetsAt: RESETS }]);
      await a.budgets.flush();
      assert.deepEqual(await b.budgets.read(['after'], Date.now()), [{ spent: 7, reserved: 0 }]);

      const ops = await Promise.all(loads.map((l) => l.stop()));
      assert.ok(ops.every((n) => n > 0));
      await a.flush();
      await b.flush();
      // On the master the sentinel names now, not the demoted one.
      assert.equal(JSON.parse((await master.hget(`${PREFIX}health`, 'fp-after')) ?? '{}').uses, 1);
      assert.equal(((await master.call('ROLE')) as unknown[])[0], 'master');
      for (const s of [a, b]) {
        assert.equal(s.status().pendingWrites, 0);
        assert.equal(s.status().ok, true);
      }
    } finally {
      await Promise.all(loads.map((l) => l.stop()));
      master.disconnect();
      await a.close();
      await b.close();
    }
  });

  it('a master demoted behind its clients answers READONLY: each replica reconnects to the one the sentinel names', async () => {
    const { url } = sentinel!;
    const a = replica(url);
    const b = replica(url);
    try {
      await a.ready();
      await b.ready();
      await sentinel!.switchQuietly();
      a.applyHealth('fp-quiet', { provider: 'p', at: Date.now(), add_uses: 1 });
      await waitFor(() => b.getHealth('fp-quiet')?.uses === 1, 'the write to reach the other replica', 30_000);
      await waitFor(
        () => a.status().ok && a.status().pendingWrites === 0,
        'the writer to have nothing pending',
        30_000,
      );
    } finally {
      await a.close();
      await b.close();
    }
  });
});
