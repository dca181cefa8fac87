// Upstream outcome → one ErrorKind (docs/routing.md). Table-driven: the status gives a default kind, then ordered body
// refinements (provider codes and wording) sharpen it. Covers OpenAI, Anthropic and common OpenAI-compatible
// shapes (DeepSeek, OpenRouter, vLLM, Google, gateways), errors inside 200 streams, and garbage bodies.
import type { ErrorKind } from './kinds.ts';
import type { BlockedBy, Classification } from './classification.ts';
import { headerGetter, type HeaderBag } from './headers.ts';
import type { ErrorBody } from './error-body.ts';
import { readErrorBody, readErrorPayload } from './error-body.ts';
import { honouredReset, nextMidnight, parseRetryHints } from './retry-after.ts';
import { outputLimitOf } from './output-limit.ts';
import { promptOverflowOf } from './prompt-overflow.ts';

export { classifyTransport } from './classify-transport.ts';

export type { BlockedBy, Classification } from './classification.ts';

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
  424: 'server', // Bedrock ModelErrorException: the model failed
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

/** The window of the limit a 429 says was hit: a per-minute (or per-second) limit clears by itself in moments; a
 * per-day one is, until it resets, as good as an empty quota. */
export type QuotaWindow = 'minute' | 'day';

interface Refinement {
  kind: ErrorKind;
  /** Statuses this rule applies to. */
  statuses: (status: number) => boolean;
  /** Provider codes/types (lowercase) that decide by themselves. */
  codes?: readonly string[];
  /** Wording in the message (lowercase). */
  wording?: RegExp;
  /** Only when the limit hit has this window (then codes or wording must still match). */
  window?: QuotaWindow;
  /** The rule means "this key may not use this model" (see Classification.modelAccessDenied). */
  modelAccess?: true;
  /** The rule means something in front of, or a policy of, the provider refused — not the key. */
  blocked?: BlockedBy;
  /** Matches only when the message states the largest max_tokens the model accepts (outputLimitOf). */
  outputLimit?: true;
  /** The rule means a thinking block's signature was refused (see Classification.thinkingSignature). */
  thinkingSignature?: true;
  /** Codes and wording must both match (else either does): for an answer whose code alone, or words alone, could
   * also be something else. */
  both?: true;
}

const is4xx = (s: number): boolean => s >= 400 && s < 500;
const is5xx = (s: number): boolean => s >= 500;
const oneOf =
  (...list: number[]) =>
  (s: number): boolean =>
    list.includes(s);

const QUOTA_WORDS =
  /insufficient[ _](quota|balance|credits?|funds)|exceeded your current quota|quota (has been |was )?exceeded|out of (quota|credits?)|credit balance|billing|payment required|top ?up|recharge|arrearage|余额不足|额度不足/;

/** "This key may not use this model": the provider knows the key and the model, and keeps them apart (Groq's
 * `model_permission_blocked_org`, OpenAI's "project … does not have access to model …", "not allowed to use model"). */
const MODEL_ACCESS_WORDS =
  /(do|does) not have access to (the )?model|don'?t have access to the model|(no|without) access to (the )?model|not (allowed|authori[sz]ed|permitted) to (use|access) (the )?model|blocked at the (organi[sz]ation|project) level/;

/** A region refusal is the same for every key, so there is nothing to rotate to (Anthropic's has its own rule). */
const REGION_WORDS =
  /country, region,? or territory not supported|unsupported[ _](country|region)|(country|region|location) (is )?not supported|not available in your (country|region)/;

