// The ladder tables against docs/routing.md, row by row, and the pure backoff arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_KINDS } from '../../src/errors/kinds.ts';
import {
  AUTH_RULES,
  BREAKER_RULE,
  REFINED_BREAKER_RULE,
  CHAIN_RULE,
  COOLING_WAIT_RULE,
  HEALTH_SCOPE,
  REFINED_ROUTE_LADDER,
  REQUESTED_ROUTE_RULE,
  ROUTE_LADDER,
  breakerHears,
  chainAction,
  routeAction,
} from '../../src/routing/policy.ts';
import { backoff, coolingWait, retryDelay } from '../../src/routing/backoff.ts';
import { ROUTE_FAILURE_KINDS } from '../../src/calls/failure-kinds.ts';

test('route ladder: every kind has exactly the action docs/routing.md gives it', () => {
  const spec: [string[], string][] = [
    [['connection', 'timeout', 'server', 'overloaded'], 'retry_same_key'],
    [['rate_limited'], 'cool_and_rotate'],
    [['quota'], 'cool_and_rotate'],
    [['auth_rejected'], 'auth'],
    [['context_length'], 'skip_to_fitting_route'],
    [['not_found'], 'fail_route'],
    [['bad_request', 'content_filter'], 'fail_call'],
    [['auth_missing'], 'fail_route'],
  ];
  const covered = new Set<string>();
  for (const [kinds, action] of spec) {
    for (const kind of kinds) {
      assert.equal(ROUTE_LADDER[kind as keyof typeof ROUTE_LADDER], action, `row ${kind}`);
      covered.add(kind);
    }
  }
  assert.deepEqual([...covered].sort(), [...ERROR_KINDS].sort(), 'every kind is a row of the table');
});

test('chain rule: every way a route fails moves on to the next route except bad_request and content_filter', () => {
  assert.deepEqual(Object.keys(CHAIN_RULE).sort(), [...ROUTE_FAILURE_KINDS].sort(), 'every route failure is a row');
  for (const kind of ROUTE_FAILURE_KINDS) {
    const expected =
      kind === 'bad_request' || kind === 'content_filter'
        ? 'fail_call'
        : kind === 'context_length'
          ? 'next_fitting_route'
          : 'next_route';
    assert.equal(CHAIN_RULE[kind], expected, kind);
  }
  assert.equal(CHAIN_RULE.auth_rejected, 'next_route', 'auth failures fall back too (seed 003)');
  assert.equal(CHAIN_RULE.all_cooling, 'next_route', 'every key resting: another route may answer now');
  assert.equal(CHAIN_RULE.breaker_open, 'next_route', 'an open breaker sent nothing: the next route is tried');
});

test('a route the caller named ends the call when its provider has no such model; every other kind is as for any route', () => {
  assert.deepEqual(REQUESTED_ROUTE_RULE, { not_found: 'fail_call' });
  assert.equal(chainAction('not_found', true), 'fail_call');
  assert.equal(chainAction('not_found', false), 'next_route', 'a configured route with a missing model falls back');
  for (const kind of ROUTE_FAILURE_KINDS)
    if (kind !== 'not_found') assert.equal(chainAction(kind, true), CHAIN_RULE[kind], kind);
});

test('auth rules: a key that has worked is retried (a suspect one on its probe excepted); the rest are given up at once', () => {
  assert.deepEqual(AUTH_RULES, {
    never_accepted: { retry: false, report: 'auth_rejected' }, // docs/routing.md: mark it rejected, rotate at once
    known_good: { retry: true, report: 'auth_suspect' }, // docs/routing.md: retry up to auth_retries, then auth_suspect
    suspect_probe: { retry: false, report: 'auth_rejected' }, // counted: it stays suspect until its cooldown ends
    revoked: { retry: true, report: 'auth_revoked' }, // rejected again since its suspicion: retried, then revoked
  });
});

test("health scope: a region's limits rest the key in that region, a rejection rests it everywhere", () => {
  assert.deepEqual(HEALTH_SCOPE, {
    rate_limited: 'region', // docs/credentials.md#health-per-region: ThrottlingException, RESOURCE_EXHAUSTED
    quota: 'region', // ServiceQuotaExceededException, a project's per-region quota
    auth_rejected: 'credential', // an expired session, a bad signature: the credential's wherever it is sent
    auth_suspect: 'credential',
    auth_revoked: 'credential',
  });
});

