// The request's start (its state, id headers, the in-flight gauge) and end (request-end.ts: its record), and the
// log reader: one structured line per request record. Probes (/, /healthz, /livez, /readyz, /metrics) log at debug so they
// do not drown the requests that matter. The line names the client key by its *name*; the key never reaches here.
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { GatewayReply, GatewayRequest } from '../request/exchange.ts';
import type { GatewayContext } from '../context.ts';
import { failWith, newRequestState } from '../request/request-state.ts';
import { requestId } from '../request/request-id.ts';
import { rawJson, rawJsonValue, type LineFields, type RawJson } from '../../log.ts';
import { apiOf } from './errors.ts';
import { CHAT_PATHS, pathOf } from '../request/chat-paths.ts';
import type { Usage } from '../../providers/types.ts';
import type { Attempt } from '../../calls/types.ts';
import { requestOver } from '../records/request-end.ts';
import type { RequestRecord } from '../records/request-record.ts';

const PROBES = new Set(['/', '/healthz', '/livez', '/readyz', '/metrics']);

/** The router ignores a trailing slash (app.ts): `/healthz/` is a probe too. */
function isProbe(path: string): boolean {
  return PROBES.has(path) || (path.endsWith('/') && PROBES.has(path.slice(0, -1)));
}

/** The line's `api`: what the endpoint is. `s.api` (apiOf) says which shape errors take — also on /admin/*, where
 * an `anthropic-version` header gets the Anthropic shape — so it would call every admin call and probe "openai". */
function lineApi(path: string, probe: boolean, api: string): string {
  if (probe) return 'probe';
  if (path.startsWith('/admin/') || path === '/admin') return 'admin';
  if (path === '/mcp') return 'mcp';
  return api;
}

/** The request's start: its state, its id in the headers the SDKs read, the in-flight gauge. fastify's onRequest
 * hook, and the chat lane's first step (server/chat-lane.ts). */
export function openRequest(ctx: GatewayContext, req: GatewayRequest, reply: GatewayReply): void {
  const sy = (req.sy = newRequestState(apiOf(req), requestId(req.headers)));
  // The OpenAI SDK reads `x-request-id` into `error.request_id`, Anthropic's reads `request-id` into `requestID`.
  reply.header('x-request-id', sy.arrival.id);
  if (sy.arrival.api === 'anthropic') reply.header('request-id', sy.arrival.id);
  if (CHAT_PATHS.has(pathOf(req))) ctx.metrics.requestStarted();
}

/** The answer is finished: the request's record (request-end.ts). Also closes idle connections once shutdown began
 * (one hook per response instead of two). */
export function closeRequest(ctx: GatewayContext, server: Server, req: GatewayRequest, status: number): void {
  requestOver(ctx, req, status);
  if (ctx.closing) server.closeIdleConnections();
}

export function installRequestLog(app: FastifyInstance, ctx: GatewayContext): void {
  // Callback-style hooks: they run on every request, and a promise per hook is measurable on the hot path.
  app.addHook('onRequest', (req, reply, done) => {
    openRequest(ctx, req, reply);
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    closeRequest(ctx, app.server, req, reply.statusCode);
    done();
  });
}

/** The caller hung up, so onResponse will not run: the request ends here, as nginx would log it (499), unless the
 * shutdown cut it (`gateway_shutting_down`). */
export function logHangUp(ctx: GatewayContext, req: GatewayRequest): void {
  const s = req.sy;
  if (!s || s.run.logged) return;
  failWith(s, { outcome: s.run.cutWith?.code ?? 'client_closed' });
  requestOver(ctx, req, 499);
}

/** Flat fields, easy to sum with jq or a log query by `key` (who) or `route` (where): `tokens_in` is the whole prompt,
 * cached parts included; the cache's share only when there is one. */
function addTokenFields(line: LineFields, usage: Usage): void {
  line['tokens_in'] = usage.input_tokens;
  line['tokens_out'] = usage.output_tokens;
  if (usage.cache_read_tokens) line['tokens_cache_read'] = usage.cache_read_tokens;
  if (usage.cache_write_tokens) line['tokens_cache_write'] = usage.cache_write_tokens;
}

/** An attempt with its route, masked credential and outcome, so the line says which key a request went out with
 * and which it moved off. */
function attemptEntry(a: Attempt): Record<string, string | number> {
  return {
    route: a.route,
    ...(a.credential !== undefined ? { credential: a.credential.fingerprint, key: a.credential.masked } : {}),
    outcome: a.outcome,
    ...(a.status !== undefined ? { status: a.status } : {}),
    // What was done before the attempt (`re-minted after 401`): recovery, not a second key out of nowhere.
    ...(a.note !== undefined ? { note: a.note } : {}),
    // Why an attempt sent nothing (skipped, breaker open, no key): otherwise a fallback there is unexplained.
    ...(a.credential === undefined && a.message !== undefined ? { reason: a.message } : {}),
  };
}

