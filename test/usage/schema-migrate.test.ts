// The ledger's schema changes only when it is behind: a ledger made before versions were kept is brought up to date
// at open (or by `switchyard usage migrate`), and a replica that starts on a current ledger runs no DDL and takes no
// lock, so starting many replicas at once never queues them behind one another; a ledger from before end users gains
// their column with its old rows kept, userless (docs/usage.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { stringify } from 'yaml';
import { PostgresUsageStore } from '../../src/usage/postgres-store.ts';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import { SCHEMA_STEPS, SCHEMA_VERSION } from '../../src/usage/schema-version.ts';
import { requestsQuery, totalsQuery, type Dialect } from '../../src/usage/sql.ts';
import type { SqlStatement } from '../../src/usage/sql-store.ts';
import type { UsageRow } from '../../src/usage/row.ts';
import { createTestDatabase, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { PGBOUNCER_MISSING, startPgBouncer } from '../helpers/pgbouncer.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
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
      assert.deepEqual(await pgUserIndexes(db.url), ['usage_requests_named_user'], 'its index');
      await readsUsers(store, at);
    } finally {
      await store.close();
    }
  },
);

/** An SQLite ledger file made by `statements` (an older gateway's), then opened by this one. */
async function sqliteLedgerFrom(path: string, statements: readonly string[]): Promise<SqliteUsageStore> {
  const old = new DatabaseSync(path);
  for (const s of statements) old.exec(s);
  old.close();
  const store = new SqliteUsageStore({ path });
  await store.open();
  return store;
}

test('an SQLite ledger from before end users gains their column the same way', async () => {
  using ws = tempWorkspace('switchyard-usage-users-');
  const path = `${ws.home}/usage.db`;
  const at = Date.now() - 60_000;
  const store = await sqliteLedgerFrom(path, beforeUsers('sqlite', at));
  try {
    assert.deepEqual((await store.migrate()).from, 3);
    await readsUsers(store, at);
  } finally {
    await store.close();
  }
});

/** The end users' indexes a PostgreSQL ledger has. */
async function pgUserIndexes(url: string): Promise<string[]> {
  const r = await sql(url, "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'usage_requests_%user' ORDER BY 1");
  return r.rows.map((row: { indexname: string }) => row.indexname);
}

/** A ledger as version 5 left it: every row in the end users' index, the rows that name none too. */
function atVersion5(d: Dialect, at: number): string[] {
  return [
    ...beforeUsers(d, at).filter((s) => !/usage_schema|user_version/.test(s)),
    // Step 2's columns are step 5's too: SQLite has no ADD COLUMN IF NOT EXISTS to run them twice.
    ...SCHEMA_STEPS.filter((s) => s.version === 4).flatMap((s) => s.statements(d)),
    'DROP INDEX IF EXISTS usage_requests_named_user',
    'CREATE INDEX usage_requests_user ON usage_requests (end_user, at)',
    ...(d === 'postgres'
      ? [
          'CREATE TABLE usage_schema (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)',
          'INSERT INTO usage_schema VALUES (1, 5)',
        ]
      : ['PRAGMA user_version = 5']),
  ];
}

/** Rows of a busy ledger, none naming an end user. */
function manyUserless(at: number): UsageRow[] {
  return Array.from({ length: 2_000 }, (_, i) => usageRow({ id: `anon-${i}`, at: at + 10 + i, client_key: 'team' }));
}

/** The queries that read one user's rows: a page of them, and their totals. */
function userQueries(at: number, d: Dialect): SqlStatement[] {
  return [
    requestsQuery({ limit: 10, user: 'alice' }),
    totalsQuery({ by: 'route', since: at - 1, user: 'alice' }, at + 5_000, d),
  ];
}

async function pgPlan(url: string, text: string, values: readonly unknown[]): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return JSON.stringify((await c.query(`EXPLAIN ${text}`, [...values])).rows);
  } finally {
    await c.end();
  }
}

test(
  "a PostgreSQL ledger of version 5 indexes only the rows that name an end user, and a user's rows are found through it",
  { skip: POSTGRES_MISSING },
  async () => {
    await using db = await createTestDatabase();
    const at = Date.now() - 60_000;
    for (const s of atVersion5('postgres', at)) await sql(db.url, s);
    assert.deepEqual(await pgUserIndexes(db.url), ['usage_requests_user']);
    const store = new PostgresUsageStore({ url: db.url });
    try {
      assert.deepEqual(await store.migrate(), {
        from: 5,
        to: SCHEMA_VERSION,
        ran: ["the end users' index over the rows that name one"],
      });
      assert.deepEqual(await pgUserIndexes(db.url), ['usage_requests_named_user']);
      await store.open();
      await readsUsers(store, at);
      // Among many rows that name no one, the planner reads a user's few through the index of the rows that name one.
      await store.write(manyUserless(at));
      await sql(db.url, 'ANALYZE usage_requests');
      for (const q of userQueries(at, 'postgres')) {
        let n = 0;
        const plan = await pgPlan(
          db.url,
          q.sql.replace(/\?/g, () => `$${++n}`),
          q.values,
        );
        assert.match(plan, /usage_requests_named_user/, q.sql);
      }
    } finally {
      await store.close();
    }
  },
);

test("an SQLite ledger of version 5 the same: one user's rows are read through the named users' index", async () => {
  using ws = tempWorkspace('switchyard-usage-named-users-');
  const path = `${ws.home}/usage.db`;
  const at = Date.now() - 60_000;
  const store = await sqliteLedgerFrom(path, atVersion5('sqlite', at));
  try {
    assert.deepEqual((await store.migrate()).from, 5);
    await readsUsers(store, at);
    await store.write(manyUserless(at));
  } finally {
    await store.close();
  }
  const db = new DatabaseSync(path);
  try {
    db.exec('ANALYZE');
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'usage_requests_%user'")
      .all()
      .map((r) => r['name']);
    assert.deepEqual(indexes, ['usage_requests_named_user']);
    for (const q of userQueries(at, 'sqlite')) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.values);
      assert.match(JSON.stringify(plan), /usage_requests_named_user/, q.sql);
    }
  } finally {
    db.close();
  }
});

test(
  'a schema change waits past the bound of a write: a ledger busy under a long lock is migrated once it is free',
  { skip: POSTGRES_MISSING },
  async () => {
    await using db = await createTestDatabase();
    for (const s of atVersion5('postgres', Date.now())) await sql(db.url, s);
    // Another session holds the requests' table, as a long report or vacuum would, past the writes' bound.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE usage_requests IN ACCESS EXCLUSIVE MODE');
    // A bound a loaded machine's plain reads stay inside; the lock is held three times past it.
    const store = new PostgresUsageStore({ url: db.url, statementTimeoutMs: 2_000 });
    try {
      let settled = false;
      const migrated = store.migrate();
      const settle = (): boolean => (settled = true);
      migrated.then(settle, settle);
      // Released once the migration has waited for the table three times the writes' bound (or gave up).
      const waiting =
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' " +
        "AND clock_timestamp() - query_start > interval '6 seconds'";
      await until(
        'the migration waiting on the table',
        async () => settled || (await sql(db.url, waiting)).rows.length > 0,
      );
      await holder.query('ROLLBACK');
      assert.equal((await migrated).from, 5);
      assert.deepEqual(await pgUserIndexes(db.url), ['usage_requests_named_user']);
    } finally {
      await holder.end();
      await store.close();
    }
  },
);

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
