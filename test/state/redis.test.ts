// The StateStore conformance suite against the Redis store (two handles on one real redis-server standing in for two
// gateway replicas), plus what only Redis has: an outage degrades to local state with a warning and the queue is
// written when Redis is back; a store started while Redis is down still works; the password never shows.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { RedisStore, type RedisStoreOptions } from '../../src/state/redis/store.ts';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import { openStore, statePath } from '../../src/state/open.ts';
import type { AffinityRecord } from '../../src/state/types.ts';
import { maskRedisUrl, parseRedisUrl } from '../../src/config/redis-url.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import {
  REDIS_CLUSTER_MISSING,
  REDIS_MISSING,
  REDIS_SENTINEL_MISSING,
  rawRedis,
  startTestRedis,
  startTestRedisCluster,
  startTestRedisSentinel,
  type TestRedis,
} from '../helpers/redis.ts';
import { storeConformance } from './store.case.ts';
import { waitFor } from './wait.ts';

const redis: TestRedis | undefined = REDIS_MISSING ? undefined : await startTestRedis();
const cluster = REDIS_CLUSTER_MISSING ? undefined : await startTestRedisCluster();
const sentinel = REDIS_SENTINEL_MISSING ? undefined : await startTestRedisSentinel();
after(async () => {
  await redis?.stop();
  await cluster?.stop();
  await sentinel?.stop();
});

let prefixes = 0;
/** One backing state per factory: its own key prefix in Redis (a hash tag, as a cluster needs) and its own embedded
 * file, removed at the end of the scope of `using f = redisFactory(…)`. */
/** An affinity hint for route p/m, made at `now` and good for a minute. */
function hintAt(hash: string, now: number): AffinityRecord {
  return { hash, provider: 'p', route: 'p/m', fingerprint: 'fp', tokens: 1, at: now, expires_at: now + 60_000 };
}

function redisFactory(server: { url: string }, options: { warn?: (m: string) => void } = {}) {
  const ws = tempWorkspace('switchyard-redis-');
  const prefix = `{t${process.pid}-${++prefixes}}:`;
  return {
    open: () =>
      new RedisStore({
        url: server.url,
        prefix,
        local: new SqliteStore({ path: statePath({ home: ws.home }), pollIntervalMs: 50 }),
        pollIntervalMs: 50,
        flushIntervalMs: 10,
        // The suite checks what the store keeps, not when it gives up on Redis (its own tests do): at load 45 (three
        // suites at once) a cluster's answer took past the 2 s bound, and a store gone local granted a lease twice.
        connectTimeoutMs: 30_000,
        commandTimeoutMs: 30_000,
        warn: options.warn ?? (() => {}),
      }),
    home: ws.home,
    prefix,
    cleanup: () => ws.cleanup(),
    [Symbol.dispose]: () => ws.cleanup(),
  };
}

/** A Redis store whose embedded part is private memory, keeping the warnings it gives. */
function memoryBacked(options: Omit<RedisStoreOptions, 'local' | 'warn'>): { store: RedisStore; warnings: string[] } {
  const warnings: string[] = [];
  const store = new RedisStore({
    ...options,
    local: new SqliteStore({ path: ':memory:' }),
    warn: (m) => warnings.push(m),
  });
  return { store, warnings };
}

const REDIS_SKIPS = {
  'affinity: a new handle starts from the records not expired':
    'Redis keeps no affinity records: replicas tell each other as they answer (pub/sub), so a replica started later learns the conversations that continue from then on',
};
if (redis) storeConformance('redis', () => redisFactory(redis), REDIS_SKIPS);
else describe('StateStore conformance: redis', { skip: REDIS_MISSING }, () => {});
if (cluster) storeConformance('redis cluster (3 masters)', () => redisFactory(cluster), REDIS_SKIPS);
else describe('StateStore conformance: redis cluster', { skip: REDIS_CLUSTER_MISSING }, () => {});
if (sentinel) storeConformance('redis sentinel (master + replica)', () => redisFactory(sentinel), REDIS_SKIPS);
else describe('StateStore conformance: redis sentinel', { skip: REDIS_SENTINEL_MISSING }, () => {});

