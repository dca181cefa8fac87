// The budget store conformance suite against each state store: private memory, the SQLite state file (two handles
// standing in for two processes on one file) and Redis (two replicas on one real redis-server, on a 3-master Redis
// Cluster, where every script's keys must share the prefix's hash tag, and behind Sentinel, where budget writes are
// fenced until the replica has them).
import { after, describe } from 'node:test';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import { RedisStore } from '../../src/state/redis/store.ts';
import { statePath } from '../../src/state/open.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import {
  REDIS_CLUSTER_MISSING,
  REDIS_MISSING,
  REDIS_SENTINEL_MISSING,
  startTestRedis,
  startTestRedisCluster,
  startTestRedisSentinel,
  type TestRedis,
} from '../helpers/redis.ts';
import { budgetStoreConformance } from './budget-store.case.ts';

const ONE_PROCESS = 'a private memory store has no second process to share with';

budgetStoreConformance(
  'memory',
  () => {
    const store = new SqliteStore({ path: ':memory:' });
    let opened = false;
    return {
      // The same store each time (there is no second process), closed once.
      open: () => {
        if (opened) throw new Error('memory store opened twice');
        opened = true;
        return store;
      },
      cleanup: () => {},
    };
  },
  {
    'two processes share counters: a hold taken by one keeps the other out': ONE_PROCESS,
    '50 racing reserves from two processes overshoot a cap by at most one hold': ONE_PROCESS,
    'processes racing to seed a counter seed it once': ONE_PROCESS,
  },
);

budgetStoreConformance('sqlite', () => {
  const ws = tempWorkspace('switchyard-budgets-');
  return { open: () => new SqliteStore({ path: statePath({ home: ws.home }) }), cleanup: () => ws.cleanup() };
});

const redis: TestRedis | undefined = REDIS_MISSING ? undefined : await startTestRedis();
const cluster = REDIS_CLUSTER_MISSING ? undefined : await startTestRedisCluster();
const sentinel = REDIS_SENTINEL_MISSING ? undefined : await startTestRedisSentinel();
after(async () => {
  await redis?.stop();
  await cluster?.stop();
  await sentinel?.stop();
});
let prefixes = 0;

/** Two replicas on one Redis, each factory under its own key prefix (a hash tag, as a cluster needs). */
function redisFactory(url: string) {
  return () => {
    const ws = tempWorkspace('switchyard-budgets-redis-');
    const prefix = `{b${process.pid}-${++prefixes}}:`;
    return {
      open: () =>
        new RedisStore({
          url,
          prefix,
          local: new SqliteStore({ path: ':memory:' }),
          // The suite checks what the counters hold, not when a reserve gives up on Redis (the outage tests do): at
          // load 45 (three suites at once) a reserve took past 250 ms, and each replica went to its own book.
          connectTimeoutMs: 30_000,
          commandTimeoutMs: 30_000,
          sharedTimeoutMs: 30_000,
          warn: () => {},
        }),
      cleanup: () => ws.cleanup(),
    };
  };
}

if (redis) budgetStoreConformance('redis', redisFactory(redis.url));
else describe('BudgetStore conformance: redis', { skip: REDIS_MISSING }, () => {});
if (cluster) budgetStoreConformance('redis cluster (3 masters)', redisFactory(cluster.url));
else describe('BudgetStore conformance: redis cluster', { skip: REDIS_CLUSTER_MISSING }, () => {});
if (sentinel) budgetStoreConformance('redis sentinel (master + replica)', redisFactory(sentinel.url));
else describe('BudgetStore conformance: redis sentinel', { skip: REDIS_SENTINEL_MISSING }, () => {});

// Redis down, paused or cut off from one replica: redis-budget-outage.test.ts.
