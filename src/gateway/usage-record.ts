// A chat request's usage, once it is known: its ledger row (queued, never awaited), its metrics, and the
// `x-switchyard-usage` value. A stream's usage is known only when its events are closed, which can be after its
// line was written (a caller that hung up): then the row waits for the stream (request-state `usagePending`).
import type { FastifyRequest } from 'fastify';
import type { GatewayContext } from './context.ts';
import type { RequestState } from './request-state.ts';
import { roundMs, usageHeader, usageRow } from '../usage/request-row.ts';
import type { UsageRow } from '../usage/row.ts';
import { countUsage } from './usage-metrics.ts';
import { resolveModel } from './model-resolve.ts';
import { parseRoute, routeName } from '../config/route-name.ts';

/** The alias a model name matched (`claude-* → main`), or '' when it named a task or route itself. */
function aliasOf(ctx: GatewayContext, model: string | undefined): string {
  if (model === undefined) return '';
  const index = ctx.settings.models;
  if (index.tasks.includes(model) || index.bare.has(model)) return '';
  const named = parseRoute(model);
  if (named !== undefined && index.providers.has(named.provider)) return '';
  const target = resolveModel(index, model);
  if (target === undefined) return '';
  return target.route ? routeName(target.route) : target.task;
}

export function requestRow(ctx: GatewayContext, s: RequestState, startedAt: number): UsageRow {
  return usageRow(
    {
      id: s.id,
      at: startedAt,
      clientKey: s.keyName,
      task: s.target?.task ?? 'main',
      model: s.model,
      alias: s.model !== undefined ? aliasOf(ctx, s.model) : undefined,
      route: s.route,
      credential: s.credential,
      status: s.outcome,
      latencyMs: performance.now() - s.started,
      ttftMs: s.ttftMs,
      streamEnd: s.streamEnd,
      trail: s.trail ?? [],
    },
    ctx.settings.prices,
  );
}

/** The header value for an answer whose trail is complete. A buffered answer's row is kept for its ledger row, which
 * only dates, times and gives it its status when the line is written (building it twice cost ~1 µs a request). */
export function usageHeaderValue(ctx: GatewayContext, s: RequestState): string {
  const row = requestRow(ctx, s, Date.now());
  if (!s.stream) s.usageRow = row;
  return usageHeader(row);
}

/** Records the request's usage once (a chat request that reached the router). */
export function recordUsage(ctx: GatewayContext, req: FastifyRequest): void {
  const s = req.sy;
  if (!s || s.trail === undefined || s.usageRecorded || s.usagePending) return;
  s.usageRecorded = true;
  const elapsed = performance.now() - s.started;
  const at = Date.now() - elapsed;
  const row = s.usageRow ?? requestRow(ctx, s, at);
  if (row === s.usageRow) {
    row.at = Math.round(at);
    row.status = s.outcome;
    row.latency_ms = roundMs(elapsed);
  }
  countUsage(ctx, row);
  ctx.usage?.record(row);
}
