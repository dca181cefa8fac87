// The shared ledger: one PostgreSQL database several gateways write (`usage.store: postgres://…`), through `pg`'s
// pool. A batch is one transaction; rollups add with ON CONFLICT … DO UPDATE, so concurrent writers sum correctly.
// What it stores and reads is sql-store.ts's; this file connects, creates the tables and runs statements. A server
// that ends a connection (a restart, a failover, `pg_terminate_backend`) or stops answering fails the statement in
// flight, never the process: every connection, idle or busy, has an 'error' listener, and every statement a bound.
import type { Pool } from 'pg';
import { SqlUsageStore, statements, type SqlDriver, type SqlStatement, type SqlSteps } from './sql-store.ts';
import { addColumnStatements, numbered, schema } from './sql.ts';

export interface PostgresUsageOptions {
  url: string;
  /** How long a connection attempt may take before the store counts as down. */
  connectTimeoutMs?: number;
  /** How long one statement may take before the store counts as down (a server that is paused, not gone). */
  statementTimeoutMs?: number;
}

/** A slow server is a down one after this long: nothing waits on the ledger, and the rows are safe in the spool. */
export const POSTGRES_TIMEOUT_MS = 5_000;

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
        connectionTimeoutMillis: this.#options.connectTimeoutMs ?? POSTGRES_TIMEOUT_MS,
        // Client-side, so a server that stopped answering (paused, a dead link) fails the statement too; the
        // server-side one ends the statement there as well.
        query_timeout: this.#options.statementTimeoutMs ?? POSTGRES_TIMEOUT_MS,
        statement_timeout: this.#options.statementTimeoutMs ?? POSTGRES_TIMEOUT_MS,
        idleTimeoutMillis: 30_000,
        keepAlive: true,
        fallback_application_name: 'switchyard',
      });
      // An idle client's error (the server restarted) is reported by the next query; unhandled it would crash.
      pool.on('error', () => {});
      // And every client listens for its whole life: the server's FATAL can arrive in the same read as the end of
      // the handshake, after the pool stopped listening and before the caller has the client (seen under
      // pg_terminate_backend); the statement that needed the connection fails on its own.
      pool.on('connect', (client) => client.on('error', () => {}));
      this.#made = pool;
    }
    // Two gateways starting at once would race CREATE TABLE IF NOT EXISTS: one lock serialises them.
    const lock = { sql: 'SELECT pg_advisory_xact_lock(2028)', values: [] };
    await this.transaction(
      statements([
        lock,
        ...[...schema('postgres'), ...addColumnStatements('postgres')].map((sql) => ({ sql, values: [] })),
      ]),
    );
  }

  async all(q: SqlStatement): Promise<Record<string, unknown>[]> {
    return (await this.#pool.query(numbered(q.sql), [...q.values])).rows as Record<string, unknown>[];
  }

  async transaction(steps: SqlSteps): Promise<void> {
    const client = await this.#pool.connect();
    // A checked-out client has no listener of the pool's: the server ending its connection between two statements
    // would emit an 'error' nobody handles, and end the process. The statement in flight fails with it anyway.
    let lost: unknown;
    const onError = (err: unknown): void => {
      lost ??= err;
    };
    client.on('error', onError);
    let failed: unknown;
    try {
      await client.query('BEGIN');
      for (let step = steps.next(0); !step.done;) {
        const res = await client.query(numbered(step.value.sql), [...step.value.values]);
        step = steps.next(res.rowCount ?? 0);
      }
      await client.query('COMMIT');
      if (lost !== undefined) throw lost;
    } catch (err) {
      failed = err;
      if (lost === undefined) await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.off('error', onError);
      // A connection that failed (ended, timed out mid-statement) is destroyed rather than given to the next batch.
      client.release(lost !== undefined || (failed !== undefined && !isStatementError(failed)));
    }
  }

  async close(): Promise<void> {
    await this.#made?.end();
    this.#made = undefined;
  }
}

/** An error the server answered for one statement (an ERROR, the connection is fine), rather than the connection
 * failing (a socket error, a timeout, or a FATAL such as 57P01 that ends it): the client can go back to the pool. */
function isStatementError(err: unknown): boolean {
  return (err as { severity?: unknown } | null)?.severity === 'ERROR';
}
