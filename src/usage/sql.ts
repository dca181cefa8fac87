// The ledger's SQL, one text for SQLite and PostgreSQL (`?` placeholders, numbered for PostgreSQL by `numbered`):
// the tables, the batch write (rows inserted, rollups added to), the grouped totals and the keyset-paged row list.
import {
  DAY_MS,
  HOUR_MS,
  parseCursor,
  type Group,
  type RequestQuery,
  type RollupDelta,
  type ToolQuery,
  type ToolTotals,
  type UsageQuery,
  type UsageRow,
} from './row.ts';
import { TOTAL_FIELDS } from './store.ts';

export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | null;

export const ROLLUP_TABLES = { hour: 'usage_hourly', day: 'usage_daily' } as const;

export function schema(d: Dialect): string[] {
  const int = d === 'postgres' ? 'BIGINT' : 'INTEGER';
  const real = d === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  const rollup = (table: string) =>
    `CREATE TABLE IF NOT EXISTS ${table} (bucket ${int} NOT NULL, client_key TEXT NOT NULL, task TEXT NOT NULL, ` +
    `route TEXT NOT NULL, credential TEXT NOT NULL, ` +
    TOTAL_FIELDS.map((c) => `${c} ${c === 'cost_usd' ? real : int} NOT NULL DEFAULT 0`).join(', ') +
    `, PRIMARY KEY (bucket, client_key, task, route, credential))`;
  return [
    `CREATE TABLE IF NOT EXISTS usage_requests (id TEXT NOT NULL, at ${int} NOT NULL, client_key TEXT NOT NULL, ` +
      `task TEXT NOT NULL, model TEXT NOT NULL, alias TEXT NOT NULL, route TEXT NOT NULL, credential TEXT NOT NULL, ` +
      `attempts ${int} NOT NULL, input_tokens ${int} NOT NULL, output_tokens ${int} NOT NULL, ` +
      `cache_read_tokens ${int} NOT NULL, cache_write_tokens ${int} NOT NULL, reasoning_tokens ${int} NOT NULL, ` +
      `estimated ${int} NOT NULL, cost_usd ${real}, status TEXT NOT NULL, failure_kind TEXT NOT NULL, ` +
      `latency_ms ${real} NOT NULL, ttft_ms ${real}, stream_end TEXT NOT NULL, charges TEXT NOT NULL, ` +
      `PRIMARY KEY (at, id))`,
    'CREATE INDEX IF NOT EXISTS usage_requests_key ON usage_requests (client_key, at)',
    rollup(ROLLUP_TABLES.hour),
    rollup(ROLLUP_TABLES.day),
  ];
}

/** Columns added to usage_requests after it was first made: a tool call's (row.ts). A ledger from before gains them
 * at open (ALTER TABLE), filled with the defaults a model request has. */
export function addedColumns(d: Dialect): [name: string, type: string][] {
  const int = d === 'postgres' ? 'BIGINT' : 'INTEGER';
  return [
    ['mcp_server', "TEXT NOT NULL DEFAULT ''"],
    ['tool', "TEXT NOT NULL DEFAULT ''"],
    ['request_bytes', `${int} NOT NULL DEFAULT 0`],
    ['response_bytes', `${int} NOT NULL DEFAULT 0`],
  ];
}

/** The ALTER TABLEs that add what `present` (the table's columns now) lacks; PostgreSQL checks for itself. */
export function addColumnStatements(d: Dialect, present?: ReadonlySet<string>): string[] {
  return addedColumns(d)
    .filter(([name]) => present === undefined || !present.has(name))
    .map(
      ([name, type]) =>
        `ALTER TABLE usage_requests ADD COLUMN ${d === 'postgres' ? 'IF NOT EXISTS ' : ''}${name} ${type}`,
    );
}

const ROW_COLUMNS = [
  'id',
  'at',
  'client_key',
  'task',
  'model',
  'alias',
  'route',
  'credential',
  'attempts',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'estimated',
  'cost_usd',
  'status',
  'failure_kind',
  'latency_ms',
  'ttft_ms',
  'stream_end',
  'charges',
  'mcp_server',
  'tool',
  'request_bytes',
  'response_bytes',
] as const;

