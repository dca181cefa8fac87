// The retry/rotation ladder as data (docs/routing.md). Classification (src/errors/) decides the *kind* of a failure;
// these tables decide what the router does about it. Tests read the tables row by row against the spec, and the
// ladder (route-ladder.ts; key-health.ts for AUTH_RULES) and the chain (chain.ts) only ever look actions up here.
import type { ErrorKind } from '../errors/kinds.ts';
import type { AuthVerdict, FailureReport } from '../credentials/types.ts';
import type { HealthScope } from '../credentials/scoped-health.ts';
import type { RouteFailureKind } from '../calls/failure-kinds.ts';

/** What one route does with a failed attempt. */
export type RouteAction =
  /** Retry the same key with full-jitter backoff, up to `retry.max_retries`; then the route fails. */
  | 'retry_same_key'
  /** Cool the key until its reset time and rotate at once to the next usable key (no backoff, no budget spent). */
  | 'cool_and_rotate'
  /** Retry a known-good key, then suspect or reject it and rotate; a never-successful key is rejected at once, so it is
   * not hammered. */
  | 'auth'
  /** The route fails; the chain skips to a route whose context window fits. */
  | 'skip_to_fitting_route'
  /** The route fails; the chain moves on. */
  | 'fail_route'
  /** The whole call fails with no fallback: another provider would refuse the same request. */
  | 'fail_call'
  /** Send again on the same key with max_tokens lowered to what the provider said it takes: once per route, no retry
   * spent, health untouched. */
  | 'lower_max_tokens'
  /** Send again on the same key without the history's thinking blocks: once per route, no retry spent, health
   * untouched. */
  | 'drop_thinking_blocks'
  /** The route fails without retrying the key: the provider said asking again will not help. */
  | 'fail_route_unretried'
  /** Send again at once on the same key over a fresh connection: once per route, no retry spent, health and breaker
   * untouched. */
  | 'resend_fresh';

export const ROUTE_LADDER: Readonly<Record<ErrorKind, RouteAction>> = {
  connection: 'retry_same_key',
  timeout: 'retry_same_key',
  server: 'retry_same_key',
  overloaded: 'retry_same_key',
  rate_limited: 'cool_and_rotate',
  quota: 'cool_and_rotate',
  auth_rejected: 'auth',
  context_length: 'skip_to_fitting_route',
  not_found: 'fail_route',
  auth_missing: 'fail_route',
  bad_request: 'fail_call',
  content_filter: 'fail_call',
};

/** Facts beyond the kind that change what a route does: max_tokens over the model's maximum, a proxy refusal, OpenAI's
 * 409 lock timeout, a thinking block signed on another platform, a stale pooled connection
 * (docs/routing.md#the-route-ladder-one-route). */
export type Refinement =
  | 'output_limit'
  | 'proxy_refused'
  | 'provider_says_retry'
  | 'provider_says_no_retry'
  | 'thinking_signature'
  | 'same_again'
  | 'stale_connection';

/** Looked up before ROUTE_LADDER: a refinement's row wins over its kind's. */
export const REFINED_ROUTE_LADDER: Readonly<Record<Refinement, RouteAction>> = {
  output_limit: 'lower_max_tokens',
  proxy_refused: 'fail_route',
  // Retry on lock timeouts: the provider says the same request will go through.
  provider_says_retry: 'retry_same_key',
  // `x-should-retry: false` on a failure the route would retry: the provider says this one will not get better.
  provider_says_no_retry: 'fail_route_unretried',
  // A signature from another platform: this one thinks again without the history's blocks.
  thinking_signature: 'drop_thinking_blocks',
  // Over limits.max_answer_bytes or max_event_bytes, or silent past the first-token clock: the same key would very
  // likely do it again, and the client is waiting for a status line, so the next route is tried at once.
  same_again: 'fail_route_unretried',
  // A pooled connection dropped before any byte of the answer, having carried an earlier request: the provider closed
  // it while idle as the request went out (a keep-alive race), which says nothing of the provider or the key.
  stale_connection: 'resend_fresh',
};

/** The `auth` action, by what the rejection means for the key (authVerdict in src/credentials/health.ts). */
export interface AuthRule {
  /** Retry the same key with backoff, up to `retry.auth_retries`, before giving it up for this call. */
  retry: boolean;
  /** What is recorded when it is given up on: `auth_rejected` marks a never-successful key `rejected` and only
   * counts against a known-good one; `auth_suspect` cools it; `auth_revoked` marks a known-good key `rejected`. */
  report: 'auth_rejected' | 'auth_suspect' | 'auth_revoked';
}

export const AUTH_RULES: Readonly<Record<AuthVerdict, AuthRule>> = {
  /** A bad key is called once, not hammered. */
  never_accepted: { retry: false, report: 'auth_rejected' },
  /** A transient 401 on a working key (seed 002) is retried; still rejected, the key is suspect for a while. */
  known_good: { retry: true, report: 'auth_suspect' },
  /** The single probe of a suspect key: still rejected, it stays suspect until its cooldown ends (no retries). */
  suspect_probe: { retry: false, report: 'auth_rejected' },
  /** Rejected again with no success since it was suspected: probably revoked — but a flaky working key looks the same
   * after one 401, so it gets its retries like a known-good key, and is `rejected` (revoked) only when they fail. */
  revoked: { retry: true, report: 'auth_revoked' },
};

