// The ledger with a spool that cannot take rows (full): the rows stay in memory and go to the store directly, /readyz
// reasons say `usage_spool_full`, and a ledger closed with a spool full and a store
// that refuses counts the rows it could not keep. Real files, a real SQLite store behind the spool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { UsageLedger } from '../../src/usage/ledger.ts';
import { UsageSpool } from '../../src/usage/spool.ts';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import type { UsageRow } from '../../src/usage/row.ts';
import { ledgerRow } from './rows.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const DAY = 86_400_000;

const row = (id: string): UsageRow => ledgerRow(id, { at: Date.now() });

test('a full spool: rows go to the store directly, and it is said once', async () => {
  using ws = tempWorkspace('switchyard-ledger-spool-full-');
  const warnings: string[] = [];
  const ledger = new UsageLedger({
    store: new SqliteUsageStore({ path: join(ws.home, 'usage.db') }),
    spool: new UsageSpool({ dir: join(ws.home, 'usage-spool'), maxBytes: 100 }),
    retention: { requests: 30 * DAY, rollups: 365 * DAY },
    warn: (m) => warnings.push(m),
    flushIntervalMs: 60_000,
  });
  for (let i = 0; i < 5; i++) ledger.record(row(`r${i}`));
  await ledger.flush();
  assert.deepEqual(ledger.degradedBy(), ['usage_spool_full']);
  assert.equal(ledger.stats.written, 5);
  assert.equal(ledger.stats.pending, 0);
  assert.equal((await ledger.requests({ limit: 10 })).rows.length, 5);
  assert.equal(warnings.filter((w) => w.includes('usage spool cannot take rows')).length, 1);
  await ledger.close();
  assert.equal(ledger.stats.unkept, 0);
});

test('closed with the spool full and the store refusing: the rows kept nowhere are counted and said', async () => {
  using ws = tempWorkspace('switchyard-ledger-spool-full-');
  const errors: string[] = [];
  const ledger = new UsageLedger({
    // SQLite capped at its schema's pages: every write fails with SQLITE_FULL, as on a full disk.
    store: new SqliteUsageStore({ path: join(ws.home, 'usage.db'), maxPageCount: 1 }),
    spool: new UsageSpool({ dir: join(ws.home, 'usage-spool'), maxBytes: 100 }),
    retention: { requests: 30 * DAY, rollups: 365 * DAY },
    error: (m) => errors.push(m),
    flushIntervalMs: 60_000,
  });
  for (let i = 0; i < 300; i++) ledger.record(row(`r${i}`));
  await ledger.flush();
  assert.deepEqual(ledger.degradedBy(), ['usage_store', 'usage_spool_full']);
  await ledger.close();
  assert.equal(ledger.stats.unkept, 300);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^usage ledger: 300 rows could not be kept \(the usage spool is full/);
});
