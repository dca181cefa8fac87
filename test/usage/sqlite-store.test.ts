// The usage conformance suite against the embedded SQLite ledger: two handles on one file; and a ledger made before
// tool calls were recorded gains their columns at open, its rows kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { usageRow, usageStoreConformance } from './store.case.ts';
import { SELF_CHARGED } from '../../src/usage/charges-text.ts';

usageStoreConformance('sqlite', async () => {
  const ws = tempWorkspace('switchyard-usage-');
  const path = join(ws.home, 'usage.db');
  return { open: async () => new SqliteUsageStore({ path }), cleanup: async () => ws.cleanup() };
});

test('a ledger from before tool calls gains their columns at open and keeps its rows', async () => {
  using ws = tempWorkspace('switchyard-usage-old-');
  const path = join(ws.home, 'usage.db');
  const old = new DatabaseSync(path);
  old.exec(
    'CREATE TABLE usage_requests (id TEXT NOT NULL, at INTEGER NOT NULL, client_key TEXT NOT NULL, task TEXT NOT NULL, ' +
      'model TEXT NOT NULL, alias TEXT NOT NULL, route TEXT NOT NULL, credential TEXT NOT NULL, attempts INTEGER NOT NULL, ' +
      'input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL, ' +
      'cache_write_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL, estimated INTEGER NOT NULL, cost_usd REAL, ' +
      'status TEXT NOT NULL, failure_kind TEXT NOT NULL, latency_ms REAL NOT NULL, ttft_ms REAL, stream_end TEXT NOT NULL, ' +
      'charges TEXT NOT NULL, PRIMARY KEY (at, id))',
  );
  old.exec(
    "INSERT INTO usage_requests VALUES ('old', 1, 'k', 'main', 'm', '', 'p/m', 'fp', 1, 1, 1, 0, 0, 0, 0, NULL, 'ok', '', 1, NULL, '', '[]')",
  );
  old.close();
  const store = new SqliteUsageStore({ path });
  await store.open();
  try {
    await store.write([
      usageRow({ id: 'tool', mcp_server: 'files', tool: 'read', request_bytes: 1, response_bytes: 2 }),
    ]);
    const rows = (await store.requests({ limit: 10 })).rows;
    assert.deepEqual(
      rows.map((r) => [r.id, r.tool]),
      [
        ['tool', 'read'],
        ['old', undefined],
      ],
    );
  } finally {
    await store.close();
  }
});

test("a row answered by its first attempt keeps that charge as '[{}]', and an older gateway's full text reads the same", async () => {
  using ws = tempWorkspace('switchyard-usage-charges-');
  const path = join(ws.home, 'usage.db');
  const row = usageRow({ id: 'new' });
  const store = new SqliteUsageStore({ path });
  await store.open();
  try {
    await store.write([row]);
    const raw = new DatabaseSync(path);
    try {
      const kept = raw.prepare("SELECT charges FROM usage_requests WHERE id = 'new'").get() as { charges: string };
      assert.equal(kept.charges, SELF_CHARGED);
      // How a gateway before the compact form wrote the same row.
      raw
        .prepare("UPDATE usage_requests SET charges = ?, id = 'old' WHERE id = 'new'")
        .run(JSON.stringify(row.charges));
    } finally {
      raw.close();
    }
    await store.write([row]);
    const back = (await store.requests({ limit: 10 })).rows;
    // Newest first, ties by id: 'old' before 'new'.
    assert.deepEqual(back, [{ ...row, id: 'old' }, row]);
  } finally {
    await store.close();
  }
});
