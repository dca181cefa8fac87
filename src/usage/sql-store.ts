// The ledger's store over any SQL database, written once for SQLite and PostgreSQL: a batch in one transaction (rows
// kept once, their deltas added to the rollups), grouped totals, pages of rows and pruning. A driver
// (sqlite-store.ts, postgres-store.ts) only opens its database, creates the tables and runs statements.
import type { MigrationReport, UsageStore } from './store.ts';
import { groupTotals } from './store.ts';
import {
  cursorOf,
  DAY_MS,
  HOUR_MS,
  rollupDeltas,
  type GroupTotals,
  type RequestPage,
  type RequestQuery,
  type RollupDelta,
  type ToolQuery,
  type ToolTotals,
  type GuardTotals,
  type UsageQuery,
  type UsageRow,
} from './row.ts';
import {
  deltaValues,
  rowInsert,
  pruneStatements,
  requestsQuery,
  rowFrom,
  ROLLUP_TABLES,
  toolTotalsFrom,
  toolTotalsQuery,
  guardTotalsQuery,
  guardTotalsFrom,
  totalsQuery,
  upsertRollup,
  type Dialect,
  type SqlValue,
} from './sql.ts';
import { auditFrom, auditQuery, insertAudit, pruneAudit, type AuditEntry, type AuditQuery } from './audit.ts';

/** One statement, `?` placeholders as sql.ts writes them. */
export interface SqlStatement {
  sql: string;
  values: readonly SqlValue[];
}

/** A transaction's statements in order, each answered with how many rows it changed: a generator, so SQLite can run
 * the whole transaction synchronously (yielding to the event loop inside one would let another connection in this
 * process block on the lock it holds) while PostgreSQL awaits each. */
export type SqlSteps = Generator<SqlStatement, void, number>;

/** One database, as the shared store needs it. */
export interface SqlDriver {
  /** `sqlite` or `postgres`, for messages and `/readyz`. */
  readonly kind: string;
  readonly dialect: Dialect;
  /** Connects and creates the tables when missing (sql.ts `schema`). */
  open(): Promise<void>;
  /** Brings the schema up to date (`switchyard usage migrate`); `open` does it too, when the schema is behind. */
  migrate(): Promise<MigrationReport>;
  all(q: SqlStatement): Promise<Record<string, unknown>[]>;
  /** The steps in one write transaction: committed when they are done, rolled back when one throws. */
  transaction(steps: SqlSteps): Promise<void>;
  close(): Promise<void>;
}

export class SqlUsageStore implements UsageStore {
  readonly #db: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#db = driver;
  }

  get kind(): string {
    return this.#db.kind;
  }

  open(): Promise<void> {
    return this.#db.open();
  }

  migrate(): Promise<MigrationReport> {
    return this.#db.migrate();
  }

  write(rows: readonly UsageRow[]): Promise<void> {
    return this.#db.transaction(batchSteps(rows));
  }

  async totals(q: UsageQuery, now: number): Promise<GroupTotals[]> {
    return (await this.#db.all(totalsQuery(q, now, this.#db.dialect))).map((r) => groupTotals(r, q.by));
  }

  async requests(q: RequestQuery): Promise<RequestPage> {
    const recs = await this.#db.all(requestsQuery(q));
    const rows = recs.slice(0, q.limit).map(rowFrom);
    return recs.length > q.limit ? { rows, next: cursorOf(rows.at(-1)!) } : { rows };
  }

  async toolTotals(q: ToolQuery): Promise<ToolTotals[]> {
    return (await this.#db.all(toolTotalsQuery(q))).map(toolTotalsFrom);
  }

  writeAudit(entry: AuditEntry): Promise<void> {
    return this.#db.transaction(statements([insertAudit(entry)]));
  }

  async audit(q: AuditQuery): Promise<AuditEntry[]> {
    return (await this.#db.all(auditQuery(q))).map(auditFrom);
  }

  async guardTotals(q: ToolQuery): Promise<GuardTotals[]> {
    return (await this.#db.all(guardTotalsQuery(q))).map(guardTotalsFrom);
  }

  prune(rowsBefore: number, rollupsBefore: number): Promise<void> {
    return this.#db.transaction(statements([...pruneStatements(rowsBefore, rollupsBefore), pruneAudit(rollupsBefore)]));
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

/** A batch: the rows inserted, then what the new ones add to each rollup cell. */
function* batchSteps(rows: readonly UsageRow[]): SqlSteps {
  // Rows already written (a retried batch) add nothing to the rollups again.
  const fresh: UsageRow[] = [];
  for (const r of rows) if ((yield rowInsert(r)) > 0) fresh.push(r);
  for (const [size, table] of [
    [HOUR_MS, ROLLUP_TABLES.hour],
    [DAY_MS, ROLLUP_TABLES.day],
  ] as const) {
    // Cells in one order in every writer, so two concurrent batches never deadlock on each other's rows.
    const deltas = rollupDeltas(fresh, size).sort((a, b) => cellOrder(a).localeCompare(cellOrder(b)));
    const sql = upsertRollup(table);
    for (const d of deltas) yield { sql, values: deltaValues(d) };
  }
}

/** Statements that do not depend on each other's results, as steps. */
export function* statements(list: readonly SqlStatement[]): SqlSteps {
  for (const s of list) yield s;
}

function cellOrder(d: RollupDelta): string {
  return `${d.bucket}\u0000${d.client_key}\u0000${d.task}\u0000${d.route}\u0000${d.credential}`;
}
