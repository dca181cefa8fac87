// The budget store conformance suite against each state store: private memory, the SQLite state file (two handles
// standing in for two processes on one file) and Redis (two replicas on one real redis-server).
import { after, describe } from 'node:test';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import { RedisStore } from '../../src/state/redis/store.ts';
import { statePath } from '../../src/state/open.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis, type TestRedis } from '../helpers/redis.ts';
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
after(() => redis?.stop());
let prefixes = 0;

if (redis)
  budgetStoreConformance('redis', () => {
    const ws = tempWorkspace('switchyard-budgets-redis-');
    const prefix = `b${process.pid}-${++prefixes}:`;
    return {
      open: () =>
        new RedisStore({
          url: redis.url,
          prefix,
          local: new SqliteStore({ path: ':memory:' }),
          connectTimeoutMs: 2000,
          warn: () => {},
        }),
      cleanup: () => ws.cleanup(),
    };
  });
else describe('BudgetStore conformance: redis', { skip: REDIS_MISSING }, () => {});

// Redis down, paused or cut off from one replica: redis-budget-outage.test.ts.