/** Ordered: the first rule that matches wins. */
export const REFINEMENTS: readonly Refinement[] = [
  // AWS (Bedrock) says what failed in its exception's name (`x-amzn-errortype`, an event stream's
  // `:exception-type`), its body a bare message: the names decide.
  {
    kind: 'auth_rejected',
    statuses: is4xx,
    codes: [
      'expiredtokenexception',
      'unrecognizedclientexception',
      'invalidsignatureexception',
      'incompletesignatureexception',
      'missingauthenticationtokenexception',
    ],
  },
  { kind: 'quota', statuses: is4xx, codes: ['servicequotaexceededexception'] },
  { kind: 'overloaded', statuses: (s) => s >= 400, codes: ['modelnotreadyexception'] },
  // Bedrock's "unable to process your request" / "too many connections": capacity, not a fault.
  { kind: 'overloaded', statuses: is5xx, codes: ['serviceunavailableexception'] },
  { kind: 'timeout', statuses: (s) => s >= 400, codes: ['modeltimeoutexception'] },
  // max_tokens above the model's output limit, with the limit stated: before context_length, whose wording vLLM's
  // message shares ("maximum context length"), since lowering max_tokens is what makes it pass.
  { kind: 'bad_request', statuses: oneOf(400, 413, 422), outputLimit: true },
  // Anthropic refusing a thinking block signed elsewhere (another platform answered an earlier turn).
  {
    kind: 'bad_request',
    statuses: oneOf(400),
    wording: /invalid [`'"]?signature[`'"]? in [`'"]?thinking[`'"]? block/,
    thinkingSignature: true,
  },
  // An HTML page instead of the API's JSON: a firewall or bot challenge (Cloudflare) in front of the provider, which
  // never saw the key. Retried like a connection failure, then the route fails — the key is not judged.
  { kind: 'connection', statuses: oneOf(403), wording: /^html error page:/, blocked: 'firewall' },
  // The provider refuses where the request comes from; every key would meet the same answer.
  {
    kind: 'not_found',
    statuses: oneOf(400, 403),
    codes: ['unsupported_country_region_territory', 'unsupported_country', 'unsupported_region'],
    wording: REGION_WORDS,
    blocked: 'region',
  },
  // Anthropic's region refusal names no region: a bare 403 `forbidden` "Request not allowed"
  // (docs/routing.md#classification-which-kind). Only that type and those words, so a refused key stays a rejection.
  {
    kind: 'not_found',
    statuses: oneOf(403),
    codes: ['forbidden'],
    wording: /^request not allowed\.?$/,
    both: true,
    blocked: 'region',
  },
  // A gateway that wraps its own failure in a 403 is not rejecting the key.
  {
    kind: 'server',
    statuses: oneOf(403),
    codes: ['server_error', 'internal_error', 'internal'],
    wording: /server_error|internal server error/,
  },
  {
    kind: 'content_filter',
    statuses: is4xx,
    codes: ['content_filter', 'content_policy_violation', 'moderation_blocked', 'content_blocked', 'safety'],
    wording:
      /content (management )?polic|content[ _]filter|safety system|input was flagged|flagged by|requires moderation/,
  },
  {
    kind: 'context_length',
    statuses: (s) => is4xx(s) && s !== 429,
    codes: ['context_length_exceeded', 'context_window_exceeded', 'string_above_max_length', 'token_limit_exceeded'],
    wording:
      /context[ _]length|maximum context|context window|prompt is too long|too many (input )?tokens|input is too long|tokens? > \d+ maximum|reduce the length of the (messages|prompt|input)|exceeds? the (model'?s? )?(max(imum)?) (context|input|number of tokens|token)/,
  },
  {
    kind: 'not_found',
    statuses: oneOf(400, 401, 403, 404),
    modelAccess: true,
    codes: [
      'model_permission_blocked_org',
      'model_permission_blocked_project',
      'model_not_allowed',
      'model_access_denied',
    ],
    wording: MODEL_ACCESS_WORDS,
  },
  // Google says "You exceeded your current quota" (and RESOURCE_EXHAUSTED) for every limit; the limit's window
  // tells a per-day quota (as good as empty until it resets) from a per-minute rate limit (gone in seconds).
  { kind: 'quota', statuses: oneOf(429), window: 'day', codes: ['resource_exhausted'], wording: QUOTA_WORDS },
  { kind: 'rate_limited', statuses: oneOf(429), window: 'minute', codes: ['resource_exhausted'], wording: QUOTA_WORDS },
  {
    kind: 'quota',
    statuses: oneOf(400, 402, 403, 429),
    codes: [
      'insufficient_quota',
      'billing_error',
      'insufficient_balance',
      'payment_required',
      'billing_hard_limit_reached',
    ],
    wording: QUOTA_WORDS,
  },
  // A 401 stays auth_rejected (a gateway's transient 401 included) unless the provider plainly says "balance".
  {
    kind: 'quota',
    statuses: oneOf(401),
    codes: ['insufficient_quota', 'insufficient_balance'],
    wording: /insufficient[ _](quota|balance|credits?)/,
  },
  {
    kind: 'not_found',
    statuses: oneOf(400, 404, 422),
    codes: ['model_not_found', 'not_found_error', 'not_found'],
    wording:
      /model.{0,80}(does not exist|not exist|not found|is not supported|unknown)|no such model|unknown model|invalid model|model identifier is invalid/,
  },
  {
    kind: 'rate_limited',
    statuses: oneOf(400, 413, 429),
    codes: ['rate_limit_exceeded', 'rate_limit_error', 'resource_exhausted', 'too_many_requests'],
    wording: /rate[ _]limit|too many requests|per minute|tokens per min|requests per min/,
  },
  {
    kind: 'auth_rejected',
    statuses: oneOf(400, 404),
    codes: [
      'invalid_api_key',
      'authentication_error',
      'unauthenticated',
      'permission_denied',
      'api_key_invalid',
      'permission_error',
    ],
    wording:
      /api key not valid|invalid api[ _-]?key|incorrect api key|invalid x-api-key|api key (is )?(missing|expired|revoked|disabled)/,
  },
  {
    kind: 'overloaded',
    statuses: is5xx,
    codes: ['overloaded_error', 'overloaded'],
    wording: /overloaded|over capacity|at capacity|server is busy|too busy|服务器繁忙/,
  },
  {
    kind: 'timeout',
    statuses: oneOf(500, 502, 503),
    codes: ['timeout', 'timeout_error', 'deadline_exceeded'],
    wording: /timed? ?out|timeout/,
  },
];

const DAY_WINDOW = /per[ _-]?day|daily/i;
const MINUTE_WINDOW = /per[ _-]?(minute|second)|per[ _-]?min\b/i;

/** The window of the limit hit: from Google's quota ids when it sent them (a day among them wins: the minute
 * passes long before the day does), else from the message. */
export function quotaWindow(body: Pick<ErrorBody, 'message' | 'quotaIds'>): QuotaWindow | undefined {
  for (const texts of [body.quotaIds ?? [], [body.message]]) {
    if (texts.some((t) => DAY_WINDOW.test(t))) return 'day';
    if (texts.some((t) => MINUTE_WINDOW.test(t))) return 'minute';
  }
  return undefined;
}

function refine(status: number, body: ErrorBody): Refinement | undefined {
  const codes = [body.code, body.type].filter((c): c is string => c !== undefined).map((c) => c.toLowerCase());
  const words = body.message.toLowerCase();
  const window = quotaWindow(body);
  for (const rule of REFINEMENTS) {
    if (!rule.statuses(status)) continue;
    if (rule.outputLimit) {
      if (outputLimitOf(body.message) !== undefined) return rule;
      continue;
    }
    if (rule.window !== undefined && rule.window !== window) continue;
    const byCode = rule.codes?.some((c) => codes.includes(c)) ?? false;
    const byWords = rule.wording?.test(words) ?? false;
    if (rule.both ? byCode && byWords : byCode || byWords) return rule;
  }
  return undefined;
}

/** Google's per-day quotas reset at midnight Pacific time (ai.google.dev/gemini-api/docs/rate-limits). */
const GOOGLE_DAILY_RESET_ZONE = 'America/Los_Angeles';

function isGoogle(body: ErrorBody): boolean {
  return (
    body.quotaIds !== undefined || body.retryDelayMs !== undefined || body.type?.toUpperCase() === 'RESOURCE_EXHAUSTED'
  );
}

/** When the body says the limit resets: Google's RetryInfo for a rate limit, but midnight Pacific for a per-day quota,
 * whose RetryInfo would only meet the same 429 again. */
function bodyResetAt(kind: ErrorKind, body: ErrorBody, now: number): number | undefined {
  if (kind === 'rate_limited' && body.retryDelayMs !== undefined) return now + body.retryDelayMs;
  if (kind === 'quota' && isGoogle(body) && quotaWindow(body) === 'day')
    return nextMidnight(now, GOOGLE_DAILY_RESET_ZONE);
  return undefined;
}

function build(
  rule: Refinement | undefined,
  kind: ErrorKind,
  body: ErrorBody,
  status: number | undefined,
): Classification {
  const c: Classification = { kind, providerMessage: body.message };
  if (status !== undefined) c.status = status;
  const code = body.code ?? body.type;
  if (code !== undefined) c.code = code;
  if (rule?.modelAccess) c.modelAccessDenied = true;
  if (rule?.blocked) c.blocked = rule.blocked;
  const outputLimit = rule?.outputLimit ? outputLimitOf(body.message) : undefined;
  if (outputLimit !== undefined) c.outputLimit = outputLimit;
  const overflow = kind === 'context_length' ? promptOverflowOf(body.message) : undefined;
  if (overflow !== undefined) c.promptOverflow = overflow;
  if (rule?.thinkingSignature) c.thinkingSignature = true;
  return c;
}

function withResetHints(
  c: Classification,
  body: ErrorBody,
  headers: HeaderBag | undefined,
  now: number,
): Classification {
  const hints = parseRetryHints(headers, now);
  if (hints.shouldRetry !== undefined) c.shouldRetry = hints.shouldRetry;
  const resetAt = hints.resetAt ?? bodyResetAt(c.kind, body, now);
  if (resetAt !== undefined) {
    // A body's hint (Google's retryDelay, a daily quota's midnight) is bounded like a header's.
    c.resetAt = honouredReset(resetAt, now);
    c.retryAfterMs = hints.retryAfterMs ?? c.resetAt - now;
  }
  return c;
}

/** An HTTP error answer → its kind, the provider's code and message, and any reset hints in its headers (or, for
 * Google, in its body). */
export function classifyHttp(failure: HttpFailure): Classification {
  const body = readErrorBody(failure.body, failure.secrets);
  // AWS names the exception in a header (`ThrottlingException:http://internal.amazon.com/…`).
  const amzn = headerGetter(failure.headers)('x-amzn-errortype');
  if (amzn !== undefined && body.code === undefined && body.type === undefined) body.type = amzn.split(':')[0];
  const rule = refine(failure.status, body);
  const c = build(rule, rule?.kind ?? statusDefault(failure.status), body, failure.status);
  return withResetHints(c, body, failure.headers, failure.now ?? Date.now());
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
  // Bedrock's stream exceptions, by their `:exception-type`.
  throttlingexception: 429,
  servicequotaexceededexception: 400,
  validationexception: 400,
  modelstreamerrorexception: 500,
  internalserverexception: 500,
  serviceunavailableexception: 503,
  modeltimeoutexception: 408,
  expiredtokenexception: 403,
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
  const rule = refine(status, body);
  return withResetHints(build(rule, rule?.kind ?? statusDefault(status), body, undefined), body, undefined, Date.now());
}
