// The ledger's SQL, one text for SQLite and PostgreSQL (`?` placeholders, numbered for PostgreSQL by `numbered`):
// the tables, the batch write (rows inserted, rollups added to), the grouped totals and the keyset-paged row list.
import { DAY_MS, HOUR_MS, parseCursor } from './row.ts';
import type {
  Group,
  GuardTotals,
  RequestQuery,
  RollupDelta,
  ToolQuery,
  ToolTotals,
  UsageQuery,
  UsageRow,
} from './row.ts';
import { TOTAL_FIELDS } from './store.ts';
import { userForms } from '../calls/end-user.ts';
import { chargesFrom, chargesText } from './charges-text.ts';

export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | null;

export const ROLLUP_TABLES = { hour: 'usage_hourly', day: 'usage_daily' } as const;
export type RollupTable = (typeof ROLLUP_TABLES)[keyof typeof ROLLUP_TABLES];

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
    ['guard', "TEXT NOT NULL DEFAULT ''"],
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

/** The partial index's condition, word for word as the queries repeat it. */
const NAMES_USER = "end_user <> ''";

/** The end user behind a client key (row.ts `user`), added in schema version 4: not `user`, which PostgreSQL reads as
 * its own current user. Indexed for `usage --user` and the dashboard's filter (namedUserIndex). */
export function userColumnStatements(d: Dialect, present?: ReadonlySet<string>): string[] {
  const add =
    present === undefined || !present.has('end_user')
      ? [
          `ALTER TABLE usage_requests ADD COLUMN ${d === 'postgres' ? 'IF NOT EXISTS ' : ''}end_user TEXT NOT NULL DEFAULT ''`,
        ]
      : [];
  return [...add, ...namedUserIndex()];
}

/** The rows that name an end user, indexed by user and time (schema version 6); the index of version 4 held every
 * row, most of them naming none, and every row written paid for its entry: ~0.7 µs of ~5.5 a row in SQLite. A query
 * reads it only when it says `end_user <> ''` itself (userWhere), as SQLite and PostgreSQL match a partial index by the
 * query's own terms. */
export function namedUserIndex(): string[] {
  return [
    'DROP INDEX IF EXISTS usage_requests_user',
    `CREATE INDEX IF NOT EXISTS usage_requests_named_user ON usage_requests (end_user, at) WHERE ${NAMES_USER}`,
  ];
}

/** Narrows a query of rows to one end user's (either form it may be kept in), through the named users' index. */
function userWhere(where: string[], values: SqlValue[], user: string): void {
  where.push(NAMES_USER, 'end_user IN (?, ?)');
  values.push(...userForms(user));
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
  'end_user',
  'guard',
] as const;

/** Columns a model request's row leaves at their defaults unless it has them: a tool call's (row.ts), an end user,
 * the guard's action. */
const DEFAULTED = new Set<string>(['mcp_server', 'tool', 'request_bytes', 'response_bytes', 'end_user', 'guard']);

