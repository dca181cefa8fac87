// A chat request's usage row (the ledger's shape: each attempt's charge priced, the totals, the cost), made once: for
// the `x-switchyard-usage` header or trailer while the request is served, and kept for its request record
// (request-end.ts), which only dates it and gives it its status and latency.
import type { GatewayContext } from '../context.ts';
import { outcomeOf, type RequestState } from '../request/request-state.ts';
import { roundMs, usageHeader, usageRow } from '../../usage/request-row.ts';
import type { UsageRow } from '../../usage/row.ts';
import type { ModelTarget } from '../request/model-resolve.ts';
import { routeName } from '../../config/route-name.ts';

/** The ledger's `alias` column: what the alias the request's model matched stands for (its route, or its task), ''
 * when the name matched none (it named a task, a route or a model itself), as `x-switchyard-alias` says. */
function aliasColumn(target: ModelTarget | undefined): string {
  if (target?.alias === undefined) return '';
  return target.route ? routeName(target.route) : target.task;
}

function requestRow(ctx: GatewayContext, s: RequestState, at: number, latencyMs: number): UsageRow {
  const { asked, answer, run } = s;
  return usageRow(
    {
      id: s.arrival.id,
      at,
      clientKey: s.caller?.keyName,
      user: asked.user,
      task: asked.target?.task ?? 'main',
      model: asked.model,
      alias: asked.model !== undefined ? aliasColumn(asked.target) : undefined,
      route: answer?.route,
      credential: answer?.credential,
      status: outcomeOf(s),
      latencyMs,
      ttftMs: run.ttftMs,
      streamEnd: run.streamEnd,
      trail: run.trail ?? [],
    },
    ctx.settings.prices,
  );
}

/** The header (or trailer) value for an answer whose trail is complete. The row is kept for the request's record
 * unless a stream's usage may still change (its events are still open). The header says neither the row's time nor
 * its latency, which finalRow sets when the request ends: no clock is read for them here. */
export function usageHeaderValue(ctx: GatewayContext, s: RequestState): string {
  const row = requestRow(ctx, s, 0, 0);
  if (!s.run.usagePending) s.run.usageRow = row;
  return usageHeader(row);
}

/** The request's row, as its record holds it: the one its header was made from (dated now), or a new one. */
export function finalRow(ctx: GatewayContext, s: RequestState, at: number, latencyMs: number): UsageRow {
  const kept = s.run.usageRow;
  const row = kept ?? requestRow(ctx, s, at, latencyMs);
  const guard = strongestAction(s.run.guard);
  if (guard !== undefined) row.guard = guard;
  if (kept === undefined) return row;
  row.at = Math.round(at);
  row.status = outcomeOf(s);
  row.latency_ms = roundMs(latencyMs);
  // Set after the header was made: a stream's end, as it ended.
  row.stream_end = s.run.streamEnd ?? '';
  return row;
}

/** The ledger's `guard` column: the strongest thing the guard did in the request (block, then redact, then log). */
function strongestAction(findings: RequestState['run']['guard']): string | undefined {
  if (findings === undefined || findings.length === 0) return undefined;
  for (const action of ['block', 'redact', 'log'] as const)
    if (findings.some((f) => f.action === action)) return action;
  return undefined;
}
