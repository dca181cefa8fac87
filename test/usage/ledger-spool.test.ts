// A PostgreSQL ledger that goes away, as real `switchyard gateway` processes meet it: a TCP proxy between the gateway
// and the server is cut (the server is down), stalled (paused: slow) and mended (it is back). While it is cut, the rows go to the local
// spool and /readyz says `usage_spooling`; mended, the spool is sent in order with no row twice (nor twice in the
// rollups); a gateway stopped while it is cut leaves its spool, and the next start sends it; a gateway killed with
// kill -9 loses at most the rows of its last flush interval. Skipped, saying why, without a PostgreSQL server.
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { createTestDatabase, ADMIN_URL, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { load, type Answer } from '../helpers/chat-load.ts';

const KEY = 'sk-sim-ledger-spool-key-01';

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const exists = await c.query("SELECT to_regclass('usage_requests') IS NOT NULL AS t");
    if (exists.rows[0].t !== true) return [];
    return (await c.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

async function degradedBy(url: string): Promise<string[]> {
  const body = (await (await fetch(`${url}/readyz`)).json()) as { store: { degraded_by?: string[] } };
  return body.store.degraded_by ?? [];
}

test(
  'PostgreSQL down: rows spooled, sent when it is back, kept over a stop, sent by the next start',
  { skip: POSTGRES_MISSING, timeout: 180_000 },
  async (t) => {
    await using db = await createTestDatabase();
    await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [KEY]: {} } } });
    const target = new URL(ADMIN_URL);
    const proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    t.after(() => proxy.close());
    const store = new URL(db.url);
    store.host = `127.0.0.1:${proxy.port}`;
    using ws = tempWorkspace('switchyard-ledger-spool-');
    const configPath = ws.write(
      'switchyard.yaml',
      stringify({
        providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: KEY } },
        main: { provider: 'sim', model: 'sim-large' },
        gateway: { require_keys: false },
        usage: { store: store.href },
      }),
    );
    const start = (): Promise<GatewayProcess> =>
      spawnGateway(t, ['--config', configPath], { SWITCHYARD_HOME: ws.home }, ws.dir, { killAfterMs: 170_000 });
    const rows = async (): Promise<number> =>
      Number((await query(db.url, 'SELECT count(*) AS n FROM usage_requests'))[0]?.['n'] ?? 0);
    const answered: Answer[] = [];

    // Up, then down: served all the same, spooled, said by /readyz.
    await using gw = await start();
    await load(gw.url, 100, answered);
    await until('the first rows to be written', async () => (await rows()) === answered.length, 20_000);
    proxy.cut();
    await load(gw.url, 300, answered);
    assert.equal(answered.length, 400, 'every request answered while the ledger is down');
    await until('/readyz to say the rows are spooled', async () =>
      (await degradedBy(gw.url)).includes('usage_spooling'),
    );
    // Back: the spool is sent, once.
    proxy.mend();
    await until('the spooled rows to be written', async () => (await rows()) === answered.length, 30_000);
    await until('/readyz to stop saying it', async () => (await degradedBy(gw.url)).length === 0, 20_000);

    // Slow (paused, not gone): past the 5 s bound the server counts as down; the rows wait in the spool.
    proxy.stall();
    const stalledAt = answered.length;
    await load(gw.url, 100, answered);
    assert.equal(answered.length, stalledAt + 100, 'every request answered while the ledger is stalled');
    await until(
      '/readyz to say the rows are spooled',
      async () => (await degradedBy(gw.url)).includes('usage_spooling'),
      20_000,
    );
    proxy.mend();
    await until('the rows held by the stall to be written', async () => (await rows()) === answered.length, 30_000);
    await until('/readyz to stop saying it', async () => (await degradedBy(gw.url)).length === 0, 20_000);

    // Down again, and stopped: the spool is left for the next start; nothing is lost, exit 0.
    proxy.cut();
    await load(gw.url, 200, answered);
    gw.child.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.stderr().slice(-3000));
    assert.match(gw.stderr(), /usage ledger \(postgres\): \d+ rows? kept in .*usage-spool.*, sent at the next start/);

    // Started again while still down, then killed with kill -9 mid-load.
    await using second = await start();
    const before = answered.length;
    const killed = load(second.url, 2_000, answered);
    await until('answers from the second gateway', () => answered.length >= before + 150, 30_000);
    second.child.kill('SIGKILL');
    const killedAt = Date.now();
    await killed;
    await second.exited;

    // Back, and a third start sends what both left.
    proxy.mend();
    await using third = await start();
    const spoolDir = join(ws.home, 'usage-spool');
    await until(
      'the spools to be sent',
      () => readdirSync(spoolDir).every((f) => statSync(join(spoolDir, f)).size === 0),
      30_000,
    );
    assert.deepEqual(await degradedBy(third.url), []);
    const written = new Set((await query(db.url, 'SELECT id FROM usage_requests')).map((r) => String(r['id'])));
    const lost = answered.filter((a) => !written.has(a.id));
    const oldest = Math.max(0, ...lost.map((a) => killedAt - a.at));
    t.diagnostic(
      `${answered.length} answers, ${written.size} rows; kill -9 lost ${lost.length} of the ${answered.length - before} answered by the killed gateway, the oldest received ${oldest} ms before the kill`,
    );
    // Every answer of the first gateway (stopped) is there; of the killed one's, only those of its last moments.
    assert.deepEqual(
      answered.slice(0, before).filter((a) => !written.has(a.id)),
      [],
    );
    // 100 ms is the flush interval; the rest is room for a loaded machine's timers.
    assert.ok(oldest <= 1_000, `a row answered ${oldest} ms before the kill was lost`);
    const total = Number((await query(db.url, 'SELECT sum(requests) AS n FROM usage_hourly'))[0]?.['n'] ?? 0);
    assert.equal(total, written.size, 'each row added to the rollups once');
  },
);
