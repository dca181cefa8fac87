// The embedded ledger: its own SQLite file beside the state (usage.db, 0600), WAL, written in one transaction a
// batch. node:sqlite is synchronous; a batch is small and written off the request path (ledger.ts).
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { UsageStore } from './store.ts';
import { groupTotals } from './store.ts';
import {
  cursorOf,
  DAY_MS,
  HOUR_MS,
  rollupDeltas,
  type GroupTotals,
  type RequestPage,
  type RequestQuery,
  type UsageQuery,
  type UsageRow,
} from './row.ts';
import {
  deltaValues,
  INSERT_ROW,
  pruneStatements,
  requestsQuery,
  rowFrom,
  rowValues,
  ROLLUP_TABLES,
  schema,
  totalsQuery,
  upsertRollup,
} from './sql.ts';

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

export class SqliteUsageStore implements UsageStore {
  readonly kind = 'sqlite';
  #db: DatabaseSync | undefined;
  readonly #options: SqliteUsageOptions;

  constructor(options: SqliteUsageOptions) {
    this.#options = options;
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
    for (const s of schema('sqlite')) db.exec(s);
    if (this.#options.maxPageCount !== undefined)
      db.exec(`PRAGMA max_page_count = ${Math.floor(this.#options.maxPageCount)}`);
    this.#db = db;
  }

  #conn(): DatabaseSync {
    if (this.#db === undefined) throw new Error('the usage ledger is not open');
    return this.#db;
  }

  async write(rows: readonly UsageRow[]): Promise<void> {
    const db = this.#conn();
    const insert = db.prepare(INSERT_ROW);
    db.exec('BEGIN IMMEDIATE');
    try {
      // Rows already written (a retried batch) add nothing to the rollups again.
      const fresh = rows.filter((r) => Number(insert.run(...(rowValues(r) as SQLInputValue[])).changes) > 0);
      for (const [size, table] of [
        [HOUR_MS, ROLLUP_TABLES.hour],
        [DAY_MS, ROLLUP_TABLES.day],
      ] as const) {
        const upsert = db.prepare(upsertRollup(table));
        for (const d of rollupDeltas(fresh, size)) upsert.run(...(deltaValues(d) as SQLInputValue[]));
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

  async totals(q: UsageQuery, now: number): Promise<GroupTotals[]> {
    const { sql, values } = totalsQuery(q, now, 'sqlite');
    const recs = this.#conn()
      .prepare(sql)
      .all(...(values as SQLInputValue[])) as Record<string, unknown>[];
    return recs.map((r) => groupTotals(r, q.by));
  }

  async requests(q: RequestQuery): Promise<RequestPage> {
    const { sql, values } = requestsQuery(q);
    const recs = this.#conn()
      .prepare(sql)
      .all(...(values as SQLInputValue[])) as Record<string, unknown>[];
    const rows = recs.slice(0, q.limit).map(rowFrom);
    return recs.length > q.limit ? { rows, next: cursorOf(rows.at(-1)!) } : { rows };
  }

  async prune(rowsBefore: number, rollupsBefore: number): Promise<void> {
    const db = this.#conn();
    for (const s of pruneStatements(rowsBefore, rollupsBefore)) db.prepare(s.sql).run(...(s.values as SQLInputValue[]));
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }
}
