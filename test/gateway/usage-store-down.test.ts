// A ledger that cannot be written never fails a request: the gateway answers, /readyz says `usage_store` (and
// `usage_spooling`) in `degraded_by`, the warning is said once, and the rows kept in the spool are written once the
// store is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startHarness, simProvider, type Harness } from './harness.ts';
import { POSTGRES_MISSING, ADMIN_URL } from '../helpers/postgres.ts';
import { until } from '../helpers/until.ts';

test(
  'a PostgreSQL ledger that is not there yet: served, degraded, then written whole',
  { skip: POSTGRES_MISSING },
  async () => {
    const name = `switchyard_test_late_${process.pid}_${Date.now()}`;
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    let h: Harness | undefined;
    try {
      h = await startHarness({
        scenario: { models: { 'sim-large': {} }, keys: { 'sk-sim-down-000000001': {} } },
        config: (sim) => ({
          providers: { oa: simProvider(sim, 'openai', 'sk-sim-down-000000001') },
          main: { provider: 'oa', model: 'sim-large' },
          usage: { store: url.href },
        }),
      });
      const gw = h;
      const ask = () =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hello' }] }),
        });
      for (let i = 0; i < 3; i++) assert.equal((await ask()).status, 200);
      await until('/readyz to say the ledger is down', async () => {
        const body = (await (await fetch(`${gw.url}/readyz`)).json()) as { store: { degraded_by?: string[] } };
        return body.store.degraded_by?.includes('usage_store') === true;
      });
      assert.equal((await ask()).status, 200, 'still served while degraded');
      const ledger = gw.gw.app.gateway.usage!;
      // Kept on local disk, in the spool, until the server takes them.
      await until('the rows to be in the spool', () => ledger.stats.spooled === 4 && ledger.stats.pending === 0);
      assert.deepEqual(ledger.degradedBy(), ['usage_store', 'usage_spooling']);
      assert.equal(gw.logs.filter((l) => l.includes('usage ledger (postgres) cannot be written')).length, 1);
      await admin(`CREATE DATABASE ${name}`);
      await until('the queued rows to be written', () => ledger.stats.written === 4, 15_000);
      const body = (await (await fetch(`${gw.url}/readyz`)).json()) as { store: { degraded?: boolean } };
      assert.equal(body.store.degraded, undefined);
      assert.equal((await ledger.requests({ limit: 10 })).rows.length, 4);
      assert.ok(gw.logs.some((l) => l.includes('usage ledger (postgres) is writable again')));
    } finally {
      await h?.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  },
);