test("breaker counts only failures where the provider did not answer properly, and never hears of a proxy's refusal", () => {
  const counted = ERROR_KINDS.filter((k) => BREAKER_RULE[k] === 'counts');
  assert.deepEqual([...counted].sort(), ['connection', 'server', 'timeout']);
  for (const k of ERROR_KINDS) if (!counted.includes(k)) assert.equal(BREAKER_RULE[k], 'answered', k);
  assert.deepEqual(REFINED_BREAKER_RULE, { proxy_refused: 'deaf', stale_connection: 'deaf' });
  assert.equal(breakerHears('connection', 'proxy_refused'), 'deaf');
  assert.equal(breakerHears('connection', 'stale_connection'), 'deaf', 'nor of a stale pooled connection sent again');
  assert.equal(breakerHears('timeout', 'same_again'), 'counts', 'a refinement without a row: the kind decides');
  assert.equal(breakerHears('bad_request', 'output_limit'), 'answered');
});

test('full-jitter backoff stays within [0, min(max, base·2^n)]', () => {
  assert.equal(
    backoff(0, 100, 4000, () => 0.999999),
    99,
  );
  assert.equal(
    backoff(3, 100, 4000, () => 0.5),
    400,
  );
  assert.equal(
    backoff(10, 100, 4000, () => 0.999999),
    3999,
  );
  assert.equal(
    backoff(2, 100, 4000, () => 0),
    0,
  );
});

test('retry delay is never less than Retry-After and gives up when the deadline cannot be met', () => {
  const base = { attempt: 0, baseMs: 10, maxMs: 100, rand: () => 0.5, remainingMs: 10_000, longestServerWaitMs: 4000 };
  assert.deepEqual(retryDelay(base), { wait: true, delayMs: 5 });
  assert.deepEqual(retryDelay({ ...base, retryAfterMs: 1500 }), { wait: true, delayMs: 1500 });
  assert.equal(retryDelay({ ...base, retryAfterMs: 1500, remainingMs: 1000 }).wait, false);
  const tooLong = retryDelay({ ...base, retryAfterMs: 60_000 });
  assert.deepEqual(tooLong, { wait: false, reason: 'server_wait_too_long', delayMs: 60_000 });
});

test('waiting for a cooling key only when it is back within max_wait and the deadline', () => {
  assert.equal(coolingWait(1500, 1000, 2000, 10_000), 500);
  assert.equal(coolingWait(5000, 1000, 2000, 10_000), undefined, 'beyond max_wait');
  assert.equal(coolingWait(1500, 1000, 2000, 400), undefined, 'beyond the deadline');
  assert.equal(coolingWait(undefined, 1000, 2000, 10_000), undefined, 'nothing is cooling (all rejected)');
});

test('a reset within max_wait is waited for only when no later route of the chain can answer now', () => {
  assert.deepEqual(COOLING_WAIT_RULE, { one_can_serve_now: 'fail_route', none_can_serve_now: 'wait_for_reset' });
});

test('a stated output limit lowers max_tokens on the same route; without it a bad request fails the call as before', () => {
  assert.deepEqual(REFINED_ROUTE_LADDER, {
    output_limit: 'lower_max_tokens',
    proxy_refused: 'fail_route',
    provider_says_retry: 'retry_same_key',
    provider_says_no_retry: 'fail_route_unretried',
    thinking_signature: 'drop_thinking_blocks',
    same_again: 'fail_route_unretried',
    stale_connection: 'resend_fresh',
  });
  assert.equal(routeAction('timeout', 'same_again'), 'fail_route_unretried');
  assert.equal(routeAction('bad_request', 'output_limit'), 'lower_max_tokens');
  assert.equal(routeAction('bad_request'), 'fail_call');
});

test('a proxy refusing the tunnel fails the route at once; any other connection failure is retried', () => {
  assert.equal(routeAction('connection', 'proxy_refused'), 'fail_route');
  assert.equal(routeAction('connection'), 'retry_same_key');
  assert.equal(
    chainAction('connection'),
    'next_route',
    'the chain still moves on: another provider may not use that proxy',
  );
});

test("a thinking block's signature refused is sent again without the history's thinking blocks, once", () => {
  assert.equal(routeAction('bad_request', 'thinking_signature'), 'drop_thinking_blocks');
});

test('a stale pooled connection is sent again at once on a fresh one; any other connection failure is retried', () => {
  assert.equal(routeAction('connection', 'stale_connection'), 'resend_fresh');
  assert.equal(routeAction('connection'), 'retry_same_key');
});

test('a bad request the provider says to send again (x-should-retry: true) is retried on the same key', () => {
  assert.equal(routeAction('bad_request', 'provider_says_retry'), 'retry_same_key');
});

test('a failure the route would retry that the provider says not to (x-should-retry: false) fails the route', () => {
  assert.equal(routeAction('server', 'provider_says_no_retry'), 'fail_route_unretried');
  assert.equal(routeAction('server'), 'retry_same_key');
});
