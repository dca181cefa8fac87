// A PostgreSQL database of its own for a test: created on the server at 127.0.0.1:5432 (or $SWITCHYARD_TEST_PG, a
// postgres:// URL of a server and user that may create databases) and dropped at the end. When no server answers,
// the tests that need one are skipped with the reason (`.ci/run` starts one where it can).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env['SWITCHYARD_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** How long a server that accepts connections but answers slowly is waited for: at load 40 one took over 15 s to
 * answer a connection, and the tests that needed it were skipped as though it were missing. */
const SLOW_SERVER_MS = 120_000;

/** Why a connection failed, or undefined when the server answered. */
async function tryOnce(): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 15_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  } finally {
    await client.end().catch(() => {});
  }
}

async function reachable(): Promise<string | undefined> {
  // A missing server refuses at once; one that only times out is there but slow, and is asked again.
  const end = Date.now() + SLOW_SERVER_MS;
  let err = await tryOnce();
  while (err !== undefined && /timeout/i.test(err.message) && Date.now() < end) err = await tryOnce();
  if (err === undefined) return undefined;
  return `no PostgreSQL server at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')} (${err.message}); set SWITCHYARD_TEST_PG or run .ci/run, which starts one`;
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
