// Two gateway replicas on one private Redis sharing one PostgreSQL ledger (docs/gateway.md#jobs-run-once-per-deployment):
// the ledger is pruned by the replica holding the lease job:usage-prune, not by each; when that replica stops, the
// other takes the job over and prunes at once. Skipped, saying why, without redis-server or a PostgreSQL server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { startGateway, type GatewayHandle } from '../../src/gateway/server.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { PostgresUsageStore } from '../../src/usage/postgres-store.ts';
import type { UsageRow } from '../../src/usage/row.ts';
import { tempWorkspace, type TempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { createTestDatabase, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { until } from '../helpers/until.ts';
import { simProvider } from './harness.ts';

const KEY = 'sk-sim-prune-replicas-001';
const DAY = 86_400_000;
const RUNS = 'runs the once-per-deployment job usage-prune';

function oldRow(id: string): UsageRow {
  return {
    id,
    at: Date.now() - 400 * DAY,
    client_key: '',
    task: 'main',
    model: 'm',
    alias: '',
    route: 'p/m',
    credential: 'c',
    attempts: 1,
    input_tokens: 10,
    output_tokens: 5,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    estimated: false,
    cost_usd: 0.001,
    status: 'ok',
    failure_kind: '',
    latency_ms: 1,
    ttft_ms: null,
    stream_end: '',
    charges: [],
  };
}

interface Replica {
  gw: GatewayHandle;
  said: () => string[];
  /** How often it has asked for its leases. */
  naps: () => number;
}

test(
  'replicas on one Redis and one PostgreSQL ledger: one prunes; when it stops, the other takes the job over',
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
          ttlMs: 600_000,
          renewEveryMs: 50,
          sleep: (ms) => {
            naps += 1;
            return new Promise((resolve) => setTimeout(resolve, ms));
          },
        },
      });
      return { gw, said: () => lines.filter((l) => l.includes(RUNS)), naps: () => naps };
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
        await a.gw.close();
        await until(
          'replica two to take the job over and prune',
          async () => (await ledger.requests({ limit: 10 })).rows.length === 0,
          30_000,
        );
        assert.equal(b.said().length, 1);
      } finally {
        await b.gw.close();
      }
    } finally {
      await a.gw.close();
      await ledger.close();
    }
  },
);
