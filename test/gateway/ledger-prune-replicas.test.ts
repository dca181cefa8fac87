// Two gateway replicas on one private Redis sharing one PostgreSQL ledger (docs/replicas.md#jobs-run-once-per-deployment):
// the ledger is pruned by the replica holding the lease job:usage-prune, not by each; when that replica hangs (it no
// longer renews: its injected sleep never ends, as a process stopped or killed), the other takes the job over once
// the lease runs out, and prunes at once. Skipped, saying why, without redis-server or a PostgreSQL server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { startGateway, type GatewayHandle } from '../../src/gateway/server/server.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { PostgresUsageStore } from '../../src/usage/postgres-store.ts';
import type { UsageRow } from '../../src/usage/row.ts';
import { ledgerRow } from '../usage/rows.ts';
import { tempWorkspace, type TempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { createTestDatabase, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { until } from '../helpers/until.ts';
import { simProvider } from './harness.ts';

const KEY = 'sk-sim-prune-replicas-001';
const DAY = 86_400_000;
const RUNS = 'runs the once-per-deployment job usage-prune';
/** Long enough that a loaded machine's late renewal never hands the job over while its holder lives. */
const TTL_MS = 3_000;

const oldRow = (id: string): UsageRow => ledgerRow(id, { at: Date.now() - 400 * DAY });

interface Replica {
  gw: GatewayHandle;
  said: () => string[];
  /** How often it has asked for its leases. */
  naps: () => number;
  /** From now on it never renews its leases. */
  hang: () => void;
}

test(
  'replicas on one Redis and one PostgreSQL ledger: one prunes; when it hangs, the other takes the job over',
  { skip: REDIS_MISSING ?? POSTGRES_MISSING, timeout: 120_000 },
  async () => {
    await using redis = await startTestRedis();
    await using db = await createTestDatabase();
    await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [KEY]: {} } } });
    const ledger = new PostgresUsageStore({ url: db.url });
    await ledger.open();
    using one = tempWorkspace('switchyard-prune-one-');
    using two = tempWorkspace('switchyard-prune-two-');

    const start = async (ws: TempWorkspace): Promise<Replica> => {
      const lines: string[] = [];
      let naps = 0;
      let hung = false;
      const configPath = ws.write(
        'switchyard.yaml',
        stringify({
          providers: { p: simProvider(sim.url, 'openai', [KEY]) },
          main: { provider: 'p', model: 'sim-large' },
          gateway: { state: redis.url, require_keys: false },
          usage: { store: db.url },
        }),
      );
      const gw = await startGateway({
        loaded: loadConfig({ configPath, cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } }),
        logger: createLogger({ destination: { write: (l: string) => void lines.push(l) } }),
        listen: '127.0.0.1:0',
        watch: false,
        drainMs: 5_000,
        clusterJobs: {
          ttlMs: TTL_MS,
          renewEveryMs: 50,
          sleep: (ms) => {
            naps += 1;
            return hung ? new Promise(() => {}) : new Promise((resolve) => setTimeout(resolve, ms));
          },
        },
      });
      return { gw, said: () => lines.filter((l) => l.includes(RUNS)), naps: () => naps, hang: () => (hung = true) };
    };

    const a = await start(one);
    try {
      await until('replica one to take the prune job', () => a.said().length === 1);
      const b = await start(two);
      try {
        await until('replica two to ask for the lease a few times', () => b.naps() >= 5);
        assert.deepEqual(b.said(), [], 'replica two does not prune while replica one holds the job');

        // A row past retention, written after replica one's prune: only a prune by replica two removes it now.
        await ledger.write([oldRow('past-retention')]);
        a.hang();
        await until(
          'replica two to take the job over once the lease runs out, and prune',
          async () => (await ledger.requests({ limit: 10 })).rows.length === 0,
          TTL_MS + 30_000,
        );
        // Its line comes once its prune returns, which may be after the rows are gone.
        await until('replica two to say it pruned', () => b.said().length === 1);
      } finally {
        await b.gw.close();
      }
    } finally {
      await a.gw.close();
      await ledger.close();
    }
  },
);
