// A PostgreSQL database of its own for a test: created on the server at 127.0.0.1:5432 (or $SWITCHYARD_TEST_PG, a
// postgres:// URL of a server and user that may create databases) and dropped at the end. When no server answers,
// the tests that need one are skipped with the reason (`.ci/run` starts one where it can).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env['SWITCHYARD_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(): Promise<string | undefined> {
  // A missing server refuses at once; a long bound only lets a loaded machine answer (2 s once skipped them in a full run).
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 15_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `no PostgreSQL server at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')} (${err instanceof Error ? err.message : String(err)}); set SWITCHYARD_TEST_PG or run .ci/run, which starts one`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Why the PostgreSQL tests are skipped, or undefined when a server answers. */
export const POSTGRES_MISSING = await reachable();

export interface TestDatabase extends AsyncDisposable {
  url: string;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `switchyard_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async [Symbol.asyncDispose]() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