/** Inserting a row (a row written twice — a flush retried after an error it had survived — is kept once). */
const insertOf = (columns: readonly string[]): string =>
  `INSERT INTO usage_requests (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
  'ON CONFLICT (at, id) DO NOTHING';

const INSERT_ROW = insertOf(ROW_COLUMNS);

/** A row with none of the defaulted columns' values, most rows: binding six fewer values costs less. */
const INSERT_PLAIN_ROW = insertOf(ROW_COLUMNS.filter((c) => !DEFAULTED.has(c)));

const isPlain = (r: UsageRow): boolean => r.tool === undefined && r.user === undefined && r.guard === undefined;

/** The statement that inserts `r`, and its values in that statement's order. */
export function rowInsert(r: UsageRow): { sql: string; values: SqlValue[] } {
  const plain = isPlain(r);
  return { sql: plain ? INSERT_PLAIN_ROW : INSERT_ROW, values: rowValues(r, plain) };
}

/** A row's values in ROW_COLUMNS' order (without the defaulted ones when `plain`), written out: the ledger runs this
 * once per row. */
function rowValues(r: UsageRow, plain: boolean): SqlValue[] {
  const values: SqlValue[] = [
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
    chargesText(r),
  ];
  if (!plain)
    values.push(
      r.mcp_server ?? '',
      r.tool ?? '',
      r.request_bytes ?? 0,
      r.response_bytes ?? 0,
      r.user ?? '',
      r.guard ?? '',
    );
  return values;
}

export function rowFrom(rec: Record<string, unknown>): UsageRow {
  const row = modelRowFrom(rec);
  const user = rec['end_user'];
  if (typeof user === 'string' && user !== '') row.user = user;
  const guard = rec['guard'];
  if (typeof guard === 'string' && guard !== '') row.guard = guard;
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
  const row: UsageRow = {
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
    charges: [],
  };
  row.charges = chargesFrom(String(rec['charges']), row);
  return row;
}

const CELL_COLUMNS = ['bucket', 'client_key', 'task', 'route', 'credential', ...TOTAL_FIELDS] as const;

function upsertText(table: string): string {
  return (
    `INSERT INTO ${table} (${CELL_COLUMNS.join(', ')}) VALUES (${CELL_COLUMNS.map(() => '?').join(', ')}) ` +
    'ON CONFLICT (bucket, client_key, task, route, credential) DO UPDATE SET ' +
    TOTAL_FIELDS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')
  );
}

/** Written once per table: every batch runs them, and a driver finds its prepared statement by the text, which a
 * text built again must first be hashed for (~5 µs a batch; bench/README.md, "Counted warm"). */
const UPSERTS: Readonly<Record<RollupTable, string>> = {
  [ROLLUP_TABLES.hour]: upsertText(ROLLUP_TABLES.hour),
  [ROLLUP_TABLES.day]: upsertText(ROLLUP_TABLES.day),
};

/** Adding a batch's delta to one rollup cell. */
export function upsertRollup(table: RollupTable): string {
  return UPSERTS[table];
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

/** A condition of a WHERE clause and the value of its one placeholder (undefined: the condition is left out). */
type Condition = readonly [sql: string, value: SqlValue | undefined];

/** The conditions whose value is given, and their values in the same order. */
function whereOf(conditions: readonly Condition[]): { where: string[]; values: SqlValue[] } {
  const where: string[] = [];
  const values: SqlValue[] = [];
  for (const [sql, value] of conditions) {
    if (value === undefined) continue;
    where.push(sql);
    values.push(value);
  }
  return { where, values };
}

/** `column = ?` for each of `columns` the query names. */
function equalTo<K extends string>(q: Partial<Record<K, string>>, columns: readonly K[]): Condition[] {
  return columns.map((c) => [`${c} = ?`, q[c]]);
}

export function totalsQuery(q: UsageQuery, now: number, d: Dialect): { sql: string; values: SqlValue[] } {
  if (q.by === 'user' || q.user !== undefined) return rowTotalsQuery(q, d);
  const { table, size } = tableFor(q, now);
  const { where, values } = whereOf([
    ['bucket >= ?', q.since - (q.since % size)],
    ['bucket < ?', q.until],
    ...equalTo(q, FILTERS),
  ]);
  const sum = (c: string) => (d === 'postgres' ? `SUM(${c})::float8 AS ${c}` : `SUM(${c}) AS ${c}`);
  const g = groupExpr(q.by);
  return {
    sql:
      `SELECT ${g} AS grp, ${TOTAL_FIELDS.map(sum).join(', ')} FROM ${table} WHERE ${where.join(' AND ')} ` +
      `GROUP BY ${g} ORDER BY ${g}`,
    values,
  };
}

/** A group of rows: the hour or day of its time, or a column (the end user's is `end_user`). */
function rowGroupExpr(by: Group): string {
  if (by === 'hour') return `(at - (at % ${HOUR_MS}))`;
  if (by === 'day') return `(at - (at % ${DAY_MS}))`;
  return by === 'user' ? 'end_user' : by;
}

/** Totals by end user, or of one user: summed from the model requests' rows, since the rollups keep no users. A
 * request's tokens and cost count at the route and key that answered it; `unpriced` and `estimated` count requests
 * (the rollups count attempts). */
function rowTotalsQuery(q: UsageQuery, d: Dialect): { sql: string; values: SqlValue[] } {
  const { where, values } = whereOf([['at >= ?', q.since], ['at < ?', q.until], ...equalTo(q, FILTERS)]);
  where.unshift("tool = ''");
  if (q.user !== undefined) userWhere(where, values, q.user);
  const float = (e: string) => (d === 'postgres' ? `(${e})::float8` : e);
  const sums: Record<(typeof TOTAL_FIELDS)[number], string> = {
    requests: 'COUNT(*)',
    input_tokens: 'SUM(input_tokens)',
    output_tokens: 'SUM(output_tokens)',
    cache_read_tokens: 'SUM(cache_read_tokens)',
    cache_write_tokens: 'SUM(cache_write_tokens)',
    reasoning_tokens: 'SUM(reasoning_tokens)',
    cost_usd: 'SUM(COALESCE(cost_usd, 0))',
    unpriced: 'SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END)',
    estimated: 'SUM(estimated)',
  };
  const g = rowGroupExpr(q.by);
  return {
    sql:
      `SELECT ${g} AS grp, ${TOTAL_FIELDS.map((c) => `${float(sums[c])} AS ${c}`).join(', ')} FROM usage_requests ` +
      `WHERE ${where.join(' AND ')} GROUP BY ${g} ORDER BY ${g}`,
    values,
  };
}

/** One page of rows, newest first: one range scan of the (at, id) key, or of (client_key, at) with a key. */
export function requestsQuery(q: RequestQuery): { sql: string; values: SqlValue[] } {
  const { where, values } = whereOf([
    ['at >= ?', q.since],
    ['at < ?', q.until],
    ...equalTo(q, ['client_key', 'task', 'route', 'status', 'credential']),
  ]);
  const cursor = q.before === undefined ? undefined : parseCursor(q.before);
  if (cursor !== undefined) {
    // First, as its three placeholders are.
    where.unshift('(at < ? OR (at = ? AND id < ?))');
    values.unshift(cursor.at, cursor.at, cursor.id);
  }
  if (q.user !== undefined) userWhere(where, values, q.user);
  if (q.kind !== undefined) where.push(q.kind === 'tool' ? "tool <> ''" : "tool = ''");
  values.push(q.limit + 1);
  return {
    sql:
      `SELECT ${ROW_COLUMNS.join(', ')} FROM usage_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY at DESC, id DESC LIMIT ?',
    values,
  };
}