/** Inserting a row (a row written twice — a flush retried after an error it had survived — is kept once). */
export const INSERT_ROW =
  `INSERT INTO usage_requests (${ROW_COLUMNS.join(', ')}) VALUES (${ROW_COLUMNS.map(() => '?').join(', ')}) ` +
  'ON CONFLICT (at, id) DO NOTHING';

/** A row's values in ROW_COLUMNS' order, written out: the ledger runs this once per row. */
export function rowValues(r: UsageRow): SqlValue[] {
  return [
    r.id,
    r.at,
    r.client_key,
    r.task,
    r.model,
    r.alias,
    r.route,
    r.credential,
    r.attempts,
    r.input_tokens,
    r.output_tokens,
    r.cache_read_tokens,
    r.cache_write_tokens,
    r.reasoning_tokens,
    r.estimated ? 1 : 0,
    r.cost_usd,
    r.status,
    r.failure_kind,
    r.latency_ms,
    r.ttft_ms,
    r.stream_end,
    JSON.stringify(r.charges),
    r.mcp_server ?? '',
    r.tool ?? '',
    r.request_bytes ?? 0,
    r.response_bytes ?? 0,
  ];
}

export function rowFrom(rec: Record<string, unknown>): UsageRow {
  const row = modelRowFrom(rec);
  const tool = rec['tool'];
  if (typeof tool !== 'string' || tool === '') return row;
  return {
    ...row,
    mcp_server: String(rec['mcp_server']),
    tool,
    request_bytes: Number(rec['request_bytes']),
    response_bytes: Number(rec['response_bytes']),
  };
}

function modelRowFrom(rec: Record<string, unknown>): UsageRow {
  const num = (v: unknown): number => Number(v);
  const opt = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(rec['id']),
    at: num(rec['at']),
    client_key: String(rec['client_key']),
    task: String(rec['task']),
    model: String(rec['model']),
    alias: String(rec['alias']),
    route: String(rec['route']),
    credential: String(rec['credential']),
    attempts: num(rec['attempts']),
    input_tokens: num(rec['input_tokens']),
    output_tokens: num(rec['output_tokens']),
    cache_read_tokens: num(rec['cache_read_tokens']),
    cache_write_tokens: num(rec['cache_write_tokens']),
    reasoning_tokens: num(rec['reasoning_tokens']),
    estimated: num(rec['estimated']) === 1,
    cost_usd: opt(rec['cost_usd']),
    status: String(rec['status']),
    failure_kind: String(rec['failure_kind']),
    latency_ms: num(rec['latency_ms']),
    ttft_ms: opt(rec['ttft_ms']),
    stream_end: String(rec['stream_end']),
    charges: JSON.parse(String(rec['charges'])) as UsageRow['charges'],
  };
}

const CELL_COLUMNS = ['bucket', 'client_key', 'task', 'route', 'credential', ...TOTAL_FIELDS] as const;

/** Adding a batch's delta to one rollup cell. */
export function upsertRollup(table: string): string {
  return (
    `INSERT INTO ${table} (${CELL_COLUMNS.join(', ')}) VALUES (${CELL_COLUMNS.map(() => '?').join(', ')}) ` +
    'ON CONFLICT (bucket, client_key, task, route, credential) DO UPDATE SET ' +
    TOTAL_FIELDS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')
  );
}

export function deltaValues(d: RollupDelta): SqlValue[] {
  return CELL_COLUMNS.map((c) => d[c]);
}

/** The rollup table a query reads: hours while they tell a day apart (a month back), days beyond. */
function tableFor(q: UsageQuery, now: number): { table: string; size: number } {
  return q.by === 'hour' || now - q.since <= 31 * DAY_MS
    ? { table: ROLLUP_TABLES.hour, size: HOUR_MS }
    : { table: ROLLUP_TABLES.day, size: DAY_MS };
}

function groupExpr(by: Group): string {
  switch (by) {
    case 'hour':
      return 'bucket';
    case 'day':
      return `(bucket - (bucket % ${DAY_MS}))`;
    default:
      return by;
  }
}

const FILTERS = ['client_key', 'task', 'route', 'credential'] as const;

