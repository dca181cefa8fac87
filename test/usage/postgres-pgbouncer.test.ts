// The usage conformance suite through PgBouncer in transaction mode, how PostgreSQL is shared at scale: the ledger
// sends no startup parameter PgBouncer refuses and keeps no session state between statements (docs/usage.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresUsageStore } from '../../src/usage/postgres-store.ts';
import { createTestDatabase, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { PGBOUNCER_MISSING, startPgBouncer } from '../helpers/pgbouncer.ts';
import { usageStoreConformance, usageRow } from './store.case.ts';

const missing = POSTGRES_MISSING ?? PGBOUNCER_MISSING;

usageStoreConformance(
  'postgres through pgbouncer (transaction mode)',
  async () => {
    const db = await createTestDatabase();
    const bouncer = await startPgBouncer(db.url);
    return {
      open: async () => new PostgresUsageStore({ url: bouncer.url }),
      cleanup: async () => {
        await bouncer[Symbol.asyncDispose]();
        await db[Symbol.asyncDispose]();
      },
    };
  },
  missing,
);

test('two ledgers behind one pgbouncer in transaction mode write every row', { skip: missing }, async () => {
  await using db = await createTestDatabase();
  await using bouncer = await startPgBouncer(db.url);
  const replicas = [new PostgresUsageStore({ url: bouncer.url }), new PostgresUsageStore({ url: bouncer.url })];
  await Promise.all(replicas.map((r) => r.open()));
  const now = Date.now();
  await Promise.all(
    replicas.flatMap((r, i) =>
      Array.from({ length: 20 }, (_, n) => r.write([usageRow({ id: `r${i}-${n}`, at: now - n })])),
    ),
  );
  const [total] = await replicas[0]!.totals({ by: 'client_key', since: now - 60_000 }, now);
  assert.equal(total?.requests, 40);
  await Promise.all(replicas.map((r) => r.close()));
});
