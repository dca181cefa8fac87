// Where a request ends: when its answer is finished (or its caller hung up) and, for a stream, its events are closed,
// its facts are gathered into its one record (request-record.ts) and queued for the readers. Nothing else on the
// request's tick writes a line, a metric, a row or a dashboard entry.
import { performance } from 'node:perf_hooks';
import type { FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.ts';
import type { RequestState } from '../request/request-state.ts';
import type { RequestRecord } from './request-record.ts';
import { CHAT_PATHS, pathOf } from '../request/chat-paths.ts';
import { metricRoute } from '../request/model-resolve.ts';
import { finalRow } from './usage-record.ts';
import { isSocketTurn } from '../conversations/socket-turn-mark.ts';

/** The answer is finished with `status` (499: the caller hung up): the request is over unless its stream is still
 * open, whose record then waits for streamSettled. Once. */
export function requestOver(ctx: GatewayContext, req: FastifyRequest, status: number): void {
  const s = req.sy;
  if (!s || s.logged) return;
  s.logged = true;
  ctx.inFlight.done(s);
  if (status >= 400 && s.outcome === 'ok') s.outcome = `http_${status}`;
  s.status = status;
  if (s.usagePending !== true) ctx.records.push(recordOf(ctx, req, s, status));
}

/** A stream's events are closed: its usage is final. The record goes now if its answer is over already (a caller
 * that hung up), else when it is. */
export function streamSettled(ctx: GatewayContext, req: FastifyRequest): void {
  const s = req.sy;
  if (!s || s.usagePending !== true) return;
  s.usagePending = false;
  if (s.logged) ctx.records.push(recordOf(ctx, req, s, s.status ?? 499));
}

/** The request's record, built around its router call's (calls/call-record.ts) when it made one: the route, key,
 * attempts, trail and usage are the call's, not worked out again here. */
function recordOf(ctx: GatewayContext, req: FastifyRequest, s: RequestState, status: number): RequestRecord {
  const ms = performance.now() - s.started;
  const call = s.call;
  const route = call === undefined ? s.route : call.answered?.route;
  const path = pathOf(req);
  const chat = CHAT_PATHS.has(path);
  return {
    id: s.id,
    idJson: s.idJson,
    // A WebSocket turn arrives as an injected POST: its line says it came over the socket.
    method: isSocketTurn(req.headers) ? 'WS' : req.method,
    path,
    status,
    api: s.api,
    chat,
    clientKey: s.keyName,
    user: s.user,
    model: s.model,
    alias: s.target?.alias,
    task: s.target?.task,
    route,
    // The label is bounded (metricRoute); the line keeps the real route.
    routeLabel: route === undefined ? 'none' : metricRoute(ctx.settings.models, route),
    credential: call === undefined ? s.credential : call.credential,
    attempts: call === undefined ? s.attempts : call.attempts,
    trail: call === undefined ? s.trail : call.trail,
    decisions: call?.decisions,
    gaveUp: call?.gaveUp,
    usage: call === undefined ? s.usage : call.usage,
    row: chat && s.trail !== undefined ? finalRow(ctx, s, Date.now() - ms, ms) : undefined,
    outcome: s.outcome,
    error: s.error,
    explained: s.explained,
    failures: s.failures,
    stream: s.stream,
    streamEnd: s.streamEnd,
    ttftMs: s.ttftMs,
    ms,
    upstreamMs: s.stream ? undefined : s.upstreamMs,
    droppedTools: s.droppedTools,
    conversation: s.conversation,
    mcp: s.mcp,
    guard: s.guard,
  };
}
