// A classified upstream failure (docs/routing.md). Adapters throw these; the routing ladder reads `kind` (and the reset
// hints) to decide between retry, rotation and fallback. One subclass per kind gives each a stable `name`, so
// `isInstance` works by name even when two copies of this module are loaded (a linked package, a test double).
import type { ErrorKind } from './kinds.ts';
import { isErrorKind } from './kinds.ts';
import type { BlockedBy, Classification } from './classification.ts';
import type { PromptOverflow } from './prompt-overflow.ts';
import { errorMarker, hasMarker, markAs } from '../error-marker.ts';

/** What classification found (Classification), and where the failure happened. */
export interface UpstreamErrorInit extends Classification {
  provider: string;
  /** True when the failure came after the first stream event. */
  midStream?: boolean;
  /** The proxy a transport failure happened through, redacted, with where it was set:
   * `http://proxy.corp:3128 (env HTTPS_PROXY)`. */
  via?: string;
  cause?: unknown;
}

/** The stable error name of each kind. */
export const ERROR_NAMES = {
  auth_missing: 'AuthMissingError',
  auth_rejected: 'AuthRejectedError',
  quota: 'QuotaExceededError',
  rate_limited: 'RateLimitedError',
  overloaded: 'OverloadedError',
  server: 'UpstreamServerError',
  timeout: 'UpstreamTimeoutError',
  connection: 'UpstreamConnectionError',
  context_length: 'ContextLengthError',
  content_filter: 'ContentFilterError',
  not_found: 'ModelNotFoundError',
  bad_request: 'UpstreamBadRequestError',
} as const satisfies Record<ErrorKind, string>;

/** A region refusal is `not_found` to the chain but must never read as "model not found" to the caller. */
export const REGION_REFUSED_NAME = 'RegionRefusedError';

/** What the headline calls the failure: the kind, unless something other than the key refused (`blocked`). */
const BLOCKED_WORDS: Readonly<Record<BlockedBy, string>> = {
  firewall: 'blocked by a firewall or challenge page',
  region: 'region refused',
  proxy: 'refused by the proxy',
};

function headline(init: UpstreamErrorInit): string {
  const status = init.status !== undefined ? ` (HTTP ${init.status})` : '';
  const where = init.midStream ? ' mid-stream' : '';
  const detail = init.providerMessage ? `: ${init.providerMessage}` : '';
  const what = init.blocked !== undefined ? BLOCKED_WORDS[init.blocked] : init.kind;
  return `${init.provider}: ${what}${status}${where}${detail}`;
}

/** Every classified upstream error carries this marker, and its own class's (errorMarker of its stable name). */
const UPSTREAM_MARKER = errorMarker('UpstreamError');

function hasName(value: unknown, name: string): boolean {
  return hasMarker(value, errorMarker(name));
}

export class UpstreamError extends Error {
  override readonly name: string = 'UpstreamError';
  readonly kind: ErrorKind;
  readonly provider: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly resetAt: number | undefined;
  readonly shouldRetry: boolean | undefined;
  readonly modelAccessDenied: boolean;
  readonly blocked: BlockedBy | undefined;
  readonly outputLimit: number | undefined;
  readonly promptOverflow: PromptOverflow | undefined;
  readonly thinkingSignature: boolean;
  readonly staleConnection: boolean;
  readonly providerMessage: string;
  readonly midStream: boolean;
  readonly via: string | undefined;

  constructor(init: UpstreamErrorInit) {
    super(headline(init), init.cause === undefined ? undefined : { cause: init.cause });
    // The class upstreamError() builds for these facts (a region refusal is not "model not found").
    markAs(this, UPSTREAM_MARKER);
    markAs(this, errorMarker(init.blocked === 'region' ? REGION_REFUSED_NAME : ERROR_NAMES[init.kind]));
    this.kind = init.kind;
    this.provider = init.provider;
    this.status = init.status;
    this.code = init.code;
    this.retryAfterMs = init.retryAfterMs;
    this.resetAt = init.resetAt;
    this.shouldRetry = init.shouldRetry;
    this.modelAccessDenied = init.modelAccessDenied ?? false;
    this.blocked = init.blocked;
    this.outputLimit = init.outputLimit;
    this.promptOverflow = init.promptOverflow;
    this.thinkingSignature = init.thinkingSignature ?? false;
    this.staleConnection = init.staleConnection ?? false;
    this.providerMessage = init.providerMessage;
    this.midStream = init.midStream ?? false;
    this.via = init.via;
  }

