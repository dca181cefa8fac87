// The shared ledger: one PostgreSQL database several gateways write (`usage.store: postgres://…`), through `pg`'s
// pool. A batch is one transaction; rollups add with ON CONFLICT … DO UPDATE, so concurrent writers sum correctly.
import type { Pool } from 'pg';
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
  numbered,
  pruneStatements,
  requestsQuery,
  rowFrom,
  rowValues,
  ROLLUP_TABLES,
  schema,
  totalsQuery,
  upsertRollup,
} from './sql.ts';

export interface PostgresUsageOptions {
  url: string;
  /** How long a connection attempt may take before the store counts as down. */
  connectTimeoutMs?: number;
}

export class PostgresUsageStore implements UsageStore {
  readonly kind = 'postgres';
  readonly #options: PostgresUsageOptions;
  #made: Pool | undefined;

  constructor(options: PostgresUsageOptions) {
    this.#options = options;
  }

  /** The pool, made on first use: `pg` is loaded only by a gateway that keeps its ledger in PostgreSQL. */
  get #pool(): Pool {
    if (this.#made === undefined) throw new Error('the usage ledger is not open');
    return this.#made;
  }

  async open(): Promise<void> {
    if (this.#made === undefined) {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({
        connectionString: this.#options.url,
        max: 2,
        connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 5_000,
        idleTimeoutMillis: 30_000,
      });
      // An idle client's error (the server restarted) is reported by the next query; unhandled it would crash.
      pool.on('error', () => {});
      this.#made = pool;
    }
    const client = await this.#pool.connect();
    try {
      // Two gateways starting at once would race CREATE TABLE IF NOT EXISTS: one lock serialises them.
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(2028)');
      for (const s of schema('postgres')) await client.query(s);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async write(rows: readonly UsageRow[]): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const fresh: UsageRow[] = [];
      for (const r of rows) {
        const res = await client.query(numbered(INSERT_ROW), rowValues(r));
        if ((res.rowCount ?? 0) > 0) fresh.push(r);
      }
      for (const [size, table] of [
        [HOUR_MS, ROLLUP_TABLES.hour],
        [DAY_MS, ROLLUP_TABLES.day],
      ] as const) {
        // Cells in one order in every writer, so two concurrent batches never deadlock on each other's rows.
        const deltas = rollupDeltas(fresh, size).sort((a, b) => cellOrder(a).localeCompare(cellOrder(b)));
        for (const d of deltas) await client.query(numbered(upsertRollup(table)), deltaValues(d));
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async totals(q: UsageQuery, now: number): Promise<GroupTotals[]> {
    const { sql, values } = totalsQuery(q, now, 'postgres');
    const res = await this.#pool.query(numbered(sql), values);
    return res.rows.map((r: Record<string, unknown>) => groupTotals(r, q.by));
  }

  async requests(q: RequestQuery): Promise<RequestPage> {
    const { sql, values } = requestsQuery(q);
    const res = await this.#pool.query(numbered(sql), values);
    const recs = res.rows as Record<string, unknown>[];
    const rows = recs.slice(0, q.limit).map(rowFrom);
    return recs.length > q.limit ? { rows, next: cursorOf(rows.at(-1)!) } : { rows };
  }

  async prune(rowsBefore: number, rollupsBefore: number): Promise<void> {
    for (const s of pruneStatements(rowsBefore, rollupsBefore)) await this.#pool.query(numbered(s.sql), s.values);
  }

  async close(): Promise<void> {
    await this.#made?.end();
    this.#made = undefined;
  }
}

function cellOrder(d: { bucket: number; client_key: string; task: string; route: string; credential: string }): string {
  return `${d.bucket}\u0000${d.client_key}\u0000${d.task}\u0000${d.route}\u0000${d.credential}`;
}