describe('redis store', { skip: REDIS_MISSING }, () => {
  const server = redis as TestRedis;

  it('keeps working through an outage, warns once each way, and writes the queue when Redis is back', async () => {
    const warnings: string[] = [];
    const f = redisFactory(server, { warn: (m) => warnings.push(m) });
    const a = f.open();
    const b = f.open();
    try {
      await a.ready();
      await b.ready();
      a.applyHealth('fp', { provider: 'p', at: 1000, add_uses: 1 });
      await a.flush();
      await waitFor(() => b.getHealth('fp')?.uses === 1, 'the other replica to see the first write');

      await server.stop();
      await waitFor(() => a.status().degraded === true, 'replica a to notice Redis is gone');
      assert.ok(
        warnings.some((w) => /unreachable/.test(w)),
        'with a warning',
      );
      // The request path neither throws nor waits: memory has the cooldown at once.
      const cooled = a.applyHealth('fp', {
        provider: 'p',
        at: 2000,
        state: 'cooling',
        reason: 'rate_limited',
        until: 9e12,
        add_failures: 1,
      });
      assert.equal(cooled.state, 'cooling');
      assert.equal(a.getHealth('fp')?.state, 'cooling');
      assert.equal(a.status().ok, false);
      assert.ok(a.status().pendingWrites > 0);

      // Each replica notices on its own connection; under load b may not have yet when the server is back.
      await waitFor(
        () => warnings.filter((w) => /unreachable/.test(w)).length === 2,
        'both replicas to warn that Redis is gone',
        10_000,
      );
      await server.start();
      await waitFor(
        () => b.getHealth('fp')?.state === 'cooling',
        'the queued cooldown to reach the other replica',
        10_000,
      );
      await waitFor(() => warnings.some((w) => /reachable again/.test(w)), 'a warning that Redis is back', 10_000);
      assert.equal(b.getHealth('fp')?.failures, 1);
      assert.equal(a.status().pendingWrites, 0);
      assert.equal(a.status().ok, true);
      assert.equal(warnings.filter((w) => /unreachable/.test(w)).length, 2, 'one warning per replica');
    } finally {
      await server.start(); // for the tests after this one, had it failed half-way
      await a.close();
      await b.close();
      f.cleanup();
    }
  });

  it('after Redis restarts, affinity hints reach the other replica again, and the dropped connections reject nothing unhandled', async () => {
    await using own = await startTestRedis();
    using f = redisFactory(own);
    await using a = f.open();
    await using b = f.open();
    await Promise.all([a.ready(), b.ready()]);
    const unhandled: unknown[] = [];
    const note = (err: unknown): void => void unhandled.push(err);
    process.on('unhandledRejection', note);
    try {
      // Down and up twice: the second drop comes while the subscribers are just back.
      for (const round of [1, 2]) {
        await own.stop();
        await waitFor(() => a.status().degraded === true, `replica a to notice Redis is gone (round ${round})`);
        await own.start();
        const hash = `k-back-${round}`;
        // A hint published while a replica was still away is lost by design: sent again until one arrives.
        await waitFor(
          async () => {
            const now = Date.now();
            b.setAffinity(hintAt(hash, now));
            await b.flush();
            return a.getAffinity(hash, now)?.route === 'p/m';
          },
          `an affinity hint to reach the other replica after Redis came back (round ${round})`,
          20_000,
        );
      }
    } finally {
      process.off('unhandledRejection', note);
    }
    assert.deepEqual(unhandled, []);
  });

  it('a stalled Redis (connected, answering nothing) degrades the same way and recovers when it answers again', async () => {
    const { store, warnings } = memoryBacked({
      url: server.url,
      prefix: `stall${process.pid}:`,
      flushIntervalMs: 10,
      pollIntervalMs: 50,
      commandTimeoutMs: 300,
    });
    try {
      await store.ready();
      server.freeze();
      store.applyHealth('fp', { provider: 'p', at: 1, state: 'cooling', reason: 'rate_limited', until: 9e12 });
      await waitFor(() => store.status().degraded === true, 'the store to report itself degraded');
      assert.equal(store.getHealth('fp')?.state, 'cooling');
      server.thaw();
      await waitFor(
        () => store.status().degraded !== true && store.status().pendingWrites === 0,
        'the store to write its queue once Redis answers',
        10_000,
      );
      assert.deepEqual(
        warnings.map((w) => (/unreachable/.test(w) ? 'down' : /reachable again/.test(w) ? 'up' : w)),
        ['down', 'up'],
      );
    } finally {
      server.thaw();
      await store.close();
    }
  });

  it('a damaged value in Redis is left out, not trusted, and overwritten by the next write', async () => {
    const prefix = `damaged${process.pid}:`;
    using raw = rawRedis(server.url);
    await raw.hset(
      `${prefix}health`,
      'fp',
      'not json',
      'fp2',
      '[1,2]',
      'ok',
      JSON.stringify({ provider: 'p', state: 'ok', successes: 1, failures: 0, uses: 1, updated_at: 1, state_at: 0 }),
    );
    await raw.hset(`${prefix}breakers`, 'p', '{"state":"half-way"}');
    const { store } = memoryBacked({ url: server.url, prefix, flushIntervalMs: 10 });
    try {
      await store.ready();
      assert.deepEqual(
        store.allHealth().map((h) => h.fingerprint),
        ['ok'],
      );
      assert.equal(store.getBreaker('p'), undefined);
      store.applyHealth('fp', { provider: 'p', at: 5, add_failures: 1 });
      await store.flush();
      assert.equal(JSON.parse((await raw.hget(`${prefix}health`, 'fp')) ?? '{}').failures, 1);
    } finally {
      await store.close();
    }
  });

  it('writes made while a flush is on its way to Redis are neither lost nor undone by a reload', async () => {
    const f = redisFactory(server);
    const a = f.open();
    const b = f.open();
    using raw = rawRedis(server.url);
    try {
      await a.ready();
      await b.ready();
      // A steady trickle of writes; Redis holds writes back for a while (CLIENT PAUSE), so that many land while a
      // flush awaits its EXEC.
      for (let i = 0; i < 200; i++) {
        if (i === 20) await raw.client('PAUSE', 300, 'WRITE');
        a.applyHealth('fp', { provider: 'p', at: 1000 + i, add_uses: 1 });
        if (i === 100)
          a.applyHealth('fp', {
            provider: 'p',
            at: 1100,
            state: 'cooling',
            reason: 'rate_limited',
            until: 9e12,
            add_failures: 1,
          });
        await new Promise((r) => setTimeout(r, 1));
        assert.equal(a.getHealth('fp')?.uses, i + 1, 'memory never goes back in time');
      }
      await a.flush();
      await waitFor(() => b.getHealth('fp')?.uses === 200, 'the other replica to count every use');
      assert.equal(b.getHealth('fp')?.state, 'cooling');
      assert.equal(b.getHealth('fp')?.failures, 1);
    } finally {
      await a.close();
      await b.close();
      f.cleanup();
    }
  });

  it('client keys: new ones are shared by every replica, revocations too; keys made before in the file still work', async () => {
    using f = redisFactory(server);
    await using a = f.open();
    await using b = f.open();
    await a.ready();
    await b.ready();
    // A key created while the state was the embedded file: it lives there, and keeps working on this machine.
    const localOnly = new SqliteStore({ path: statePath({ home: f.home }) });
    localOnly.addGatewayKey({ id: 'old1', name: 'before-redis', hash: 'h-old', prefix: 'sy-00', created_at: 500 });
    await localOnly.close();
    a.addGatewayKey({ id: 'k1', name: 'shared', hash: 'h1', prefix: 'sy-ab', created_at: 1000 });
    await a.flush();
    await waitFor(() => b.findGatewayKeyByHash('h1')?.name === 'shared', 'the other replica to know the new key');
    await waitFor(() => a.findGatewayKeyByHash('h-old')?.name === 'before-redis', 'the file key to be found too');
    assert.deepEqual(
      a.listGatewayKeys().map((k) => k.name),
      ['before-redis', 'shared'],
    );
    b.touchGatewayKey('k1', 5000);
    assert.equal(b.revokeGatewayKey('shared')?.id, 'k1');
    await b.flush();
    await waitFor(
      () => a.findGatewayKeyByHash('h1')?.revoked_at !== undefined,
      'the revocation to reach the first replica',
    );
    assert.equal(a.findGatewayKeyByHash('h1')?.last_used_at, 5000);
    // A late touch from a replica that had not heard of the revocation does not undo it.
    a.touchGatewayKey('k1', 6000);
    await a.flush();
    await waitFor(() => b.findGatewayKeyByHash('h1')?.last_used_at === 6000, 'the late touch to arrive');
    assert.ok(b.findGatewayKeyByHash('h1')?.revoked_at !== undefined);
    assert.equal(a.revokeGatewayKey('before-redis')?.id, 'old1');
    assert.ok(a.findGatewayKeyByHash('h-old')?.revoked_at !== undefined);
  });

  it('starts while Redis is down: ready() gives up after the connect timeout, on local state, with a warning', async () => {
    const { store, warnings } = memoryBacked({ url: 'redis://:hunter2-secret@127.0.0.1:9/0', connectTimeoutMs: 200 });
    try {
      await store.ready();
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /unreachable.*kept in this process/);
      store.applyHealth('fp', { provider: 'p', at: 1, state: 'cooling', reason: 'quota', until: 9e12 });
      assert.equal(store.getHealth('fp')?.reason, 'quota');
      const text = JSON.stringify([warnings, store.status(), store.location]);
      assert.doesNotMatch(text, /hunter2/);
      assert.equal(store.location, 'redis://:***@127.0.0.1:9/0');
    } finally {
      await store.close();
    }
  });

  it('is what `gateway.state: redis://…` opens; keys and sessions stay in the embedded file', async () => {
    using ws = tempWorkspace('switchyard-redis-');
    await using store = openStore({ kind: server.url, home: ws.home });
    await store.ready();
    assert.equal(store.kind, 'redis');
    assert.equal(store.location, server.url);
    store.createSession({ id: 's', title: 't', title_source: 'user', created_at: 1, updated_at: 1 });
    const local = openStore({ home: ws.home });
    assert.equal(local.getSession('s')?.title, 't');
    await local.close();
  });
});

