// Errors answered in the caller's API shape (docs/gateway.md). One table says, per category, the status and the error
// type each API uses; shaping turns an ApiError into the exact body each official SDK expects.
import { errorMarker, hasMarker, markAs } from '../../error-marker.ts';
import type { PromptOverflow } from '../../errors/prompt-overflow.ts';

export type Api = 'openai' | 'anthropic';

export type ApiErrorCategory =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'method_not_allowed'
  | 'too_large'
  | 'unsupported_media'
  | 'rate_limit'
  | 'unavailable'
  | 'overloaded'
  | 'upstream'
  | 'timeout'
  | 'internal';

interface CategoryRow {
  status: number;
  openai: string;
  anthropic: string;
}

/** Category → HTTP status and the `type` each API puts in its error body. */
export const CATEGORY_TABLE: Readonly<Record<ApiErrorCategory, CategoryRow>> = {
  invalid_request: { status: 400, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  authentication: { status: 401, openai: 'authentication_error', anthropic: 'authentication_error' },
  permission: { status: 403, openai: 'permission_error', anthropic: 'permission_error' },
  not_found: { status: 404, openai: 'invalid_request_error', anthropic: 'not_found_error' },
  method_not_allowed: { status: 405, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  too_large: { status: 413, openai: 'invalid_request_error', anthropic: 'request_too_large' },
  unsupported_media: { status: 415, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  rate_limit: { status: 429, openai: 'rate_limit_error', anthropic: 'rate_limit_error' },
  unavailable: { status: 503, openai: 'server_error', anthropic: 'api_error' },
  overloaded: { status: 503, openai: 'server_error', anthropic: 'overloaded_error' },
  upstream: { status: 502, openai: 'server_error', anthropic: 'api_error' },
  timeout: { status: 504, openai: 'server_error', anthropic: 'api_error' },
  internal: { status: 500, openai: 'server_error', anthropic: 'api_error' },
};

export interface ApiErrorOptions {
  /** Machine-readable code (OpenAI `code`): `model_not_found`, `all_keys_cooling`, `upstream_auth_failed`, … */
  code?: string;
  /** The offending request field (OpenAI `param`), e.g. `messages`. */
  param?: string;
  /** Seconds, sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** Extra response headers (e.g. `x-switchyard-attempts` on a failed call). */
  headers?: Record<string, string>;
  /** Anthropic's `error.details` (`{error_code, …}`), which its SDK reads as `errorCode` and `details`. */
  details?: Readonly<Record<string, unknown>>;
  /** A context-length failure: the prompt's tokens and the model's maximum, as the upstream counted them. */
  promptOverflow?: PromptOverflow;
}

const MARKER = errorMarker('ApiError');

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly category: ApiErrorCategory;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Record<string, string>;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly promptOverflow: PromptOverflow | undefined;

  constructor(category: ApiErrorCategory, message: string, options: ApiErrorOptions = {}) {
    super(message);
    this.category = category;
    this.code = options.code;
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
    this.details = options.details;
    this.promptOverflow = options.promptOverflow;
    markAs(this, MARKER);
  }

  get status(): number {
    return CATEGORY_TABLE[this.category].status;
  }

  static isInstance(value: unknown): value is ApiError {
    return hasMarker(value, MARKER);
  }
}

/** OpenAI: `{"error":{"message","type","param","code"}}`. */
export function openaiErrorBody(err: ApiError): {
  error: { message: string; type: string; param: string | null; code: string | null };
} {
  return {
    error: {
      message: err.message,
      type: CATEGORY_TABLE[err.category].openai,
      param: err.param ?? null,
      code: err.code ?? null,
    },
  };
}

/** Anthropic: `{"type":"error","error":{"type","message"}}`, and `details` when the error has them. */
export function anthropicErrorBody(err: ApiError): {
  type: 'error';
  error: { type: string; message: string; details?: Readonly<Record<string, unknown>> };
} {
  const error = { type: CATEGORY_TABLE[err.category].anthropic, message: anthropicMessage(err) };
  return { type: 'error', error: err.details === undefined ? error : { ...error, details: err.details } };
}

/** Anthropic's body has no `code`: agents that compact a conversation when it overflows (Claude Code) recognise it by
 * Anthropic's own wording, so a context-length failure leads with it whichever provider type answered. */
function anthropicMessage(err: ApiError): string {
  if (err.code !== 'context_length_exceeded') return err.message;
  return `${promptTooLong(err.promptOverflow)}. ${err.message}`;
}

/** "prompt is too long: M tokens > N maximum" with the numbers the upstream gave (either provider type's), when it
 * gave them. */
export function promptTooLong(overflow: PromptOverflow | undefined): string {
  return overflow === undefined
    ? 'prompt is too long'
    : `prompt is too long: ${overflow.tokens} tokens > ${overflow.maximum} maximum`;
}

export function errorBody(api: Api, err: ApiError): object {
  return api === 'anthropic' ? anthropicErrorBody(err) : openaiErrorBody(err);
}

/** Answers no retry of the same request can change (a key, a permission, a field): told to SDKs and agents as
 * `x-should-retry: false`, so they show the message at once instead of asking again in silence. 429 is not here:
 * a place in flight frees up. */
export const NO_CLIENT_RETRY: ReadonlySet<ApiErrorCategory> = new Set<ApiErrorCategory>([
  'invalid_request',
  'authentication',
  'permission',
  'not_found',
  'method_not_allowed',
  'too_large',
  'unsupported_media',
]);

/** Response headers for an error: `Retry-After` when known, `x-should-retry: false` when asking again cannot help,
 * plus the error's own (which win). */
export function errorHeaders(err: ApiError): Record<string, string> {
  const headers: Record<string, string> = NO_CLIENT_RETRY.has(err.category)
    ? { 'x-should-retry': 'false', ...err.headers }
    : { ...err.headers };
  if (err.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
  return headers;
}