/** The WHERE of a query over rows of one sort (`tool <> ''`: MCP tool calls), in a time range, of a key and a user. */
function rowsWhere(sort: string, q: ToolQuery): { where: string[]; values: SqlValue[] } {
  const { where, values } = whereOf([
    ['at >= ?', q.since],
    ['at < ?', q.until],
    ['client_key = ?', q.client_key],
  ]);
  where.unshift(sort);
  if (q.user !== undefined) userWhere(where, values, q.user);
  return { where, values };
}

/** `usage --by tool`: calls per server and tool from the rows, with failures, mean latency and bytes. */
export function toolTotalsQuery(q: ToolQuery): { sql: string; values: SqlValue[] } {
  const { where, values } = rowsWhere("tool <> ''", q);
  return {
    sql:
      "SELECT mcp_server, tool, COUNT(*) AS calls, SUM(CASE WHEN status = 'ok' THEN 0 ELSE 1 END) AS failed, " +
      "SUM(CASE WHEN status IN ('refused', 'budget') THEN 0 ELSE 1 END) AS admitted, " +
      'AVG(latency_ms) AS latency_ms, SUM(request_bytes) AS request_bytes, SUM(response_bytes) AS response_bytes ' +
      `FROM usage_requests WHERE ${where.join(' AND ')} GROUP BY mcp_server, tool ORDER BY mcp_server, tool`,
    values,
  };
}

/** `usage --by guard`: requests, tokens and cost per guard action, from the rows the guard found something in. */
export function guardTotalsQuery(q: ToolQuery): { sql: string; values: SqlValue[] } {
  const { where, values } = rowsWhere("guard <> ''", q);
  return {
    sql:
      'SELECT guard, COUNT(*) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, ' +
      `SUM(COALESCE(cost_usd, 0)) AS cost_usd FROM usage_requests WHERE ${where.join(' AND ')} GROUP BY guard ORDER BY guard`,
    values,
  };
}

export function guardTotalsFrom(rec: Record<string, unknown>): GuardTotals {
  return {
    guard: String(rec['guard']),
    requests: Number(rec['requests']),
    input_tokens: Number(rec['input_tokens'] ?? 0),
    output_tokens: Number(rec['output_tokens'] ?? 0),
    cost_usd: Number(rec['cost_usd'] ?? 0),
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
