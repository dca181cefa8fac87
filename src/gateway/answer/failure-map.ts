// A failed call (every route tried) → the HTTP error the client sees, per docs/gateway.md: every key cooling is 503 with
// Retry-After; an upstream auth failure is a 502 (a 401 would tell the client its *gateway* key is wrong); a
// request the upstream calls bad is the client's 400. Decisions as data.
import type { ApiErrorCategory } from './api-error.ts';
import { ApiError } from './api-error.ts';
import type { BlockedBy } from '../../errors/classify.ts';
import type { Attempt } from '../../calls/types.ts';
import type { RouteFailureKind } from '../../calls/failure-kinds.ts';
import { sentAttempts } from '../../calls/trail.ts';
import { gatewayMessage, type ExplainedFailure } from './failure-message.ts';

interface FailureRow {
  category: ApiErrorCategory;
  code: string;
  /** false: answer `x-should-retry: false`, since the gateway already retried and an SDK's retries would only multiply
   * cost. Not when the failure is likely transient: the header may not contradict the message. */
  clientRetry?: false;
}

/** Final kind of a failed call → category and code; the type checker holds every kind to a row. */
export const FAILURE_TABLE: Readonly<Record<RouteFailureKind, FailureRow>> = {
  all_cooling: { category: 'unavailable', code: 'all_keys_cooling' },
  rate_limited: { category: 'unavailable', code: 'all_keys_cooling' },
  quota: { category: 'unavailable', code: 'all_keys_cooling' },
  overloaded: { category: 'overloaded', code: 'upstream_overloaded' },
  auth_rejected: { category: 'upstream', code: 'upstream_auth_failed', clientRetry: false },
  auth_missing: { category: 'upstream', code: 'upstream_auth_missing', clientRetry: false },
  server: { category: 'upstream', code: 'upstream_server_error' },
  connection: { category: 'upstream', code: 'upstream_unreachable' },
  breaker_open: { category: 'unavailable', code: 'upstream_circuit_open' },
  timeout: { category: 'timeout', code: 'upstream_timeout', clientRetry: false },
  not_found: { category: 'upstream', code: 'upstream_model_not_found', clientRetry: false },
  context_length: { category: 'invalid_request', code: 'context_length_exceeded' },
  content_filter: { category: 'invalid_request', code: 'content_filter' },
  bad_request: { category: 'invalid_request', code: 'upstream_bad_request' },
  // A budget: 429 with Retry-After at its reset; a spent one (not a rate) also says not to retry (budgetHeaders).
  budget: { category: 'rate_limit', code: 'budget_exceeded' },
};

/** The client named the model (`explicit`): a kind here is the answer to its request, said as the provider would. */
export const EXPLICIT_FAILURE_TABLE: Readonly<Partial<Record<RouteFailureKind, FailureRow>>> = {
  not_found: { category: 'not_found', code: 'model_not_found', clientRetry: false },
};

/** A blocked request is answered by what blocked it, not its kind: a region refusal filed as `not_found` would
 * otherwise make SDKs report a missing model. */
export const BLOCKED_FAILURE_TABLE: Readonly<Partial<Record<BlockedBy, FailureRow>>> = {
  region: { category: 'permission', code: 'unsupported_country_region_territory', clientRetry: false },
  // The gateway's own proxy refused it: a 502 like any upstream failure, but one an SDK's retry cannot mend.
  proxy: { category: 'upstream', code: 'upstream_proxy_refused', clientRetry: false },
};

// A SwitchyardError from another copy of the library may carry a kind this one does not know.
const DEFAULT_ROW: FailureRow = { category: 'upstream', code: 'upstream_error' };

/** What the gateway needs from a routing failure (SwitchyardError from src/routing/errors.ts). */
export interface CallFailure extends ExplainedFailure {
  kind: RouteFailureKind;
  blocked?: BlockedBy | undefined;
  retryAfterMs?: number;
  trail?: readonly Attempt[];
  /** SwitchyardError.likelyTransient: the explanation says asking again may well work (a known-good key rejected). */
  likelyTransient?: boolean;
  /** SwitchyardError.budget: a spent budget (not a rate) tells SDKs not to retry before it resets. */
  budget?: { rate: boolean } | undefined;
}

