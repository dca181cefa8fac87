// The ledger's records (docs/usage.md#the-ledger): one row per request (or MCP tool call), the charge of each attempt
// in it, and the rollups per hour and day by client key × task × route × credential that model requests add to.

/** Tokens by kind, as an attempt's charge and a whole row count them. */
export interface TokenCounts {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
}

/** No tokens of any kind: where a row's count starts, and all a tool call's row has. */
export const NO_TOKENS: Readonly<TokenCounts> = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
};

/** What one attempt was billed: its own tokens and their cost (null: no price for its route). */
export interface Charge extends TokenCounts {
  route: string;
  /** The credential's fingerprint. */
  credential: string;
  outcome: string;
  estimated: boolean;
  cost_usd: number | null;
}

/** One request or tool call, its tokens the sum of its charges'. */
export interface UsageRow extends TokenCounts {
  id: string;
  /** Epoch ms the request arrived. */
  at: number;
  /** The client key's name ('' without one: require_keys off, or the library). */
  client_key: string;
  /** The end user behind the client key (docs/security.md#end-users-behind-a-shared-key), as its key keeps it; absent: none named. */
  user?: string;
  task: string;
  /** The model the caller asked for, and what it matched (`alias → target`; '' when it named a route or task). */
  model: string;
  alias: string;
  /** The route and credential that answered ('' when none did). */
  route: string;
  credential: string;
  /** Attempts sent to a provider. */
  attempts: number;
  /** Some attempt's tokens were estimated. */
  estimated: boolean;
  /** USD, an estimate; null when some billed attempt's route has no price. */
  cost_usd: number | null;
  /** `ok`, or what the caller was told (`rate_limited`, `client_closed`, `stream_server`, …). */
  status: string;
  /** The failure kind of the last failed attempt ('' when none failed). */
  failure_kind: string;
  latency_ms: number;
  /** Time to the first byte of the answer (a stream's first event); null when none came. */
  ttft_ms: number | null;
  /** A stream's end: `finished`, `cut` (the upstream broke off), `cancelled` (the caller left); '' for a buffered
   * request. */
  stream_end: string;
  charges: Charge[];
  /** A tool call through /mcp (docs/usage.md#tool-calls): its server and tool (its own name), and the bytes of the
   * call and its answer. Absent on a model request. Its `status` is the call's outcome (`ok`, `tool_error`, …). */
  mcp_server?: string;
  tool?: string;
  request_bytes?: number;
  response_bytes?: number;
  /** What the secrets guard did to the request (docs/guard.md): `block`, `redact` or `log`, the strongest of its
   * findings; absent when it found nothing. */
  guard?: string;
}

