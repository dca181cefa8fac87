// Where a request ends: when its answer is finished (or its caller hung up) and, for a stream, its events are closed,
// its facts are gathered into its one record (request-record.ts) and queued for the readers. Nothing else on the
// request's tick writes a line, a metric, a row or a dashboard entry.
import { performance } from 'node:perf_hooks';
import type { GatewayRequest } from '../request/exchange.ts';
import type { GatewayContext } from '../context.ts';
import { attemptsOf, failWith, outcomeOf, type RequestState } from '../request/request-state.ts';
import type { RequestRecord } from './request-record.ts';
import { CHAT_PATHS, pathOf } from '../request/chat-paths.ts';
import { metricRoute } from '../request/model-resolve.ts';
import { finalRow } from './usage-record.ts';
import { isSocketTurn } from '../conversations/socket-turn-mark.ts';
import { bodyOver } from '../../providers/body-memory.ts';
import { bodyBytes } from '../request/json-body.ts';

/** The answer is finished with `status` (499: the caller hung up): the request is over unless its usage is not final
 * (a stream still open, a call's record waiting for an estimate), when its record waits for usageSettled. Once. */
export function requestOver(ctx: GatewayContext, req: GatewayRequest, status: number): void {
  const s = req.sy;
  if (!s || s.run.logged) return;
  s.run.logged = true;
  if (s.run.inFlight !== undefined) ctx.inFlight.done(s.run.inFlight);
  if (status >= 400 && s.failure === undefined) failWith(s, { outcome: `http_${status}` });
  s.run.status = status;
  if (!s.run.usagePending) ctx.records.push(recordOf(ctx, req, s, status));
  bodyDone(req);
}

/** The request's usage is final: a stream's events are closed, or its call's record came after an estimate was
 * counted. The record goes now if its answer is over already (a caller that hung up), else when it is. */
export function usageSettled(ctx: GatewayContext, req: GatewayRequest): void {
  const s = req.sy;
  if (!s || !s.run.usagePending) return;
  s.run.usagePending = false;
  if (s.run.logged) ctx.records.push(recordOf(ctx, req, s, s.run.status ?? 499));
  bodyDone(req);
}

/** Once the request's answer is over, its stream closed and its router call settled, nothing reads its body again:
 * its memory goes now (providers/body-memory.ts). A request that made no call leaves it to the collector. */
export function bodyDone(req: GatewayRequest): void {
  const run = req.sy?.run;
  if (run === undefined || run.call === undefined || run.calling || !run.logged || run.usagePending) return;
  bodyOver(bodyBytes(req.body));
}

/** The request's record, built around its router call's (calls/call-record.ts) when it made one: the route, key,
 * attempts, trail and usage are the call's, not worked out again here. */
function recordOf(ctx: GatewayContext, req: GatewayRequest, s: RequestState, status: number): RequestRecord {
  const { arrival, caller, asked, answer, failure, run } = s;
  const ms = performance.now() - arrival.started;
  const call = run.call;
  const route = call === undefined ? answer?.route : call.answered?.route;
  const path = pathOf(req);
  const chat = CHAT_PATHS.has(path);
  return {
    id: arrival.id,
    idJson: arrival.idJson,
    // A WebSocket turn arrives as an injected POST: its line says it came over the socket.
    method: isSocketTurn(req.headers) ? 'WS' : req.method,
    path,
    status,
    api: arrival.api,
    chat,
    clientKey: caller?.keyName,
    user: asked.user,
    model: asked.model,
    alias: asked.target?.alias,
    task: asked.target?.task,
    route,
    // The label is bounded (metricRoute); the line keeps the real route.
    routeLabel: route === undefined ? 'none' : metricRoute(ctx.settings.models, route),
    credential: call === undefined ? answer?.credential : call.credential,
    attempts: attemptsOf(s),
    trail: call === undefined ? run.trail : call.trail,
    decisions: call?.decisions,
    gaveUp: call?.gaveUp,
    usage: call === undefined ? run.usage : call.usage,
    row: chat && run.trail !== undefined ? finalRow(ctx, s, Date.now() - ms, ms) : undefined,
    outcome: outcomeOf(s),
    error: failure?.error,
    explained: failure?.explained,
    failures: failure?.failures,
    stream: asked.stream,
    streamEnd: run.streamEnd,
    ttftMs: run.ttftMs,
    ms,
    upstreamMs: asked.stream ? undefined : run.upstreamMs,
    droppedTools: answer === undefined ? asked.droppedTools : answer.droppedTools,
    conversation: answer?.conversation,
    mcp: asked.mcp,
    guard: run.guard,
  };
}
