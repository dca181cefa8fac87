// A ledger stopped just after its PostgreSQL server came back, before its backoff let it try again: the stop sends the
// spooled rows rather than leaving them for a next start that may never come (a pod's emptyDir goes with the pod; the
// scale suite's cut host was stopped so). A stop while the server is still down keeps them in the spool, said. A real
// PostgreSQL server behind a TCP proxy the test cuts; real spool files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { UsageLedger } from '../../src/usage/ledger.ts';
import { UsageSpool } from '../../src/usage/spool.ts';
import { PostgresUsageStore } from '../../src/usage/postgres-store.ts';
import type { UsageRow } from '../../src/usage/row.ts';
import { ledgerRow } from './rows.ts';
import { createTestDatabase, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const DAY = 86_400_000;

const row = (id: string): UsageRow => ledgerRow(id, { at: Date.now() });

async function ids(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query('SELECT id FROM usage_requests ORDER BY id')).rows.map((r: { id: string }) => r.id);
  } finally {
    await c.end();
  }
}

/** Rows left in the spool's files. */
function spooled(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + (statSync(join(dir, f)).size > 0 ? 1 : 0), 0);
}

/** A ledger on the database through the proxy, flushed only when the test says (its timer far away). */
async function ledgerThrough(dbUrl: string, spoolDir: string, warnings: string[]) {
  const proxy = await startTcpProxy(Number(new URL(dbUrl).port || 5432), new URL(dbUrl).hostname);
  const via = new URL(dbUrl);
  via.host = `127.0.0.1:${proxy.port}`;
  const ledger = new UsageLedger({
    store: new PostgresUsageStore({ url: via.href }),
    spool: new UsageSpool({ dir: spoolDir, maxBytes: 1 << 20 }),
    retention: { requests: 30 * DAY, rollups: 365 * DAY },
    warn: (m) => warnings.push(m),
    flushIntervalMs: 3_600_000,
  });
  ledger.record(row('before-0'));
  await ledger.flush();
  assert.equal(ledger.stats.written, 1, warnings.join('\n'));
  return { proxy, ledger };
}

test(
  'a ledger stopped while its server is back but its backoff still waits sends the spool at the stop',
  { skip: POSTGRES_MISSING },
  async () => {
    await using db = await createTestDatabase();
    using ws = tempWorkspace('switchyard-ledger-close-');
    const warnings: string[] = [];
    const spoolDir = join(ws.home, 'usage-spool');
    const { proxy, ledger } = await ledgerThrough(db.url, spoolDir, warnings);
    try {
      proxy.cut();
      for (let i = 0; i < 20; i++) ledger.record(row(`cut-${String(i).padStart(2, '0')}`));
      await ledger.flush();
      assert.deepEqual(ledger.degradedBy(), ['usage_store', 'usage_spooling']);
      proxy.mend();
      await ledger.close();
    } finally {
      await proxy.close();
    }
    assert.equal((await ids(db.url)).length, 21, warnings.join('\n'));
    assert.equal(spooled(spoolDir), 0);
    assert.deepEqual(
      warnings.filter((w) => w.includes('sent at the next start')),
      [],
    );
  },
);

test(
  'a ledger stopped while its server is still down keeps the rows in the spool, and says so',
  { skip: POSTGRES_MISSING },
  async () => {
    await using db = await createTestDatabase();
    using ws = tempWorkspace('switchyard-ledger-close-down-');
    const warnings: string[] = [];
    const spoolDir = join(ws.home, 'usage-spool');
    const { proxy, ledger } = await ledgerThrough(db.url, spoolDir, warnings);
    try {
      proxy.cut();
      for (let i = 0; i < 20; i++) ledger.record(row(`cut-${String(i).padStart(2, '0')}`));
      await ledger.close();
    } finally {
      await proxy.close();
    }
    assert.equal((await ids(db.url)).length, 1);
    assert.equal(spooled(spoolDir), 1, 'one file holds the 20 rows');
    assert.ok(
      warnings.some((w) => /20 rows kept in .*usage-spool.*, sent at the next start/.test(w)),
      warnings.join('\n'),
    );
  },
);