/** Codes that say what happened to the whole chain when every route met it: with routes that failed otherwise (a key
 * cooling on one, a 500 on the next, a breaker on the last), the lead route's code would claim it for all of them. */
const OUTAGE_CODES: ReadonlySet<string> = new Set([
  'all_keys_cooling',
  'upstream_overloaded',
  'upstream_server_error',
  'upstream_unreachable',
  'upstream_circuit_open',
  'upstream_timeout',
]);

/** Every route failed, and not all for one reason: the lead's category (its status and Retry-After) with this code. */
export const MIXED_FAILURE_CODE = 'all_routes_failed';

/** The code a failed call answers with: its row's, unless its routes failed for different reasons (OUTAGE_CODES). */
export function failureCode(failure: Pick<CallFailure, 'kind' | 'blocked' | 'failures'>, row: FailureRow): string {
  const routes = failure.failures ?? [];
  if (routes.length < 2 || !OUTAGE_CODES.has(row.code)) return row.code;
  const mixed = routes.some((f) => failureRow(f, false).code !== row.code);
  return mixed ? MIXED_FAILURE_CODE : row.code;
}

/** The row for a failure: what refused, then (when the client named the model) the explicit rows, then the kind. */
export function failureRow(failure: Pick<CallFailure, 'kind' | 'blocked'>, explicit: boolean): FailureRow {
  const blocked = failure.blocked !== undefined ? BLOCKED_FAILURE_TABLE[failure.blocked] : undefined;
  const named = explicit ? EXPLICIT_FAILURE_TABLE[failure.kind] : undefined;
  return blocked ?? named ?? (Object.hasOwn(FAILURE_TABLE, failure.kind) ? FAILURE_TABLE[failure.kind] : DEFAULT_ROW);
}

/** Whether the answer tells SDKs not to retry: its row says so, and the message does not call the failure likely
 * transient (a 502 without the header is one both SDKs retry, as they would any other transient upstream failure). */
function noClientRetry(row: FailureRow, failure: CallFailure): boolean {
  if (failure.budget !== undefined) return !failure.budget.rate;
  return row.clientRetry === false && failure.likelyTransient !== true;
}

/** `gateway.client_retry_max_wait`'s default: a Retry-After longer than this is one no agent should sit through
 * in silence. */
export const CLIENT_RETRY_MAX_WAIT_MS = 10_000;

/** `explicit`: the client named the model, so a model the upstream does not have is a 404 for that client.
 * `clientRetryMaxWaitMs`: a Retry-After longer than this also says `x-should-retry: false` (the client shows the
 * explanation now; its own retries would each wait that long), a shorter one is left for the client to ride out. */
export function failureToApiError(
  failure: CallFailure,
  explicit: boolean,
  clientRetryMaxWaitMs = CLIENT_RETRY_MAX_WAIT_MS,
): ApiError {
  const row = failureRow(failure, explicit);
  const { category } = row;
  const code = failureCode(failure, row);
  const attempts = sentAttempts(failure.trail ?? []);
  // Every key cooling always carries a Retry-After (at least 1s) so well-behaved clients back off.
  const retryAfterSeconds =
    failure.retryAfterMs !== undefined
      ? failure.retryAfterMs / 1000
      : category === 'unavailable' || category === 'overloaded'
        ? 1
        : undefined;
  // The numbers of the first route whose provider gave them: Anthropic's shape leads with them (api-error.ts).
  const overflow = failure.failures?.find((f) => f.cause?.promptOverflow !== undefined)?.cause?.promptOverflow;
  return new ApiError(category, gatewayMessage(failure), {
    code,
    ...(overflow !== undefined ? { promptOverflow: overflow } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    headers:
      noClientRetry(row, failure) ||
      (retryAfterSeconds !== undefined && retryAfterSeconds * 1000 > clientRetryMaxWaitMs)
        ? { 'x-switchyard-attempts': String(attempts), 'x-should-retry': 'false' }
        : { 'x-switchyard-attempts': String(attempts) },
  });
}
