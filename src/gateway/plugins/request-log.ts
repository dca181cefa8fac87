// One structured log line and one metrics sample per request, written when the response is finished. Probes
// (/, /healthz, /readyz, /metrics) log at debug so they do not drown the requests that matter. The line names the
// client key by its *name*; the key itself never reaches this code.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { newRequestState } from '../request-state.ts';
import { requestId } from '../request-id.ts';
import type { RequestSample } from '../metrics.ts';
import { rawJson, rawJsonValue, type LineFields, type RawJson } from '../../log.ts';
import { apiOf } from './errors.ts';
import { metricRoute } from '../model-resolve.ts';
import { sentAttempts } from '../../routing/trail.ts';
import { CHAT_PATHS, pathOf } from '../chat-paths.ts';
import type { Usage } from '../../providers/types.ts';
import type { Attempt } from '../../routing/types.ts';
import { recordUsage } from '../usage-record.ts';

const PROBES = new Set(['/', '/healthz', '/readyz', '/metrics']);

/** The router ignores a trailing slash (app.ts): `/healthz/` is a probe too. */
function isProbe(path: string): boolean {
  return PROBES.has(path) || (path.endsWith('/') && PROBES.has(path.slice(0, -1)));
}

/** The line's `api`: what the endpoint is. `s.api` (apiOf) says which shape errors take — also on /admin/*, where
 * an `anthropic-version` header gets the Anthropic shape — so it would call every admin call and probe "openai". */
function lineApi(path: string, probe: boolean, api: string): string {
  if (probe) return 'probe';
  if (path.startsWith('/admin/') || path === '/admin') return 'admin';
  return api;
}

export function installRequestLog(app: FastifyInstance, ctx: GatewayContext): void {
  // Callback-style hooks: they run on every request, and a promise per hook is measurable on the hot path.
  app.addHook('onRequest', (req, reply, done) => {
    req.sy = newRequestState(apiOf(req), requestId(req.headers));
    // The OpenAI SDK reads `x-request-id` into `error.request_id`, Anthropic's reads `request-id` into `requestID`.
    reply.header('x-request-id', req.sy.id);
    if (req.sy.api === 'anthropic') reply.header('request-id', req.sy.id);
    if (CHAT_PATHS.has(pathOf(req))) ctx.metrics.requestStarted();
    done();
  });

  // Also closes idle connections once shutdown began (one hook per response instead of two).
  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done) => {
    writeRequestLine(ctx, req, reply.statusCode);
    if (ctx.closing) app.server.closeIdleConnections();
    done();
  });
}

/** The caller hung up, so onResponse will not run: the line is written here, as nginx would (499), unless the
 * shutdown cut it (`gateway_shutting_down`). */
export function logHangUp(ctx: GatewayContext, req: FastifyRequest): void {
  const s = req.sy;
  if (!s || s.logged) return;
  s.outcome = s.cutWith?.code ?? 'client_closed';
  if (s.trail !== undefined) s.attempts = sentAttempts(s.trail);
  writeRequestLine(ctx, req, 499);
}

/** Flat fields, easy to sum with jq or a log query by `key` (who) or `route` (where): `tokens_in` is the whole prompt,
 * cached parts included; the cache's share only when there is one. */
function addTokenFields(line: LineFields, usage: Usage): void {
  line['tokens_in'] = usage.input_tokens;
  line['tokens_out'] = usage.output_tokens;
  if (usage.cache_read_tokens) line['tokens_cache_read'] = usage.cache_read_tokens;
  if (usage.cache_write_tokens) line['tokens_cache_write'] = usage.cache_write_tokens;
}

/** Each attempt with its route, masked credential and outcome, so the line says which key a request went out with
 * and which it moved off. */
function upstreamJson(trail: readonly Attempt[]): RawJson {
  const attempts = trail.map((a) => ({
    route: a.route,
    ...(a.credential !== undefined ? { credential: a.credential.fingerprint, key: a.credential.masked } : {}),
    outcome: a.outcome,
    ...(a.status !== undefined ? { status: a.status } : {}),
    // What was done before the attempt (`re-minted after 401`): recovery, not a second key out of nowhere.
    ...(a.note !== undefined ? { note: a.note } : {}),
    // Why an attempt sent nothing (skipped, breaker open, no key): otherwise a fallback there is unexplained.
    ...(a.credential === undefined && a.message !== undefined ? { reason: a.message } : {}),
  }));
  // Scrubbed as every string in the line is (the route holds a caller's model name); a masked key passes as it is.
  return rawJsonValue(attempts);
}

function writeRequestLine(ctx: GatewayContext, req: FastifyRequest, status: number): void {
  const s = req.sy;
  if (!s || s.logged) return;
  s.logged = true;
  ctx.inFlight.done(s);
  const path = pathOf(req);
  const ms = performance.now() - s.started;
  if (status >= 400 && s.outcome === 'ok') s.outcome = `http_${status}`;
  if (CHAT_PATHS.has(path)) {
    // The label is bounded (metricRoute); the line below keeps the real route.
    const route = s.route === undefined ? 'none' : metricRoute(ctx.settings.models, s.route);
    const sample: RequestSample = {
      api: s.api,
      route,
      outcome: s.outcome,
      attempts: s.attempts,
      totalSeconds: ms / 1000,
    };
    if (s.upstreamMs !== undefined && !s.stream) sample.upstreamSeconds = s.upstreamMs / 1000;
    ctx.metrics.requestFinished(sample);
    if (s.usage !== undefined) {
      ctx.metrics.tokensUsed(route, s.usage);
      const key = s.credential ?? 'none';
      ctx.metrics.promptCacheUsed({ route, task: s.target?.task ?? 'none', key }, s.usage);
    }
    recordUsage(ctx, req);
    ctx.recent?.remember(s);
  }
  const probe = isProbe(path);
  const line: LineFields = {
    req_id: s.idJson,
    method: req.method,
    path,
    status,
    api: lineApi(path, probe, s.api),
    key: s.keyName ?? null,
    model: s.model ?? null,
    route: s.route ?? null,
    attempts: s.attempts,
    outcome: s.outcome,
    stream: s.stream,
    ms: Math.round(ms * 100) / 100,
  };
  if (s.target?.alias !== undefined) line['alias'] = s.target.alias;
  if (s.credential !== undefined) line['credential'] = s.credential;
  if (s.trail !== undefined && s.trail.length > 0) line['upstream'] = upstreamJson(s.trail);
  if (s.usage !== undefined) addTokenFields(line, s.usage);
  if (s.droppedTools !== undefined) line['dropped_tools'] = s.droppedTools.join(',');
  if (s.conversation !== undefined) line['conversation'] = s.conversation;
  // Rendered here, not through the line writer's memo of repeated values: a message seen once would only churn it.
  if (s.error !== undefined) line['error'] = rawJson(s.error, false);
  ctx.requestLine(probe ? 'debug' : status >= 500 ? 'warn' : 'info', line, 'request');
}
