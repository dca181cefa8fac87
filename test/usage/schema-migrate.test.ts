// The ledger's schema changes only when it is behind: a ledger made before versions were kept is brought up to date
// at open (or by `switchyard usage migrate`), and a replica that starts on a current ledger runs no DDL and takes no
// lock, so starting many replicas at once never queues them behind one another; a ledger from before end users gains
// their column with its old rows kept, userless (docs/usage.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { stringify } from 'yaml';
import { PostgresUsageStore } from '../../src/usage/postgres-store.ts';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import { SCHEMA_STEPS, SCHEMA_VERSION } from '../../src/usage/schema-version.ts';
import type { Dialect } from '../../src/usage/sql.ts';
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

/** A ledger as a gateway from before end users left it (schema version 3), holding one request of that time. */
function beforeUsers(d: Dialect, at: number): string[] {
  return [
    ...SCHEMA_STEPS.filter((s) => s.version <= 3).flatMap((s) => s.statements(d)),
    ...(d === 'postgres'
      ? [
          'CREATE TABLE usage_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)',
          'INSERT INTO usage_schema VALUES (1, 3)',
        ]
      : ['PRAGMA user_version = 3']),
    'INSERT INTO usage_requests (id, at, client_key, task, model, alias, route, credential, attempts, input_tokens, ' +
      'output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, estimated, cost_usd, status, ' +
      "failure_kind, latency_ms, ttft_ms, stream_end, charges) VALUES ('old', " +
      `${at}, 'team', 'main', 'gpt-4o', '', 'oa/gpt-4o', 'fp1', 1, 10, 2, 0, 0, 0, 0, 0.001, 'ok', '', 5, NULL, '', '[]')`,
  ];
}

/** What a ledger migrated from version 3 reads: its old row with no user, a new row found by its user, both totalled. */
async function readsUsers(store: PostgresUsageStore | SqliteUsageStore, at: number): Promise<void> {
  await store.write([usageRow({ id: 'new', at: at + 1, client_key: 'team', user: 'alice' })]);
  const rows = (await store.requests({ limit: 10 })).rows;
  assert.deepEqual(
    rows.map((r) => [r.id, r.user]),
    [
      ['new', 'alice'],
      ['old', undefined],
    ],
  );
  assert.deepEqual(
    (await store.requests({ limit: 10, user: 'alice' })).rows.map((r) => r.id),
    ['new'],
  );
  const byUser = await store.totals({ by: 'user', since: at - 1 }, at + 2);
  assert.deepEqual(
    byUser.map((g) => [g.group, g.requests]),
    [
      ['', 1],
      ['alice', 1],
    ],
  );
}

test(
  'a PostgreSQL ledger from before end users gains their column: old rows have none, new ones are found by theirs',
  { skip: POSTGRES_MISSING },
  async () => {
    await using db = await createTestDatabase();
    const at = Date.now() - 60_000;
    for (const s of beforeUsers('postgres', at)) await sql(db.url, s);
    const store = new PostgresUsageStore({ url: db.url });
    try {
      assert.deepEqual(await store.migrate(), {
        from: 3,
        to: SCHEMA_VERSION,
        ran: SCHEMA_STEPS.filter((s) => s.version > 3).map((s) => s.what),
      });
      await store.open();
      const cols = await sql(
        db.url,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'usage_requests' AND column_name = 'end_user'",
      );
      assert.equal(cols.rows.length, 1, 'the end_user column');
      const index = await sql(db.url, "SELECT indexname FROM pg_indexes WHERE indexname = 'usage_requests_user'");
      assert.equal(index.rows.length, 1, 'its index');
      await readsUsers(store, at);
    } finally {
      await store.close();
    }
  },
);

test('an SQLite ledger from before end users gains their column the same way', async () => {
  using ws = tempWorkspace('switchyard-usage-users-');
  const path = `${ws.home}/usage.db`;
  const at = Date.now() - 60_000;
  const { DatabaseSync } = await import('node:sqlite');
  const old = new DatabaseSync(path);
  for (const s of beforeUsers('sqlite', at)) old.exec(s);
  old.close();
  const store = new SqliteUsageStore({ path });
  try {
    await store.open();
    assert.deepEqual((await store.migrate()).from, 3);
    await readsUsers(store, at);
  } finally {
    await store.close();
  }
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