describe('redis cluster and sentinel', () => {
  it(
    'a cluster store keeps its keys under one hash tag by default, and refuses a prefix without one',
    { skip: REDIS_CLUSTER_MISSING },
    async () => {
      using ws = tempWorkspace('switchyard-redis-');
      assert.throws(
        () => openStore({ kind: cluster!.url, prefix: 'plain:', home: ws.home }),
        /gateway\.state_prefix: a Redis Cluster needs a hash tag in the key prefix/,
      );
      await using store = openStore({ kind: cluster!.url, home: ws.home, flushIntervalMs: 10 });
      await store.ready();
      store.applyHealth('fp-default', { provider: 'p', at: 1, add_uses: 1 });
      await store.flush();
      const raw = new Cluster([{ host: '127.0.0.1', port: Number(/:(\d+)/.exec(cluster!.url)![1]) }]);
      try {
        assert.ok(await raw.hexists('{switchyard}:health', 'fp-default'));
      } finally {
        raw.disconnect();
      }
    },
  );

  it(
    'a single server keeps the prefix it always had, so an upgrade reads the state written before',
    { skip: REDIS_MISSING },
    async () => {
      using raw = rawRedis(redis!.url);
      using ws = tempWorkspace('switchyard-redis-');
      try {
        await raw.hset(
          'switchyard:health',
          'fp-old',
          JSON.stringify({
            provider: 'p',
            state: 'cooling',
            reason: 'quota',
            until: 9e12,
            successes: 0,
            failures: 1,
            uses: 1,
            updated_at: 1,
            state_at: 1,
          }),
        );
        await raw.incr('switchyard:health:seq');
        await using store = openStore({ kind: redis!.url, home: ws.home });
        await store.ready();
        assert.equal(store.getHealth('fp-old')?.reason, 'quota');
      } finally {
        await raw.hdel('switchyard:health', 'fp-old');
      }
    },
  );

  it(
    'a cluster store follows its slot to another master (MOVED): health, budgets and pub/sub go on',
    { skip: REDIS_CLUSTER_MISSING },
    async () => {
      using f = redisFactory(cluster!);
      await using a = f.open();
      await using b = f.open();
      await a.ready();
      await b.ready();
      a.applyHealth('fp-moved', { provider: 'p', at: 1, add_uses: 1 });
      await a.flush();
      await waitFor(() => b.getHealth('fp-moved')?.uses === 1, 'the first write to reach the other replica');
      const resets = Date.now() + 3_600_000;
      const held = await a.budgets.reserve(
        'h1',
        [{ counter: 'c', limit: 100, amount: 10, soft: false, resetsAt: resets }],
        1,
        9e12,
      );
      assert.equal(held.ok, true);

      await cluster!.moveSlotOf(`${f.prefix}health`);
      a.applyHealth('fp-moved', { provider: 'p', at: 2, add_uses: 1 });
      await waitFor(
        () => b.getHealth('fp-moved')?.uses === 2,
        'a write after the move to reach the other replica',
        20_000,
      );
      a.budgets.settle('h1', [{ counter: 'c', amount: 7, resetsAt: resets }]);
      await a.budgets.flush();
      assert.deepEqual(await b.budgets.read(['c'], 1), [{ spent: 7, reserved: 0 }]);
      const now = Date.now();
      b.setAffinity(hintAt('k-moved', now));
      await b.flush();
      await waitFor(() => a.getAffinity('k-moved', now)?.route === 'p/m', 'an affinity hint after the move');
      assert.equal(a.status().ok, true);
    },
  );
  it(
    "a cluster store writes what waited once its slot's master is back, with nothing new to write (not 30 s later)",
    { skip: REDIS_CLUSTER_MISSING },
    async () => {
      // A cluster of its own: its slot's master is stopped, which would fail the other tests' writes meanwhile.
      await using own = await startTestRedisCluster();
      using f = redisFactory(own);
      await using a = f.open();
      await a.ready();
      a.applyHealth('fp-back', { provider: 'p', at: 1, add_uses: 1 });
      await a.flush();
      const owner = await own.ownerOf(`${f.prefix}health`);
      await owner.stop();
      a.applyHealth('fp-back', { provider: 'p', at: 2, state: 'cooling', reason: 'rate_limited', until: 9e12 });
      await waitFor(() => a.status().degraded === true, 'the store to notice its master is gone');
      await owner.start();
      // Nothing else changes: before, the cooldown waited for the next health change (~30 s under the fault suite).
      await waitFor(
        () => a.status().degraded !== true && a.status().pendingWrites === 0,
        'the waiting cooldown to be written and the store no longer degraded',
      );
      const raw = new Cluster([{ host: '127.0.0.1', port: own.ports[0]! }]);
      try {
        const stored = JSON.parse((await raw.hget(`${f.prefix}health`, 'fp-back')) ?? '{}') as { state?: string };
        assert.equal(stored.state, 'cooling');
      } finally {
        raw.disconnect();
      }
    },
  );
});