/** `usage --by guard`: requests per guard action, from the rows (within usage.retention.requests). */
export interface GuardTotals {
  guard: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** `usage --by tool`: tool calls per server and tool, from the rows (within usage.retention.requests). */
export interface ToolQuery {
  since: number;
  until?: number;
  client_key?: string;
  /** One end user's calls (either form it may be kept in: calls/end-user.ts userForms). */
  user?: string;
}

export interface ToolTotals {
  mcp_server: string;
  tool: string;
  calls: number;
  /** Calls whose outcome was not `ok` (tool errors, refusals, timeouts, …). */
  failed: number;
  /** Calls a budget counted: every outcome but `refused` and `budget` (never admitted). */
  admitted: number;
  /** Mean latency, ms. */
  latency_ms: number;
  request_bytes: number;
  response_bytes: number;
}

export type Group = 'hour' | 'day' | 'client_key' | 'user' | 'task' | 'route' | 'credential';
export const GROUPS: readonly Group[] = ['day', 'hour', 'client_key', 'user', 'task', 'route', 'credential'];

export interface Totals {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** USD of the priced attempts. */
  cost_usd: number;
  /** Billed attempts whose route had no price: `cost_usd` leaves them out. */
  unpriced: number;
  /** Billed attempts whose tokens were estimated. */
  estimated: number;
}

export interface GroupTotals extends Totals {
  /** The group's value: an ISO day or hour, a client key name, a task, a route or a credential fingerprint. */
  group: string;
}

export interface UsageQuery {
  by: Group;
  /** Epoch ms; rollups from the hour (or day) holding it. */
  since: number;
  until?: number;
  client_key?: string;
  /** One end user (either form it may be kept in: calls/end-user.ts userForms). With it, or by `user`, the totals
   * are summed from the rows (the rollups keep no users), within usage.retention.requests. */
  user?: string;
  task?: string;
  route?: string;
  credential?: string;
}

export interface RequestQuery {
  /** Rows before this cursor (from the previous page's `next`). */
  before?: string;
  since?: number;
  /** Epoch ms: rows before it (the dashboard's time filter). */
  until?: number;
  limit: number;
  client_key?: string;
  /** One end user (either form it may be kept in). */
  user?: string;
  task?: string;
  route?: string;
  status?: string;
  /** The answering credential's fingerprint. */
  credential?: string;
  /** Model requests or MCP tool calls only; none: both. */
  kind?: 'model' | 'tool';
}

export interface RequestPage {
  rows: UsageRow[];
  /** The cursor of the next (older) page; absent on the last. */
  next?: string;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** One rollup cell's key and what a batch adds to it. */
export interface RollupDelta extends Totals {
  bucket: number;
  client_key: string;
  task: string;
  route: string;
  credential: string;
}

export function emptyTotals(): Totals {
  return {
    requests: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0,
    unpriced: 0,
    estimated: 0,
  };
}

/** A batch's rollup cells by their key. A batch's rows mostly fall in the cell of the row before, which is tried
 * first: the key's text, made and hashed for each row and charge, was a tenth of the ledger's write. */
class Cells {
  readonly #cells = new Map<string, RollupDelta>();
  #last: RollupDelta | undefined;

  of(bucket: number, row: UsageRow, route: string, credential: string): RollupDelta {
    const last = this.#last;
    if (
      last !== undefined &&
      last.bucket === bucket &&
      last.route === route &&
      last.credential === credential &&
      last.client_key === row.client_key &&
      last.task === row.task
    )
      return last;
    const key = `${bucket}\u0000${row.client_key}\u0000${row.task}\u0000${route}\u0000${credential}`;
    let c = this.#cells.get(key);
    if (c === undefined) {
      c = { bucket, client_key: row.client_key, task: row.task, route, credential, ...emptyTotals() };
      this.#cells.set(key, c);
    }
    this.#last = c;
    return c;
  }

  all(): RollupDelta[] {
    return [...this.#cells.values()];
  }
}

/** What a batch of rows adds to the rollups of `size` (HOUR_MS or DAY_MS): each attempt's tokens and cost to its own
 * route and credential, the request itself to the route and credential that answered (or its last attempt's). */
export function rollupDeltas(rows: readonly UsageRow[], size: number): RollupDelta[] {
  const cells = new Cells();
  for (const row of rows) {
    // A tool call has no tokens, task or route: it is counted by `usage --by tool` from the rows.
    if (row.tool !== undefined) continue;
    const bucket = row.at - (row.at % size);
    const last = row.charges.at(-1);
    const route = row.route || last?.route || '';
    const credential = row.credential || last?.credential || '';
    cells.of(bucket, row, route, credential).requests += 1;
    for (const ch of row.charges) {
      const c = cells.of(bucket, row, ch.route, ch.credential);
      c.input_tokens += ch.input_tokens;
      c.output_tokens += ch.output_tokens;
      c.cache_read_tokens += ch.cache_read_tokens;
      c.cache_write_tokens += ch.cache_write_tokens;
      c.reasoning_tokens += ch.reasoning_tokens;
      if (ch.cost_usd === null) c.unpriced += 1;
      else c.cost_usd += ch.cost_usd;
      if (ch.estimated) c.estimated += 1;
    }
  }
  return cells.all();
}

/** Keyset cursor of a row: newest first, ties by id. */
export function cursorOf(row: Pick<UsageRow, 'at' | 'id'>): string {
  return `${row.at}.${row.id}`;
}

export function parseCursor(cursor: string): { at: number; id: string } | undefined {
  const dot = cursor.indexOf('.');
  const at = Number(cursor.slice(0, dot));
  return dot > 0 && Number.isSafeInteger(at) ? { at, id: cursor.slice(dot + 1) } : undefined;
}
