// The usage conformance suite against the embedded SQLite ledger: two handles on one file.
import { join } from 'node:path';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { usageStoreConformance } from './store.case.ts';

usageStoreConformance('sqlite', async () => {
  const ws = tempWorkspace('switchyard-usage-');
  const path = join(ws.home, 'usage.db');
  return { open: async () => new SqliteUsageStore({ path }), cleanup: async () => ws.cleanup() };
});