/** Attempts' JSON text by route, key, outcome and status: requests mostly repeat a few, and rendering and scrubbing
 * each again was the line's largest cost. Bounded like the line writer's memo. */
const ATTEMPT_TEXTS = new Map<string, string>();
const ATTEMPT_TEXTS_LIMIT = 512;

/** A note or a reason is free text, seen once: rendered, not remembered. */
const textKept = (a: Attempt): boolean =>
  a.note === undefined && !(a.credential === undefined && a.message !== undefined);

/** Scrubbed as every string in the line is (the route holds a caller's model name); a masked key passes as it is.
 * Scrubbing an entry alone is scrubbing it in the array: a key-shaped run cannot cross JSON's punctuation. */
function attemptJson(a: Attempt): string {
  if (!textKept(a)) return rawJsonValue(attemptEntry(a)).json;
  const c = a.credential;
  const key = `${a.route}\0${c?.fingerprint ?? ''}\0${c?.masked ?? ''}\0${a.outcome}\0${a.status ?? ''}`;
  let text = ATTEMPT_TEXTS.get(key);
  if (text === undefined) {
    text = rawJsonValue(attemptEntry(a)).json;
    if (ATTEMPT_TEXTS.size >= ATTEMPT_TEXTS_LIMIT) ATTEMPT_TEXTS.clear();
    ATTEMPT_TEXTS.set(key, text);
  }
  return text;
}

/** The last lone attempt's `upstream`, with what it was rendered from. */
interface LoneAttempt {
  route: string;
  fingerprint: string | undefined;
  masked: string | undefined;
  outcome: string;
  status: number | undefined;
  upstream: RawJson;
}

let lastLone: LoneAttempt | undefined;

/** A lone attempt's `upstream`: the one before's, as the same object, when it went the same way. Most requests are
 * answered by the first attempt, on the route and key of the request before; the line writer then knows the text by
 * its identity (log.ts) rather than reading it again. */
function loneUpstream(a: Attempt): RawJson {
  if (!textKept(a)) return { json: `[${attemptJson(a)}]` };
  const c = a.credential;
  const last = lastLone;
  if (
    last !== undefined &&
    last.route === a.route &&
    last.fingerprint === c?.fingerprint &&
    last.masked === c?.masked &&
    last.outcome === a.outcome &&
    last.status === a.status
  )
    return last.upstream;
  const upstream = { json: `[${attemptJson(a)}]` };
  lastLone = {
    route: a.route,
    fingerprint: c?.fingerprint,
    masked: c?.masked,
    outcome: a.outcome,
    status: a.status,
    upstream,
  };
  return upstream;
}

/** The line's `upstream`: each attempt, in order. */
function upstreamJson(trail: readonly Attempt[]): RawJson {
  if (trail.length === 1) return loneUpstream(trail[0]!);
  let json = '[';
  for (let i = 0; i < trail.length; i++) json += (i === 0 ? '' : ',') + attemptJson(trail[i]!);
  return { json: `${json}]` };
}

/** The log reader: the record's line. Probes log at debug, answers of 500 and above at warn. */
export function writeRequestLine(ctx: GatewayContext, r: RequestRecord): void {
  const probe = isProbe(r.path);
  const line: LineFields = {
    req_id: r.idJson,
    method: r.method,
    path: r.path,
    status: r.status,
    api: lineApi(r.path, probe, r.api),
    key: r.clientKey ?? null,
    model: r.model ?? null,
    route: r.route ?? null,
    attempts: r.attempts,
    outcome: r.outcome,
    stream: r.stream,
    ms: Math.round(r.ms * 100) / 100,
  };
  // Every line of the WebSocket mode carries it: its upgrade (responses-socket.ts) and each turn.
  if (r.method === 'WS') line['websocket'] = true;
  if (r.alias !== undefined) line['alias'] = r.alias;
  if (r.user !== undefined) line['user'] = r.user;
  if (r.credential !== undefined) line['credential'] = r.credential;
  if (r.trail !== undefined && r.trail.length > 0) line['upstream'] = upstreamJson(r.trail);
  if (r.usage !== undefined) addTokenFields(line, r.usage);
  if (r.droppedTools !== undefined) line['dropped_tools'] = r.droppedTools.join(',');
  if (r.conversation !== undefined) line['conversation'] = r.conversation;
  if (r.guard !== undefined) line['guard'] = guardField(r.guard);
  if (r.mcp !== undefined) {
    line['mcp_method'] = r.mcp.method;
    if (r.mcp.tool !== undefined) line['tool'] = r.mcp.tool;
  }
  // Rendered here, not through the line writer's memo of repeated values: a message seen once would only churn it.
  if (r.error !== undefined) line['error'] = rawJson(r.error, false);
  ctx.requestLine(probe ? 'debug' : r.status >= 500 ? 'warn' : 'info', line, 'request');
}

/** The guard's findings in one field: `rule@where:action`, comma-separated (never the secret). */
function guardField(findings: RequestRecord['guard'] & object): string {
  return findings.map((f) => `${f.rule}@${f.where}:${f.action}`).join(',');
}