describe('redis URL', () => {
  it('reads cluster and sentinel URLs, masks their password, and says what is wrong with a malformed one', () => {
    assert.deepEqual(parseRedisUrl('rediss+cluster://:pw%40x@h1:7000,[::1]:7001,h3'), {
      form: 'cluster',
      nodes: [
        { host: 'h1', port: 7000 },
        { host: '::1', port: 7001 },
        { host: 'h3', port: 6379 },
      ],
      tls: true,
      password: 'pw@x',
    });
    assert.deepEqual(parseRedisUrl('redis+sentinel://u:pw@s1:26379,s2/mymaster/2'), {
      form: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      master: 'mymaster',
      db: 2,
      tls: false,
      username: 'u',
      password: 'pw',
    });
    assert.equal(maskRedisUrl('redis+sentinel://:hunter2@s1,s2/m'), 'redis+sentinel://:***@s1,s2/m');
    const refused = (url: string, why: RegExp): void =>
      assert.throws(
        () => openStore({ kind: url }),
        (err: Error) =>
          why.test(err.message) && err.message.startsWith('gateway.state: ') && !/hunter2/.test(err.message),
      );
    refused('redis+sentinel://:hunter2@s1:26379', /names the master after the hosts/);
    refused('redis+cluster://:hunter2@h1:7000/0', /only database 0/);
    refused('redis+cluster://:hunter2@h1:99999', /"h1:99999" where a host:port belongs/);
    refused('redis+sentinel://s1/m/zero', /database must be a number/);
    refused('redis+shard://h1', /expected sqlite, redis:\/\/host:port\/db, redis\+cluster/);
  });

  it('masks the password and refuses a malformed URL with the setting named', () => {
    assert.equal(maskRedisUrl('redis://user:pw@h:1/2'), 'redis://user:***@h:1/2');
    assert.equal(maskRedisUrl('rediss://pw@h'), 'rediss://***@h');
    assert.equal(maskRedisUrl('redis://h:6379/0'), 'redis://h:6379/0');
    assert.throws(
      () => openStore({ kind: 'redis://h:6379/zero' }),
      /gateway\.state: the Redis database must be a number/,
    );
    assert.throws(
      () => openStore({ kind: 'redis://:pw@[bad' }),
      (err: Error) =>
        /gateway\.state: .* is not a URL/.test(err.message) && !/pw/.test(err.message.replace('gateway', '')),
    );
  });
});