export function totalsQuery(q: UsageQuery, now: number, d: Dialect): { sql: string; values: SqlValue[] } {
  const { table, size } = tableFor(q, now);
  const where = ['bucket >= ?'];
  const values: SqlValue[] = [q.since - (q.since % size)];
  if (q.until !== undefined) {
    where.push('bucket < ?');
    values.push(q.until);
  }
  for (const f of FILTERS) {
    const v = q[f];
    if (v !== undefined) {
      where.push(`${f} = ?`);
      values.push(v);
    }
  }
  const sum = (c: string) => (d === 'postgres' ? `SUM(${c})::float8 AS ${c}` : `SUM(${c}) AS ${c}`);
  const g = groupExpr(q.by);
  return {
    sql:
      `SELECT ${g} AS grp, ${TOTAL_FIELDS.map(sum).join(', ')} FROM ${table} WHERE ${where.join(' AND ')} ` +
      `GROUP BY ${g} ORDER BY ${g}`,
    values,
  };
}

/** One page of rows, newest first: one range scan of the (at, id) key, or of (client_key, at) with a key. */
export function requestsQuery(q: RequestQuery): { sql: string; values: SqlValue[] } {
  const where: string[] = [];
  const values: SqlValue[] = [];
  const cursor = q.before === undefined ? undefined : parseCursor(q.before);
  if (cursor !== undefined) {
    where.push('(at < ? OR (at = ? AND id < ?))');
    values.push(cursor.at, cursor.at, cursor.id);
  }
  if (q.since !== undefined) {
    where.push('at >= ?');
    values.push(q.since);
  }
  if (q.until !== undefined) {
    where.push('at < ?');
    values.push(q.until);
  }
  for (const f of ['client_key', 'task', 'route', 'status', 'credential'] as const) {
    const v = q[f];
    if (v !== undefined) {
      where.push(`${f} = ?`);
      values.push(v);
    }
  }
  if (q.kind !== undefined) where.push(q.kind === 'tool' ? "tool <> ''" : "tool = ''");
  values.push(q.limit + 1);
  return {
    sql:
      `SELECT ${ROW_COLUMNS.join(', ')} FROM usage_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY at DESC, id DESC LIMIT ?',
    values,
  };
}

/** `usage --by tool`: calls per server and tool from the rows, with failures, mean latency and bytes. */
export function toolTotalsQuery(q: ToolQuery): { sql: string; values: SqlValue[] } {
  const where = ["tool <> ''", 'at >= ?'];
  const values: SqlValue[] = [q.since];
  if (q.until !== undefined) {
    where.push('at < ?');
    values.push(q.until);
  }
  if (q.client_key !== undefined) {
    where.push('client_key = ?');
    values.push(q.client_key);
  }
  return {
    sql:
      "SELECT mcp_server, tool, COUNT(*) AS calls, SUM(CASE WHEN status = 'ok' THEN 0 ELSE 1 END) AS failed, " +
      "SUM(CASE WHEN status IN ('refused', 'budget') THEN 0 ELSE 1 END) AS admitted, " +
      'AVG(latency_ms) AS latency_ms, SUM(request_bytes) AS request_bytes, SUM(response_bytes) AS response_bytes ' +
      `FROM usage_requests WHERE ${where.join(' AND ')} GROUP BY mcp_server, tool ORDER BY mcp_server, tool`,
    values,
  };
}

export function toolTotalsFrom(rec: Record<string, unknown>): ToolTotals {
  return {
    mcp_server: String(rec['mcp_server']),
    tool: String(rec['tool']),
    calls: Number(rec['calls']),
    failed: Number(rec['failed'] ?? 0),
    admitted: Number(rec['admitted'] ?? 0),
    latency_ms: Number(rec['latency_ms'] ?? 0),
    request_bytes: Number(rec['request_bytes'] ?? 0),
    response_bytes: Number(rec['response_bytes'] ?? 0),
  };
}

export function pruneStatements(rowsBefore: number, rollupsBefore: number): { sql: string; values: SqlValue[] }[] {
  return [
    { sql: 'DELETE FROM usage_requests WHERE at < ?', values: [rowsBefore] },
    { sql: `DELETE FROM ${ROLLUP_TABLES.hour} WHERE bucket < ?`, values: [rollupsBefore] },
    { sql: `DELETE FROM ${ROLLUP_TABLES.day} WHERE bucket < ?`, values: [rollupsBefore] },
  ];
}

/** `?` → `$1, $2, …` for PostgreSQL. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
