// Upstream outcome → one ErrorKind (SPEC §3). Table-driven: the status gives a default kind, then ordered body
// refinements (provider codes and wording) sharpen it. Covers OpenAI, Anthropic and common OpenAI-compatible
// shapes (DeepSeek, OpenRouter, vLLM, Google, gateways), errors inside 200 streams, and garbage bodies.
import type { ErrorKind } from './kinds.ts';
import type { HeaderBag } from './headers.ts';
import type { ErrorBody } from './error-body.ts';
import { readErrorBody, readErrorPayload } from './error-body.ts';
import { parseRetryHints } from './retry-after.ts';

export { classifyTransport } from './classify-transport.ts';

export interface Classification {
  kind: ErrorKind;
  status?: number;
  /** Provider error code or type (`insufficient_quota`, `overloaded_error`, `ECONNRESET`, …). */
  code?: string;
  /** Upstream's message, truncated and scrubbed. */
  providerMessage: string;
  retryAfterMs?: number;
  resetAt?: number;
  shouldRetry?: boolean;
}

export interface HttpFailure {
  status: number;
  headers?: HeaderBag;
  /** Raw body text (may be empty, HTML, or truncated). */
  body?: string;
  /** For reset-time parsing; defaults to Date.now(). */
  now?: number;
  /** Secrets sent with the request, scrubbed from the message verbatim. */
  secrets?: readonly string[];
}

/** Status → kind before the body is read. */
export const STATUS_KIND: Readonly<Record<number, ErrorKind>> = {
  400: 'bad_request',
  401: 'auth_rejected',
  402: 'quota',
  403: 'auth_rejected',
  404: 'not_found',
  405: 'not_found',
  408: 'timeout',
  413: 'bad_request',
  422: 'bad_request',
  429: 'rate_limited',
  499: 'timeout',
  500: 'server',
  502: 'server',
  503: 'server',
  504: 'timeout',
  524: 'timeout', // Cloudflare: origin timed out
  529: 'overloaded', // Anthropic
};

function statusDefault(status: number): ErrorKind {
  return STATUS_KIND[status] ?? (status >= 400 && status < 500 ? 'bad_request' : 'server');
}

interface Refinement {
  kind: ErrorKind;
  /** Statuses this rule applies to. */
  statuses: (status: number) => boolean;
  /** Provider codes/types (lowercase) that decide by themselves. */
  codes?: readonly string[];
  /** Wording in the message (lowercase). */
  wording?: RegExp;
}

const is4xx = (s: number): boolean => s >= 400 && s < 500;
const is5xx = (s: number): boolean => s >= 500;
const oneOf = (...list: number[]) => (s: number): boolean => list.includes(s);

const QUOTA_WORDS =
  /insufficient[ _](quota|balance|credits?|funds)|exceeded your current quota|quota (has been |was )?exceeded|out of (quota|credits?)|credit balance|billing|payment required|top ?up|recharge|arrearage|余额不足|额度不足/;