  /** Any classified upstream error, whatever its kind. Name-based, so it works across module copies. */
  static isInstance(value: unknown): value is UpstreamError {
    return hasMarker(value, UPSTREAM_MARKER) && isErrorKind((value as { kind?: unknown }).kind);
  }
}

export class AuthMissingError extends UpstreamError {
  override readonly name = ERROR_NAMES.auth_missing;
  static override isInstance(v: unknown): v is AuthMissingError {
    return hasName(v, ERROR_NAMES.auth_missing);
  }
}
export class AuthRejectedError extends UpstreamError {
  override readonly name = ERROR_NAMES.auth_rejected;
  static override isInstance(v: unknown): v is AuthRejectedError {
    return hasName(v, ERROR_NAMES.auth_rejected);
  }
}
export class QuotaExceededError extends UpstreamError {
  override readonly name = ERROR_NAMES.quota;
  static override isInstance(v: unknown): v is QuotaExceededError {
    return hasName(v, ERROR_NAMES.quota);
  }
}
export class RateLimitedError extends UpstreamError {
  override readonly name = ERROR_NAMES.rate_limited;
  static override isInstance(v: unknown): v is RateLimitedError {
    return hasName(v, ERROR_NAMES.rate_limited);
  }
}
export class OverloadedError extends UpstreamError {
  override readonly name = ERROR_NAMES.overloaded;
  static override isInstance(v: unknown): v is OverloadedError {
    return hasName(v, ERROR_NAMES.overloaded);
  }
}
export class UpstreamServerError extends UpstreamError {
  override readonly name = ERROR_NAMES.server;
  static override isInstance(v: unknown): v is UpstreamServerError {
    return hasName(v, ERROR_NAMES.server);
  }
}
export class UpstreamTimeoutError extends UpstreamError {
  override readonly name = ERROR_NAMES.timeout;
  static override isInstance(v: unknown): v is UpstreamTimeoutError {
    return hasName(v, ERROR_NAMES.timeout);
  }
}
export class UpstreamConnectionError extends UpstreamError {
  override readonly name = ERROR_NAMES.connection;
  static override isInstance(v: unknown): v is UpstreamConnectionError {
    return hasName(v, ERROR_NAMES.connection);
  }
}
export class ContextLengthError extends UpstreamError {
  override readonly name = ERROR_NAMES.context_length;
  static override isInstance(v: unknown): v is ContextLengthError {
    return hasName(v, ERROR_NAMES.context_length);
  }
}
export class ContentFilterError extends UpstreamError {
  override readonly name = ERROR_NAMES.content_filter;
  static override isInstance(v: unknown): v is ContentFilterError {
    return hasName(v, ERROR_NAMES.content_filter);
  }
}
export class ModelNotFoundError extends UpstreamError {
  override readonly name = ERROR_NAMES.not_found;
  static override isInstance(v: unknown): v is ModelNotFoundError {
    return hasName(v, ERROR_NAMES.not_found);
  }
}
/** The provider refuses the request's region: not a ModelNotFoundError, so callers do not say "no such model". */
export class RegionRefusedError extends UpstreamError {
  override readonly name = REGION_REFUSED_NAME;
  static override isInstance(v: unknown): v is RegionRefusedError {
    return hasName(v, REGION_REFUSED_NAME);
  }
}
export class UpstreamBadRequestError extends UpstreamError {
  override readonly name = ERROR_NAMES.bad_request;
  static override isInstance(v: unknown): v is UpstreamBadRequestError {
    return hasName(v, ERROR_NAMES.bad_request);
  }
}

const CLASSES: Record<ErrorKind, new (init: UpstreamErrorInit) => UpstreamError> = {
  auth_missing: AuthMissingError,
  auth_rejected: AuthRejectedError,
  quota: QuotaExceededError,
  rate_limited: RateLimitedError,
  overloaded: OverloadedError,
  server: UpstreamServerError,
  timeout: UpstreamTimeoutError,
  connection: UpstreamConnectionError,
  context_length: ContextLengthError,
  content_filter: ContentFilterError,
  not_found: ModelNotFoundError,
  bad_request: UpstreamBadRequestError,
};

/** Builds the subclass that matches `init.kind`. Prefer this over `new UpstreamError(...)`. */
export function upstreamError(init: UpstreamErrorInit): UpstreamError {
  if (init.blocked === 'region') return new RegionRefusedError(init);
  return new CLASSES[init.kind](init);
}

/** A classification (src/errors/classify.ts) as the error to throw. */
export function fromClassification(
  c: Classification,
  provider: string,
  extra: { midStream?: boolean; cause?: unknown; via?: string } = {},
): UpstreamError {
  return upstreamError({ ...c, provider, ...extra });
}
