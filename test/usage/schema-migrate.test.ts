// The ledger's schema changes only when it is behind: a ledger made before versions were kept is brought up to date
// at open (or by `switchyard usage migrate`), and a replica that starts on a current ledger runs no DDL and takes no
// lock, so starting many replicas at once never queues them behind one another (docs/usage.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { stringify } from 'yaml';
import { PostgresUsageStore } from '../../src/usage/postgres-store.ts';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import { SCHEMA_VERSION } from '../../src/usage/schema-version.ts';
import { createTestDatabase, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { PGBOUNCER_MISSING, startPgBouncer } from '../helpers/pgbouncer.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { usageRow } from './store.case.ts';

/** The tables as the first ledgers made them: no version table, no tool-call columns. */
const FIRST_LEDGER = [
  'CREATE TABLE usage_requests (id TEXT NOT NULL, at BIGINT NOT NULL, client_key TEXT NOT NULL, task TEXT NOT NULL, ' +
    'model TEXT NOT NULL, alias TEXT NOT NULL, route TEXT NOT NULL, credential TEXT NOT NULL, attempts BIGINT NOT NULL, ' +
    'input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL, ' +
    'cache_write_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL, estimated BIGINT NOT NULL, ' +
    'cost_usd DOUBLE PRECISION, status TEXT NOT NULL, failure_kind TEXT NOT NULL, latency_ms DOUBLE PRECISION NOT NULL, ' +
    'ttft_ms DOUBLE PRECISION, stream_end TEXT NOT NULL, charges TEXT NOT NULL, PRIMARY KEY (at, id))',
];

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

test('a ledger from before schema versions is brought up to date at open', { skip: POSTGRES_MISSING }, async () => {
  await using db = await createTestDatabase();
  for (const s of FIRST_LEDGER) await sql(db.url, s);
  const store = new PostgresUsageStore({ url: db.url });
  await store.open();
  const now = Date.now();
  await store.write([usageRow({ id: 'tool-era', at: now })]);
  const cols = await sql(
    db.url,
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'usage_requests'",
  );
  assert.ok(cols.rows.some((r: { column_name: string }) => r.column_name === 'tool'));
  assert.equal((await sql(db.url, 'SELECT version FROM usage_schema')).rows[0].version, SCHEMA_VERSION);
  assert.deepEqual(await store.migrate(), { from: SCHEMA_VERSION, to: SCHEMA_VERSION, ran: [] });
  await store.close();
});

test('a replica starting on a current ledger takes no schema lock', { skip: POSTGRES_MISSING }, async () => {
  await using db = await createTestDatabase();
  const first = new PostgresUsageStore({ url: db.url });
  await first.open();
  await first.close();
  // Another replica holds the schema lock (as one migrating would): a start that needs nothing must not wait on it.
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(2028)');
    const second = new PostgresUsageStore({ url: db.url, statementTimeoutMs: 3_000 });
    await second.open();
    await second.write([usageRow({ id: 'while-locked', at: Date.now() })]);
    await second.close();
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
});

test(
  'switchyard usage migrate: a PostgreSQL ledger through pgbouncer, then up to date',
  {
    skip: POSTGRES_MISSING ?? PGBOUNCER_MISSING,
  },
  async () => {
    await using db = await createTestDatabase();
    for (const s of FIRST_LEDGER) await sql(db.url, s);
    await using bouncer = await startPgBouncer(db.url);
    using ws = tempWorkspace('switchyard-usage-migrate-');
    const config = ws.write(
      'switchyard.yaml',
      stringify({
        providers: { oa: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-test-migrate-0001' } },
        main: { provider: 'oa', model: 'gpt-4o' },
        usage: { store: bouncer.url },
      }),
    );
    const run = (...args: string[]) =>
      runCliInProcess(['--config', config, ...args], { env: { SWITCHYARD_HOME: ws.home }, cwd: ws.dir });
    const first = await run('usage', 'migrate');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`schema version 0 → ${SCHEMA_VERSION} \\(`));
    const again = await run('usage', 'migrate', '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      { ...JSON.parse(again.stdout), in_effect: undefined },
      { store: 'postgres', from: SCHEMA_VERSION, to: SCHEMA_VERSION, ran: [], in_effect: undefined },
    );
  },
);

test('switchyard usage migrate: the embedded ledger says its version', async () => {
  using ws = tempWorkspace('switchyard-usage-migrate-sqlite-');
  const config = ws.write(
    'switchyard.yaml',
    stringify({
      providers: { oa: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-test-migrate-0001' } },
      main: { provider: 'oa', model: 'gpt-4o' },
    }),
  );
  const run = (...args: string[]) =>
    runCliInProcess(['--config', config, ...args], { env: { SWITCHYARD_HOME: ws.home }, cwd: ws.dir });
  const first = await run('usage', 'migrate');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^usage ledger \(sqlite\): schema version 0 → \d+ /);
  const again = await run('usage', 'migrate');
  assert.match(again.stdout, new RegExp(`^usage ledger \\(sqlite\\): schema at version ${SCHEMA_VERSION}, up to date`));
  // The file the CLI made is one the gateway opens as current.
  const store = new SqliteUsageStore({ path: `${ws.home}/usage.db` });
  assert.deepEqual(await store.migrate(), { from: SCHEMA_VERSION, to: SCHEMA_VERSION, ran: [] });
  await store.close();
});
