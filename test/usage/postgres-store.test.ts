// The usage conformance suite against PostgreSQL: a database of its own on the local server, two pools on it.
import { PostgresUsageStore } from '../../src/usage/postgres-store.ts';
import { createTestDatabase, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { usageStoreConformance } from './store.case.ts';

usageStoreConformance(
  'postgres',
  async () => {
    const db = await createTestDatabase();
    return {
      open: async () => new PostgresUsageStore({ url: db.url }),
      cleanup: async () => {
        await db[Symbol.asyncDispose]();
      },
    };
  },
  POSTGRES_MISSING,
);
