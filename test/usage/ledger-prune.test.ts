// Who prunes the ledger: on its own (the library, the CLI) it deletes what is past retention after a send, once an
// hour at most; handed to the gateway (`selfPrune: false`) it never does, and prunes only when asked, by the one
// process of the deployment that holds the prune job's lease (src/gateway/server/cluster-jobs.ts). A real SQLite store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { UsageLedger } from '../../src/usage/ledger.ts';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import type { UsageRow } from '../../src/usage/row.ts';
import { ledgerRow } from './rows.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 31);

const row = (id: string, at: number): UsageRow => ledgerRow(id, { at });

async function ids(ledger: UsageLedger): Promise<string[]> {
  return (await ledger.requests({ limit: 10 })).rows.map((r) => r.id).sort();
}

for (const selfPrune of [undefined, false] as const) {
  test(`a ledger ${selfPrune === false ? 'the gateway prunes keeps old rows until asked' : 'on its own prunes after a send'}`, async () => {
    using ws = tempWorkspace('switchyard-ledger-prune-');
    const ledger = new UsageLedger({
      store: new SqliteUsageStore({ path: join(ws.dir, 'usage.db') }),
      retention: { requests: 30 * DAY, rollups: 365 * DAY },
      now: () => NOW,
      ...(selfPrune !== undefined ? { selfPrune } : {}),
    });
    try {
      ledger.record(row('old', NOW - 40 * DAY));
      ledger.record(row('new', NOW - DAY));
      await ledger.flush();
      // The rows go in first; the send's prune (when the ledger prunes itself) comes after them.
      ledger.record(row('newer', NOW));
      await ledger.flush();
      if (selfPrune === false) {
        assert.deepEqual(await ids(ledger), ['new', 'newer', 'old'], 'not pruned by a send');
        await ledger.prune();
      }
      assert.deepEqual(await ids(ledger), ['new', 'newer']);
    } finally {
      await ledger.close();
    }
  });
}
