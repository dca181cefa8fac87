// Every error leaves the gateway in the caller's API shape: fastify's own (body too large, malformed JSON, schema
// validation, unknown route), ours (ApiError), the router's (SwitchyardError) and anything unexpected (a 500 whose
// body says nothing internal). Installed on the root instance so it covers every route and the 404 handler.
import { sentAttempts } from '../../calls/trail.ts';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { GatewayReply, GatewayRequest } from '../request/exchange.ts';
import type { Logger } from '../../log.ts';
import { scrubSecrets } from '../../log.ts';
import { tooDeepError } from '../request/too-deep.ts';
import { isChatRequest } from '../request/chat-paths.ts';
import { ApiError, errorBody, errorHeaders, type Api } from '../answer/api-error.ts';
import { failureToApiError, CLIENT_RETRY_MAX_WAIT_MS, type CallFailure } from '../answer/failure-map.ts';
import { answerForClient } from '../answer/client-retry.ts';
import { SwitchyardError } from '../../routing/errors.ts';
import { WireRequestError } from '../../providers/translate/wire-error.ts';
import { UserError } from '../../user-error.ts';
import { failWith, type Failure } from '../request/request-state.ts';

/** /v1/messages speaks Anthropic; so does any request carrying `anthropic-version` (the Anthropic SDK sends it). */
export function apiOf(req: Pick<GatewayRequest, 'url' | 'headers'>): Api {
  if (req.url.startsWith('/v1/messages') || req.headers['anthropic-version'] !== undefined) return 'anthropic';
  return 'openai';
}

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/messages/0/role` → `messages[0].role`: the form the translators' errors use (WireRequestError). */
function bracketPath(instancePath: string): string {
  return instancePath
    .split('/')
    .filter((p) => p !== '')
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

/** `body/messages must be array` → `messages must be array`; a missing property names itself. */
function validationMessage(issues: readonly ValidationIssue[]): { message: string; param?: string } {
  const first = issues[0];
  if (!first) return { message: 'invalid request body' };
  const path = bracketPath(first.instancePath ?? '');
  const missing = first.params?.['missingProperty'];
  if (typeof missing === 'string') {
    const param = path ? `${path}.${missing}` : missing;
    return { message: `invalid request body: ${param} is required`, param };
  }
  return path
    ? { message: `invalid request body: ${path} ${first.message ?? 'is invalid'}`, param: path }
    : { message: `invalid request body: ${first.message ?? 'is invalid'}` };
}

/** The body itself is not an object (`null`, `[]`, `5`): said as plainly as an empty body is. */
const notAnObject = (issues: readonly ValidationIssue[]): boolean =>
  (issues[0]?.instancePath ?? '') === '' && issues[0]?.keyword === 'type';

/** A located translation error (zod) → `messages[2].role: …`. */
interface ZodLike {
  issues: { path: PropertyKey[]; message: string }[];
}
function isZodLike(err: unknown): err is Error & ZodLike {
  return err instanceof Error && err.name === 'ZodError' && Array.isArray((err as unknown as ZodLike).issues);
}
function zodPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function isCallFailure(err: unknown): err is Error & CallFailure {
  return SwitchyardError.isInstance(err);
}

/** Turns anything thrown into the ApiError the client sees. `explicit`: the request named a model.
 * `clientRetryMaxWaitMs`: `gateway.client_retry_max_wait` (failureToApiError). */
export function toApiError(
  err: unknown,
  explicit = false,
  bodyLimit?: number,
  clientRetryMaxWaitMs?: number,
): ApiError {
  if (ApiError.isInstance(err)) return err;
  if (isCallFailure(err)) return failureToApiError(err, explicit, clientRetryMaxWaitMs);
  if (WireRequestError.isInstance(err)) {
    // The translator's located error: `messages[2].role: expected one of …`.
    const { path, code } = err;
    return new ApiError('invalid_request', `invalid request body: ${scrubSecrets(err.message)}`, {
      ...(path ? { param: path } : {}),
      ...(code ? { code } : {}),
    });
  }
  if (isZodLike(err)) {
    const issue = err.issues[0];
    const param = issue ? zodPath(issue.path) : undefined;
    return new ApiError(
      'invalid_request',
      `invalid request body: ${param ? `${param}: ` : ''}${issue?.message ?? 'invalid'}`,
      param ? { param } : {},
    );
  }
  const fe = err as Partial<FastifyError> & { validation?: ValidationIssue[] };
  if (err instanceof Error && Array.isArray(fe.validation)) {
    if (notAnObject(fe.validation))
      return new ApiError('invalid_request', 'request body must be a JSON object', { code: 'invalid_json' });
    const { message, param } = validationMessage(fe.validation);
    return new ApiError('invalid_request', message, param ? { param } : {});
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        'too_large',
        `request body is larger than the gateway accepts (gateway.body_limit: ${bodyLimit ?? 'see config'} bytes)`,
        { code: 'request_too_large' },
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media', 'request body must be JSON (Content-Type: application/json)', {
        code: 'unsupported_media_type',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_request', 'request body is empty; expected a JSON object', { code: 'invalid_json' });
    default:
      break;
  }
  if (err instanceof SyntaxError) {
    // JSON.parse says where it failed ("… in JSON at position 12"); fastify's wrapper only repeats the content type.
    return new ApiError('invalid_request', `request body is not valid JSON: ${scrubSecrets(err.message)}`, {
      code: 'invalid_json',
    });
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
    return new ApiError('invalid_request', 'request body is not valid JSON', { code: 'invalid_json' });
  if (UserError.isInstance(err)) return new ApiError('invalid_request', scrubSecrets(err.message));
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new ApiError('invalid_request', scrubSecrets(fe.message ?? 'bad request'));
  }
  return new ApiError('internal', 'internal gateway error; see the gateway log', { code: 'internal_error' });
}

/** What a request's line keeps of an error its caller is told: the outcome, the message, the router's explanation
 * and failures when it made them, and the attempts the error's header told. */
export function failureOf(outcome: string, apiErr: ApiError, err: unknown, toldAttempts?: string): Failure {
  const routed = SwitchyardError.isInstance(err);
  return {
    outcome,
    error: apiErr.message,
    ...(routed && err.explained !== undefined ? { explained: err.explained } : {}),
    ...(routed && err.failures.length > 0 ? { failures: err.failures } : {}),
    ...(toldAttempts !== undefined ? { attempts: Number(toldAttempts) } : {}),
  };
}

export function sendApiError<R extends GatewayReply>(reply: R, api: Api, err: ApiError): R {
  // Draining: see answerHeaders in serve-chat.ts.
  if (reply.server.gateway.closing) reply.header('connection', 'close');
  reply.code(err.status).headers(errorHeaders(err)).type('application/json').send(errorBody(api, err));
  return reply;
}

/** A body that failed to parse because it came compressed: say so, not "not valid JSON". Checked only once parsing
 * failed, so a request pays nothing for it. */
function compressedBody(req: GatewayRequest, err: unknown): ApiError | undefined {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding === '' || encoding.toLowerCase() === 'identity') return undefined;
  const parseFailed =
    err instanceof SyntaxError || String((err as { code?: unknown }).code ?? '').startsWith('FST_ERR_CTP_');
  if (!parseFailed) return undefined;
  return new ApiError(
    'unsupported_media',
    `Content-Encoding ${JSON.stringify(encoding)} is not supported: send the body uncompressed`,
    { code: 'unsupported_content_encoding' },
  );
}

/** The caller hung up before its answer was complete: the call was cancelled on its behalf (serve-chat). */
function clientGone(err: unknown, reply: GatewayReply): boolean {
  return reply.raw.closed && !reply.raw.writableFinished && err instanceof Error && err.name === 'AbortError';
}

/** The methods each registered path answers, for telling a wrong method (405) from a wrong path (404). */
class RouteMethods {
  readonly #routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(url: string, method: string | string[]): void {
    // fastify's `:param` matches one segment and `*` the rest of the path; nothing else in our paths is special.
    const escaped = url.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`^${escaped.replace(/:[^/]+/g, '[^/]+').replace(/\*/g, '.*')}$`);
    let entry = this.#routes.find((r) => r.pattern.source === pattern.source);
    if (!entry) this.#routes.push((entry = { pattern, methods: new Set() }));
    for (const m of Array.isArray(method) ? method : [method]) entry.methods.add(m);
  }

  allowed(path: string): string[] {
    // The router ignores a trailing slash (app.ts): so does this.
    const bare = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const methods = new Set<string>();
    for (const r of this.#routes) if (r.pattern.test(bare)) for (const m of r.methods) methods.add(m);
    return [...methods].sort();
  }
}

/** The caller left while its request was still arriving (its body cut off): fastify reports the read's error, and
 * will not run onResponse, since no answer can finish. */
function cutOff(req: GatewayRequest): boolean {
  return req.raw.destroyed && !req.raw.complete;
}

/** What the caller is told of anything thrown while serving it, in its API's shape; the request's state says so too.
 * `onCutOff` writes the line of a request whose caller left before it had arrived (request-log.ts's logHangUp, passed
 * in: that module imports this one). fastify's error handler, and the chat lane's (server/chat-lane.ts). */
export function answerError(
  err: unknown,
  req: GatewayRequest,
  reply: GatewayReply,
  logger: Logger,
  onCutOff: (req: GatewayRequest) => void,
): GatewayReply {
  // Not the gateway's failure and nobody left to tell: serve-chat already logged the hang-up (499, client_closed).
  if (clientGone(err, reply)) return reply.code(499).send();
  if (cutOff(req)) {
    onCutOff(req);
    return reply.code(499).send();
  }
  // A body nested deeper than the stack allows, wherever it ran out (parsing a shape, translating, counting
  // tokens): the caller's 400, found here once rather than by a catch in every route (too-deep.ts).
  const apiErr =
    compressedBody(req, err) ??
    tooDeepError(err, req.body) ??
    toApiError(
      err,
      req.sy?.asked.target?.explicit ?? false,
      req.routeOptions?.bodyLimit,
      req.server.gateway?.settings.clientRetryMaxWaitMs,
    );
  if (apiErr.category === 'internal')
    logger.error(
      {
        err: {
          message: scrubSecrets(String((err as Error).message)),
          stack: scrubSecrets(String((err as Error).stack)),
        },
        url: req.url,
      },
      'unexpected gateway error',
    );
  const sy = req.sy;
  if (sy) {
    // The request log and the x-switchyard-attempts header must agree on a failed call too.
    const told = apiErr.headers['x-switchyard-attempts'];
    failWith(sy, failureOf(apiErr.code ?? apiErr.category, apiErr, err, told));
    const trail = sy.run.trail;
    if (told === undefined && trail !== undefined && trail.length > 0) {
      // Requests were sent before something that is not a routing failure ended the call (a fallback route's
      // translation refused the request): they are counted all the same.
      apiErr.headers['x-switchyard-attempts'] = String(sentAttempts(trail));
    } else if (told === undefined && isChatRequest(req)) {
      // Refused before anything was sent (an invalid body, an unknown model): none, said as on every chat answer.
      apiErr.headers['x-switchyard-attempts'] = '0';
    }
  }
  // A wait past the bound, said the way a client that ignores x-should-retry stops (client-retry.ts).
  const maxWait = req.server.gateway?.settings.clientRetryMaxWaitMs ?? CLIENT_RETRY_MAX_WAIT_MS;
  return sendApiError(reply, apiOf(req), answerForClient(apiErr, req.headers, maxWait));
}

/** answerError for every route, and the 404 and 405 of paths and methods no route serves. */
export function installErrorHandling(
  app: FastifyInstance,
  logger: Logger,
  onCutOff: (req: GatewayRequest) => void = () => {},
): void {
  app.setErrorHandler((err, req, reply) => answerError(err, req, reply, logger, onCutOff));
  const routes = new RouteMethods();
  app.addHook('onRoute', (route) => routes.add(route.url, route.method));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (req.sy) failWith(req.sy, { outcome: 'unknown_endpoint' });
    const allowed = routes.allowed(path);
    if (allowed.length > 0) {
      // The path exists with other methods (GET /v1/chat/completions, OPTIONS from a browser): 405, saying which.
      reply.header('allow', allowed.join(', '));
      const err = new ApiError(
        'method_not_allowed',
        `${req.method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
        { code: 'method_not_allowed' },
      );
      if (req.sy) failWith(req.sy, { outcome: 'method_not_allowed' });
      return sendApiError(reply, apiOf(req), err);
    }
    return sendApiError(
      reply,
      apiOf(req),
      new ApiError('not_found', `no such endpoint: ${req.method} ${path}`, { code: 'unknown_endpoint' }),
    );
  });
}