/** Where a failure rests the key (credentials/scoped-health.ts). A throttle or a quota is the limit of the region it
 * was sent to (Bedrock's per account and region, Vertex AI's per project and region): the same credential on a route
 * in another region is not rested by it. A rejection (an expired session, a bad signature, permission denied) is
 * the credential's wherever it is sent. A region down (5xx, connections refused) rests no key at all: it is retried,
 * then the route fails, and the breaker it counts towards is its provider's, one per region. */
export const HEALTH_SCOPE: Readonly<Record<FailureReport['kind'], HealthScope>> = {
  rate_limited: 'region',
  quota: 'region',
  auth_rejected: 'credential',
  auth_suspect: 'credential',
  auth_revoked: 'credential',
};

/** Whether a later route of the chain could answer now (chain.ts canServeNow): configured, its breaker closed, its
 * context window big enough, and one of its keys usable. */
export type LaterRoutes = 'one_can_serve_now' | 'none_can_serve_now';

/** A route none of whose keys is usable now, though the first is back within `retry.max_wait`: what it does. */
export type CoolingWaitAction = 'wait_for_reset' | 'fail_route';

/** Waiting for a reset only pays when nothing else can answer now: waiting in front of a healthy fallback cut
 * throughput ~10×. */
export const COOLING_WAIT_RULE: Readonly<Record<LaterRoutes, CoolingWaitAction>> = {
  one_can_serve_now: 'fail_route',
  none_can_serve_now: 'wait_for_reset',
};

/** What the chain does when a route has failed with a kind. */
export type ChainAction = 'next_route' | 'next_fitting_route' | 'fail_call';

/** Every failure moves the call on (seed 003), except those any provider would refuse too. Resting keys and open
 * breakers sent nothing, so the next route may answer now. */
export const CHAIN_RULE: Readonly<Record<RouteFailureKind, ChainAction>> = {
  connection: 'next_route',
  timeout: 'next_route',
  server: 'next_route',
  overloaded: 'next_route',
  rate_limited: 'next_route',
  quota: 'next_route',
  auth_rejected: 'next_route',
  auth_missing: 'next_route',
  not_found: 'next_route',
  context_length: 'next_fitting_route',
  bad_request: 'fail_call',
  content_filter: 'fail_call',
  all_cooling: 'next_route',
  breaker_open: 'next_route',
  // A route, provider or key over its budget: skipped like a cooling key (a call's own budget refuses before this).
  budget: 'next_route',
};

/** For a route the caller named, a missing model is the answer: falling back would make a typo look like success. */
export const REQUESTED_ROUTE_RULE: Readonly<Partial<Record<RouteFailureKind, ChainAction>>> = {
  not_found: 'fail_call',
};

/** Failures that rest rather than fail: every key cooling, out of quota, or a breaker open. The call's Retry-After is
 * the soonest any of those routes is back (routing/errors.ts callFailed). */
export const RESTING_KINDS: ReadonlySet<RouteFailureKind> = new Set<RouteFailureKind>([
  'all_cooling',
  'quota',
  'breaker_open',
]);

/** What a failed attempt tells its provider's circuit breaker (breaker.ts `hear`). */
export type BreakerHearing =
  /** The provider did not answer properly at all: one more towards opening. */
  | 'counts'
  /** The provider answered (a 4xx, an error it sent inside a stream): it is up, and the streak ends. */
  | 'answered'
  /** Says nothing of the provider: the breaker neither opens nor closes. */
  | 'deaf';

/** Only a provider that did not answer properly at all counts towards its breaker. */
export const BREAKER_RULE: Readonly<Record<ErrorKind, BreakerHearing>> = {
  connection: 'counts',
  timeout: 'counts',
  server: 'counts',
  overloaded: 'answered',
  rate_limited: 'answered',
  quota: 'answered',
  auth_rejected: 'answered',
  context_length: 'answered',
  not_found: 'answered',
  auth_missing: 'answered',
  bad_request: 'answered',
  content_filter: 'answered',
};

/** Looked up before BREAKER_RULE: a proxy that refused the tunnel, or a pooled connection closed while idle as the
 * request went out (sent again on a fresh one), never reached the provider, so they say nothing of it. */
export const REFINED_BREAKER_RULE: Readonly<Partial<Record<Refinement, BreakerHearing>>> = {
  proxy_refused: 'deaf',
  stale_connection: 'deaf',
};

/** The one filter for the breaker: the ladder's failed attempts and a committed stream's break both ask it.
 * `refinement`: as for routeAction, what the classification said beyond the kind. */
export function breakerHears(kind: ErrorKind, refinement?: Refinement): BreakerHearing {
  return (refinement !== undefined ? REFINED_BREAKER_RULE[refinement] : undefined) ?? BREAKER_RULE[kind];
}

/** `refinement`: what the classification said beyond the kind, if its row may still be used (a route lowers
 * max_tokens once; after that the kind's row decides). */
export function routeAction(kind: ErrorKind, refinement?: Refinement): RouteAction {
  return (refinement !== undefined ? REFINED_ROUTE_LADDER[refinement] : undefined) ?? ROUTE_LADDER[kind];
}

export function coolingWaitAction(later: LaterRoutes): CoolingWaitAction {
  return COOLING_WAIT_RULE[later];
}

/** `requested`: the failed route is the one the caller named (REQUESTED_ROUTE_RULE). */
export function chainAction(kind: RouteFailureKind, requested = false): ChainAction {
  return (requested ? REQUESTED_ROUTE_RULE[kind] : undefined) ?? CHAIN_RULE[kind];
}
