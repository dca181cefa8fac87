// The shared ledger: one PostgreSQL database several gateways write (`usage.store: postgres://…`), through `pg`'s
// pool. A batch is one transaction; rollups add with ON CONFLICT … DO UPDATE, so concurrent writers sum correctly.
// What it stores and reads is sql-store.ts's; this file connects, creates the tables and runs statements.
import type { Pool } from 'pg';
import { SqlUsageStore, statements, type SqlDriver, type SqlStatement, type SqlSteps } from './sql-store.ts';
import { numbered, schema } from './sql.ts';

export interface PostgresUsageOptions {
  url: string;
  /** How long a connection attempt may take before the store counts as down. */
  connectTimeoutMs?: number;
}

export class PostgresUsageStore extends SqlUsageStore {
  constructor(options: PostgresUsageOptions) {
    super(new PostgresDriver(options));
  }
}

class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres';
  readonly dialect = 'postgres';
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
    // Two gateways starting at once would race CREATE TABLE IF NOT EXISTS: one lock serialises them.
    const lock = { sql: 'SELECT pg_advisory_xact_lock(2028)', values: [] };
    await this.transaction(statements([lock, ...schema('postgres').map((sql) => ({ sql, values: [] }))]));
  }

  async all(q: SqlStatement): Promise<Record<string, unknown>[]> {
    return (await this.#pool.query(numbered(q.sql), [...q.values])).rows as Record<string, unknown>[];
  }

  async transaction(steps: SqlSteps): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      for (let step = steps.next(0); !step.done;) {
        const res = await client.query(numbered(step.value.sql), [...step.value.values]);
        step = steps.next(res.rowCount ?? 0);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.#made?.end();
    this.#made = undefined;
  }
}
