// A PostgreSQL ledger under faults, as a real `switchyard gateway` meets them: the server ending the gateway's
// connections under load (`pg_terminate_backend`, as a restart or a failover does: 57P01) never ends the process, and
// every answer the clients received has its row once the server takes writes again. Skipped, saying why, without a
// PostgreSQL server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { createTestDatabase, ADMIN_URL, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const KEY = 'sk-sim-pg-faults-key-00001';
const CONCURRENT = 16;
const REQUESTS = 1_200;

/** Ends every connection the gateway holds, as often as `every` allows, until `stop()` is called. */
function terminateLoop(app: string): { stop: () => Promise<number> } {
  let running = true;
  let ended = 0;
  const loop = (async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      while (running) {
        const r = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [app],
        );
        ended += r.rowCount ?? 0;
        await new Promise((r) => setTimeout(r, 15));
      }
    } finally {
      await admin.end();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return ended;
    },
  };
}

async function countRows(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const exists = await c.query("SELECT to_regclass('usage_requests') IS NOT NULL AS t");
    if (exists.rows[0].t !== true) return 0;
    return Number((await c.query('SELECT count(*) AS n FROM usage_requests')).rows[0].n);
  } finally {
    await c.end();
  }
}

test(
  'connections terminated under load: the gateway lives and the ledger has a row per answer',
  { skip: POSTGRES_MISSING, timeout: 120_000 },
  async (t) => {
    await using db = await createTestDatabase();
    await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [KEY]: {} } } });
    const app = `switchyard_faults_${process.pid}`;
    const store = new URL(db.url);
    store.searchParams.set('application_name', app);
    using ws = tempWorkspace('switchyard-pg-faults-');
    const configPath = ws.write(
      'switchyard.yaml',
      stringify({
        providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: KEY } },
        main: { provider: 'sim', model: 'sim-large' },
        gateway: { require_keys: false },
        usage: { store: store.href },
      }),
    );
    await using gw = await spawnGateway(t, ['--config', configPath], { SWITCHYARD_HOME: ws.home }, ws.dir, {
      killAfterMs: 110_000,
    });
    const terminator = terminateLoop(app);
    let answered = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < REQUESTS && gw.child.exitCode === null) {
        next += 1;
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: `hi ${next}` }] }),
        }).catch(() => undefined);
        if (res === undefined) return;
        await res.arrayBuffer();
        if (res.status === 200) answered += 1;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT }, worker));
    const ended = await terminator.stop();
    t.diagnostic(`${answered} answers, ${ended} connections terminated`);
    assert.equal(gw.child.exitCode, null, `the gateway died: ${gw.stderr().slice(-2000)}`);
    assert.equal(answered, REQUESTS);
    assert.ok(ended > 0, 'no connection of the gateway was terminated');
    await until('every answer to have its row', async () => (await countRows(db.url)) === answered, 30_000);
    gw.child.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.stderr().slice(-2000));
    assert.equal(await countRows(db.url), answered, 'no row twice');
  },
);
