// The shared ledger: one PostgreSQL database several gateways write (`usage.store: postgres://…`), through `pg`'s
// pool. A batch is one transaction; rollups add with ON CONFLICT … DO UPDATE, so concurrent writers sum correctly.
// What it stores and reads is sql-store.ts's; this file connects, creates the tables and runs statements. A server
// that ends a connection (a restart, a failover, `pg_terminate_backend`) or stops answering fails the statement in
// flight, never the process: every connection, idle or busy, has an 'error' listener, and every statement a bound.
// It works through a pooler in transaction mode (PgBouncer): no startup parameter but the database and user, and no
// session state — the statement timeout is `SET LOCAL` inside each transaction, the schema lock a transaction's.
import type { Pool, PoolClient } from 'pg';
import type { MigrationReport } from './store.ts';
import { SqlUsageStore, statements, type SqlDriver, type SqlStatement, type SqlSteps } from './sql-store.ts';
import { numbered } from './sql.ts';
import { CREATE_VERSION_TABLE, READ_VERSION, SCHEMA_VERSION, stepsAfter, WRITE_VERSION } from './schema-version.ts';

export interface PostgresUsageOptions {
  url: string;
  /** How long a connection attempt may take before the store counts as down. */
  connectTimeoutMs?: number;
  /** How long one statement may take before the store counts as down (a server that is paused, not gone). */
  statementTimeoutMs?: number;
  /** How long one statement of a schema change may take (MIGRATION_TIMEOUT_MS). */
  migrationTimeoutMs?: number;
}

/** A slow server is a down one after this long: nothing waits on the ledger, and the rows are safe in the spool. */
export const POSTGRES_TIMEOUT_MS = 5_000;

/** How long a schema change may take: building an index reads every row, ~5–10 million in the write bound, fewer than
 * a busy ledger keeps, and a change that timed out would fail every start after it. Writers spool meanwhile. */
export const MIGRATION_TIMEOUT_MS = 15 * 60_000;

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
    await this.#connect();
    // A replica's start changes nothing on a current ledger: DDL only when the schema is behind.
    if ((await this.schemaVersion()) < SCHEMA_VERSION) await this.migrate();
  }

  async #connect(): Promise<void> {
    if (this.#made === undefined) {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({
        connectionString: this.#options.url,
        max: 2,
        connectionTimeoutMillis: this.#options.connectTimeoutMs ?? POSTGRES_TIMEOUT_MS,
        // Client-side, so a server that stopped answering (paused, a dead link) fails the statement too; the
        // server-side bound is each transaction's SET LOCAL (a startup parameter would be refused by PgBouncer).
        query_timeout: this.#timeoutMs,
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
  }

  get #timeoutMs(): number {
    return this.#options.statementTimeoutMs ?? POSTGRES_TIMEOUT_MS;
  }

  get #migrationTimeoutMs(): number {
    return this.#options.migrationTimeoutMs ?? MIGRATION_TIMEOUT_MS;
  }

  /** The version the ledger's tables are at; 0 for one made before versions were kept, or none yet. */
  async schemaVersion(): Promise<number> {
    const [exists] = await this.all({ sql: "SELECT to_regclass('usage_schema') IS NOT NULL AS present", values: [] });
    if (exists?.['present'] !== true) return 0;
    const [row] = await this.all({ sql: READ_VERSION, values: [] });
    return Number(row?.['version'] ?? 0);
  }

  /** Brings the schema up to date under a transaction's advisory lock, so two replicas starting at once run it once
   * each in turn (every step is idempotent); a pooler in transaction mode keeps such a lock for the transaction. */
  async migrate(): Promise<MigrationReport> {
    await this.#connect();
    const from = await this.schemaVersion();
    const steps = stepsAfter(from);
    if (steps.length > 0) {
      const ddl = steps.flatMap((s) => s.statements('postgres')).map((sql) => ({ sql, values: [] }));
      await this.#steps(
        statements([
          { sql: 'SELECT pg_advisory_xact_lock(2028)', values: [] },
          { sql: CREATE_VERSION_TABLE, values: [] },
          ...ddl,
          { sql: WRITE_VERSION, values: [SCHEMA_VERSION] },
        ]),
        this.#migrationTimeoutMs,
      );
    }
    return { from, to: Math.max(from, SCHEMA_VERSION), ran: steps.map((s) => s.what) };
  }

  async all(q: SqlStatement): Promise<Record<string, unknown>[]> {
    let rows: Record<string, unknown>[] = [];
    await this.#inTransaction(async (client) => {
      rows = (await client.query(numbered(q.sql), [...q.values])).rows as Record<string, unknown>[];
    });
    return rows;
  }

  transaction(steps: SqlSteps): Promise<void> {
    return this.#steps(steps, this.#timeoutMs);
  }

  /** The steps in one transaction, each statement bound by `timeoutMs` on the server and in the client. */
  async #steps(steps: SqlSteps, timeoutMs: number): Promise<void> {
    await this.#inTransaction(async (client) => {
      for (let step = steps.next(0); !step.done;) {
        const query = { text: numbered(step.value.sql), values: [...step.value.values], query_timeout: timeoutMs };
        const res = await client.query(query);
        step = steps.next(res.rowCount ?? 0);
      }
    }, timeoutMs);
  }

  /** BEGIN, the statement bound as SET LOCAL, the work, COMMIT: nothing of it outlives the transaction, as a pooler
   * in transaction mode requires. */
  async #inTransaction(work: (client: PoolClient) => Promise<void>, timeoutMs = this.#timeoutMs): Promise<void> {
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
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      await work(client);
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
