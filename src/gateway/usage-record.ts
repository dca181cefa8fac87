// A chat request's usage, once it is known: its ledger row (queued, never awaited), its metrics, and the
// `x-switchyard-usage` value. A stream's usage is known only when its events are closed, which can be after its
// line was written (a caller that hung up): then the row waits for the stream (request-state `usagePending`).
import type { FastifyRequest } from 'fastify';
import type { GatewayContext } from './context.ts';
import type { RequestState } from './request-state.ts';
import { usageHeader, usageRow } from '../usage/request-row.ts';
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
      ...(s.keyName !== undefined ? { clientKey: s.keyName } : {}),
      task: s.target?.task ?? 'main',
      ...(s.model !== undefined ? { model: s.model, alias: aliasOf(ctx, s.model) } : {}),
      ...(s.route !== undefined ? { route: s.route } : {}),
      ...(s.credential !== undefined ? { credential: s.credential } : {}),
      status: s.outcome,
      latencyMs: performance.now() - s.started,
      ...(s.ttftMs !== undefined ? { ttftMs: s.ttftMs } : {}),
      ...(s.streamEnd !== undefined ? { streamEnd: s.streamEnd } : {}),
      trail: s.trail ?? [],
    },
    ctx.settings.prices,
  );
}

/** The header value for an answer whose trail is complete. */
export function usageHeaderValue(ctx: GatewayContext, s: RequestState): string {
  return usageHeader(requestRow(ctx, s, Date.now()));
}

/** Records the request's usage once (a chat request that reached the router). */
export function recordUsage(ctx: GatewayContext, req: FastifyRequest): void {
  const s = req.sy;
  if (!s || s.trail === undefined || s.usageRecorded || s.usagePending) return;
  s.usageRecorded = true;
  const row = requestRow(ctx, s, Date.now() - (performance.now() - s.started));
  countUsage(ctx, row);
  ctx.usage?.record(row);
}