/** Ordered: the first rule that matches wins. */
export const REFINEMENTS: readonly Refinement[] = [
  // A gateway that wraps its own failure in a 403 is not rejecting the key.
  { kind: 'server', statuses: oneOf(403), codes: ['server_error', 'internal_error', 'internal'], wording: /server_error|internal server error/ },
  {
    kind: 'content_filter', statuses: is4xx,
    codes: ['content_filter', 'content_policy_violation', 'moderation_blocked', 'content_blocked', 'safety'],
    wording: /content (management )?polic|content[ _]filter|safety system|input was flagged|flagged by|requires moderation/,
  },
  {
    kind: 'context_length', statuses: (s) => is4xx(s) && s !== 429,
    codes: ['context_length_exceeded', 'context_window_exceeded', 'string_above_max_length', 'token_limit_exceeded'],
    wording: /context[ _]length|maximum context|context window|prompt is too long|too many (input )?tokens|input is too long|tokens? > \d+ maximum|reduce the length of the (messages|prompt|input)|exceeds? the (model'?s? )?(max(imum)?) (context|input|number of tokens|token)/,
  },
  { kind: 'quota', statuses: oneOf(400, 402, 403, 429), codes: ['insufficient_quota', 'billing_error', 'insufficient_balance', 'payment_required', 'billing_hard_limit_reached'], wording: QUOTA_WORDS },
  // A 401 stays auth_rejected (a gateway's transient 401 included) unless the provider plainly says "balance".
  { kind: 'quota', statuses: oneOf(401), codes: ['insufficient_quota', 'insufficient_balance'], wording: /insufficient[ _](quota|balance|credits?)/ },
  {
    kind: 'not_found', statuses: oneOf(400, 404, 422),
    codes: ['model_not_found', 'not_found_error', 'not_found'],
    wording: /model.{0,80}(does not exist|not exist|not found|is not supported|unknown)|no such model|unknown model|invalid model/,
  },
  {
    kind: 'rate_limited', statuses: oneOf(400, 413, 429),
    codes: ['rate_limit_exceeded', 'rate_limit_error', 'resource_exhausted', 'too_many_requests'],
    wording: /rate[ _]limit|too many requests|per minute|tokens per min|requests per min/,
  },
  {
    kind: 'auth_rejected', statuses: oneOf(400, 404),
    codes: ['invalid_api_key', 'authentication_error', 'unauthenticated', 'permission_denied', 'api_key_invalid', 'permission_error'],
    wording: /api key not valid|invalid api[ _-]?key|incorrect api key|invalid x-api-key|api key (is )?(missing|expired|revoked|disabled)/,
  },
  { kind: 'overloaded', statuses: is5xx, codes: ['overloaded_error', 'overloaded'], wording: /overloaded|over capacity|at capacity|server is busy|too busy|服务器繁忙/ },
  { kind: 'timeout', statuses: oneOf(500, 502, 503), codes: ['timeout', 'timeout_error', 'deadline_exceeded'], wording: /timed? ?out|timeout/ },
];

function refine(status: number, body: ErrorBody): ErrorKind | undefined {
  const codes = [body.code, body.type].filter((c): c is string => c !== undefined).map((c) => c.toLowerCase());
  const words = body.message.toLowerCase();
  for (const rule of REFINEMENTS) {
    if (!rule.statuses(status)) continue;
    if (rule.codes?.some((c) => codes.includes(c))) return rule.kind;
    if (rule.wording?.test(words)) return rule.kind;
  }
  return undefined;
}

function build(kind: ErrorKind, body: ErrorBody, status: number | undefined): Classification {
  const c: Classification = { kind, providerMessage: body.message };
  if (status !== undefined) c.status = status;
  const code = body.code ?? body.type;
  if (code !== undefined) c.code = code;
  return c;
}

/** An HTTP error answer → its kind, the provider's code and message, and any reset hints in its headers. */
export function classifyHttp(failure: HttpFailure): Classification {
  const body = readErrorBody(failure.body, failure.secrets);
  const kind = refine(failure.status, body) ?? statusDefault(failure.status);
  const c = build(kind, body, failure.status);
  const hints = parseRetryHints(failure.headers, failure.now ?? Date.now());
  if (hints.retryAfterMs !== undefined) c.retryAfterMs = hints.retryAfterMs;
  if (hints.resetAt !== undefined) c.resetAt = hints.resetAt;
  if (hints.shouldRetry !== undefined) c.shouldRetry = hints.shouldRetry;
  return c;
}

/** Error types seen inside 200 streams → the status they would have had, so one rule set serves both. */
const STREAM_TYPE_STATUS: Readonly<Record<string, number>> = {
  overloaded_error: 529,
  api_error: 500,
  server_error: 500,
  internal_error: 500,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  billing_error: 402,
  authentication_error: 401,
  invalid_api_key: 401,
  permission_error: 403,
  not_found_error: 404,
  model_not_found: 404,
  invalid_request_error: 400,
  context_length_exceeded: 400,
  request_too_large: 413,
  timeout_error: 504,
};

function streamStatus(body: ErrorBody): number {
  const numeric = Number(body.code);
  if (Number.isInteger(numeric) && numeric >= 400 && numeric < 600) return numeric;
  for (const c of [body.type, body.code]) {
    const s = c === undefined ? undefined : STREAM_TYPE_STATUS[c.toLowerCase()];
    if (s !== undefined) return s;
  }
  return 500;
}

/** An error the upstream sent inside a 200 stream (`data: {"error": …}` or Anthropic `event: error`). */
export function classifyStreamError(payload: unknown, secrets: readonly string[] = []): Classification {
  const body = readErrorPayload(payload, secrets);
  const status = streamStatus(body);
  return build(refine(status, body) ?? statusDefault(status), body, undefined);
}
