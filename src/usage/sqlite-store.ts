// The embedded ledger: its own SQLite file beside the state (usage.db, 0600), WAL, written in one transaction a
// batch. node:sqlite is synchronous; a batch is small and written off the request path (ledger.ts). What it stores
// and reads is sql-store.ts's; this file opens the file and runs statements.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqlUsageStore, type SqlDriver, type SqlStatement, type SqlSteps } from './sql-store.ts';
import type { MigrationReport } from './store.ts';
import { addColumnStatements, schema, userColumnStatements } from './sql.ts';
import { SCHEMA_STEPS, SCHEMA_VERSION } from './schema-version.ts';
import { auditSchema } from './audit.ts';

const BUSY_TIMEOUT_MS = 10_000;

function sqlite(): typeof import('node:sqlite') {
  const mod = process.getBuiltinModule?.('node:sqlite');
  if (mod === undefined) throw new Error(`node:sqlite is not available in Node ${process.version}`);
  return mod;
}

export interface SqliteUsageOptions {
  /** The file, or `:memory:`. */
  path: string;
  /** For tests of a full disk: SQLite's max_page_count (writes past it fail with SQLITE_FULL). */
  maxPageCount?: number;
}

export class SqliteUsageStore extends SqlUsageStore {
  constructor(options: SqliteUsageOptions) {
    super(new SqliteDriver(options));
  }
}

class SqliteDriver implements SqlDriver {
  readonly kind = 'sqlite';
  readonly dialect = 'sqlite';
  readonly #options: SqliteUsageOptions;
  #db: DatabaseSync | undefined;
  /** Prepared once per connection: a batch runs the same few statements for every row. */
  readonly #statements = new Map<string, StatementSync>();

  #versionAtOpen = 0;

  constructor(options: SqliteUsageOptions) {
    this.#options = options;
  }

  async migrate(): Promise<MigrationReport> {
    if (this.#db === undefined) await this.open();
    const from = this.#versionAtOpen;
    return {
      from,
      to: Math.max(from, SCHEMA_VERSION),
      ran: SCHEMA_STEPS.filter((s) => s.version > from).map((s) => s.what),
    };
  }

  async open(): Promise<void> {
    const path = this.#options.path;
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    const db = new (sqlite().DatabaseSync)(path, { timeout: BUSY_TIMEOUT_MS });
    if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    // One process at a time owns the file, so its schema is checked by what it has (PRAGMA), not by a lock; the
    // version is kept (PRAGMA user_version) for `usage migrate` to report.
    this.#versionAtOpen = Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
    for (const s of schema('sqlite')) db.exec(s);
    const columns = db.prepare('PRAGMA table_info(usage_requests)').all() as { name: string }[];
    const present = new Set(columns.map((c) => c.name));
    for (const s of addColumnStatements('sqlite', present)) db.exec(s);
    for (const s of auditSchema('sqlite')) db.exec(s);
    for (const s of userColumnStatements('sqlite', present)) db.exec(s);
    if (this.#versionAtOpen < SCHEMA_VERSION) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    if (this.#options.maxPageCount !== undefined)
      db.exec(`PRAGMA max_page_count = ${Math.floor(this.#options.maxPageCount)}`);
    this.#db = db;
  }

  #statement(sql: string): StatementSync {
    if (this.#db === undefined) throw new Error('the usage ledger is not open');
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  async all(q: SqlStatement): Promise<Record<string, unknown>[]> {
    return this.#statement(q.sql).all(...(q.values as SQLInputValue[])) as Record<string, unknown>[];
  }

  /** Run through without yielding: node:sqlite waits for a lock synchronously, so a transaction left open across an
   * await would block another connection in this process on it for good. */
  async transaction(steps: SqlSteps): Promise<void> {
    const db = this.#db;
    if (db === undefined) throw new Error('the usage ledger is not open');
    db.exec('BEGIN IMMEDIATE');
    try {
      for (let step = steps.next(0); !step.done;) {
        const s = step.value;
        step = steps.next(Number(this.#statement(s.sql).run(...(s.values as SQLInputValue[])).changes));
      }
      db.exec('COMMIT');
    } catch (err) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // Already rolled back by SQLite (SQLITE_FULL does).
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#statements.clear();
    this.#db?.close();
    this.#db = undefined;
  }
}
