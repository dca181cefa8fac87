// The Requests and Usage views' data, read from the usage ledger (docs/usage.md): a page of requests is one indexed
// query (cursor-paged, newest first); usage per day is read from the daily rollups, a few small queries per chart.
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import type { GroupTotals, RequestQuery, UsageRow } from '../../usage/row.ts';
import type { RecentTrails } from './recent.ts';
import { groupName } from '../../usage/report.ts';

const DAY_MS = 86_400_000;
const PAGE = 50;
/** Series per chart: the biggest spenders, the rest summed as `other`. */
const TOP = 6;

function ledgerOf(ctx: GatewayContext) {
  if (ctx.usage === undefined)
    throw new ApiError('not_found', 'this gateway keeps no usage ledger (usage.store)', { code: 'no_ledger' });
  return ctx.usage;
}

/** Masked keys by fingerprint, from the pool (no query): a row names its key as the Keys view does. */
function maskedKeys(ctx: GatewayContext): Map<string, string> {
  const m = new Map<string, string>();
  for (const provider of Object.keys(ctx.settings.loaded.config.providers))
    for (const c of ctx.router.pool.candidates(provider)) m.set(c.credential.fingerprint, c.credential.masked);
  return m;
}

export interface RequestFilters {
  /** `model` or `tool` (MCP tool calls); none: both. */
  kind?: string;
  status?: string;
  client_key?: string;
  /** One end user, as sent or hashed (usage/row.ts). */
  user?: string;
  task?: string;
  route?: string;
  key?: string;
  since?: string;
  until?: string;
  before?: string;
  /** Rows per page (default 50, at most 200). */
  limit?: string;
}

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new ApiError('invalid_request', `${name}: expected a date and time, got ${JSON.stringify(value)}`);
  return t;
}

export async function requestsPage(ctx: GatewayContext, f: RequestFilters) {
  const q: RequestQuery = { limit: Math.min(200, Math.max(1, Number(f.limit ?? PAGE) || PAGE)) };
  for (const k of ['status', 'client_key', 'user', 'task', 'route', 'before'] as const) if (f[k]) q[k] = f[k];
  if (f.key) q.credential = f.key;
  if (f.kind === 'model' || f.kind === 'tool') q.kind = f.kind;
  else if (f.kind) throw new ApiError('invalid_request', `kind: expected model or tool, got ${JSON.stringify(f.kind)}`);
  const since = time(f.since, 'since');
  const until = time(f.until, 'until');
  if (since !== undefined) q.since = since;
  if (until !== undefined) q.until = until;
  const page = await ledgerOf(ctx).requests(q);
  const masked = maskedKeys(ctx);
  return {
    rows: page.rows.map((r) => rowView(r, masked)),
    ...(page.next !== undefined ? { next: page.next } : {}),
  };
}

/** What a row says in place of the route that answered, when none did: refused before anything was sent (a
 * budget, an invalid request: no attempt, or only the budget's), nothing sent (every route skipped: breakers open,
 * keys cooling), or failed on every route it tried. */
export function unansweredRoute(r: Pick<UsageRow, 'route' | 'status' | 'attempts' | 'failure_kind'>): string {
  if (r.route !== '') return '';
  const last = r.failure_kind !== '' ? ` (last: ${r.failure_kind})` : '';
  if (r.attempts > 0) return `none answered${last}`;
  if (r.failure_kind === '' || r.failure_kind === 'budget')
    return `refused before routing: ${r.failure_kind || r.status}`;
  return `none sent${last}`;
}

function rowView(r: UsageRow, masked: Map<string, string>) {
  return {
    ...r,
    at: new Date(r.at).toISOString(),
    key: r.credential ? (masked.get(r.credential) ?? r.credential) : '',
    /** Set when no route answered: what to show instead of an empty route (a tool call has none). */
    route_note: r.tool === undefined ? unansweredRoute(r) : '',
    charges: r.charges.map((c) => ({ ...c, key: masked.get(c.credential) ?? c.credential })),
  };
}

export function trailOf(recent: RecentTrails, id: string) {
  return recent.get(id) ?? null;
}

export interface DailySeries {
  by: 'client_key' | 'user' | 'task' | 'route';
  days: string[];
  series: { name: string; tokens: number[]; cost: number[] }[];
}

/** Tokens and cost per day for the biggest `by` groups over `days` days: one rollup query for the groups, one per
 * group shown (at most TOP + 1). With `user`, that end user's only (from the rows: the rollups keep no users). */
export async function dailyUsage(
  ctx: GatewayContext,
  by: DailySeries['by'],
  days: number,
  now: number,
  user?: string,
): Promise<DailySeries> {
  const ledger = ledgerOf(ctx);
  const since = Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
  const dayList = Array.from({ length: days }, (_, i) => new Date(since + i * DAY_MS).toISOString().slice(0, 10));
  const whose = user === undefined ? {} : { user };
  const groups = (await ledger.totals({ by, since, ...whose })).sort((a, b) => tokens(b) - tokens(a));
  const shown = groups.slice(0, TOP);
  const series: DailySeries['series'] = [];
  for (const g of shown) {
    // A user group is the user as kept ('': the requests naming none), matched as it is.
    const perDay = await ledger.totals({ by: 'day', since, ...whose, [by]: g.group });
    series.push(dailySeries(groupName(by, g.group), dayList, perDay));
  }
  if (groups.length > TOP) {
    const all = dailySeries('all', dayList, await ledger.totals({ by: 'day', since, ...whose }));
    series.push({
      name: 'other',
      tokens: all.tokens.map((t, i) => t - series.reduce((n, s) => n + s.tokens[i]!, 0)),
      cost: all.cost.map((c, i) => c - series.reduce((n, s) => n + s.cost[i]!, 0)),
    });
  }
  return { by, days: dayList, series };
}

function tokens(t: GroupTotals): number {
  return t.input_tokens + t.output_tokens;
}

function dailySeries(name: string, days: string[], perDay: GroupTotals[]) {
  const byDay = new Map(perDay.map((t) => [t.group, t]));
  return {
    name,
    tokens: days.map((d) => (byDay.has(d) ? tokens(byDay.get(d)!) : 0)),
    cost: days.map((d) => byDay.get(d)?.cost_usd ?? 0),
  };
}
