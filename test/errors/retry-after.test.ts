import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SERVER_WAIT_MS, nextMidnight, parseGoDuration, parseRetryHints } from '../../src/errors/retry-after.ts';

const NOW = Date.parse('2026-06-12T10:00:00Z');

const CASES: { name: string; headers: Record<string, string>; retryAfterMs?: number; resetAt?: number }[] = [
  { name: 'retry-after seconds', headers: { 'retry-after': '30' }, retryAfterMs: 30_000 },
  { name: 'retry-after fractional seconds', headers: { 'Retry-After': '1.5' }, retryAfterMs: 1500 },
  { name: 'retry-after HTTP date', headers: { 'retry-after': 'Fri, 12 Jun 2026 10:01:00 GMT' }, retryAfterMs: 60_000 },
  {
    name: 'retry-after date in the past',
    headers: { 'retry-after': 'Fri, 12 Jun 2026 09:00:00 GMT' },
    retryAfterMs: 0,
  },
  {
    name: 'retry-after-ms wins over retry-after',
    headers: { 'retry-after-ms': '250', 'retry-after': '9' },
    retryAfterMs: 250,
  },
  { name: 'x-ratelimit-reset-requests 1s', headers: { 'x-ratelimit-reset-requests': '1s' }, retryAfterMs: 1000 },
  { name: 'x-ratelimit-reset-tokens 6m0s', headers: { 'x-ratelimit-reset-tokens': '6m0s' }, retryAfterMs: 360_000 },
  { name: 'x-ratelimit-reset 250ms', headers: { 'x-ratelimit-reset-requests': '250ms' }, retryAfterMs: 250 },
  {
    name: 'the exhausted limit decides',
    headers: {
      'x-ratelimit-reset-requests': '2s',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-tokens': '1m',
      'x-ratelimit-remaining-tokens': '5000',
    },
    retryAfterMs: 2000,
  },
  {
    name: 'otherwise the latest reset',
    headers: { 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-reset-tokens': '1m30s' },
    retryAfterMs: 90_000,
  },
  {
    name: 'anthropic RFC 3339',
    headers: {
      'anthropic-ratelimit-requests-reset': '2026-06-12T10:00:20Z',
      'anthropic-ratelimit-requests-remaining': '0',
    },
    resetAt: NOW + 20_000,
  },
  {
    name: 'retry-after beats reset headers',
    headers: { 'retry-after': '5', 'anthropic-ratelimit-tokens-reset': '2026-06-12T10:05:00Z' },
    retryAfterMs: 5000,
  },
  {
    name: 'x-ratelimit-reset epoch ms (OpenRouter)',
    headers: { 'x-ratelimit-reset': String(NOW + 45_000) },
    retryAfterMs: 45_000,
  },
  {
    name: 'x-ratelimit-reset epoch seconds',
    headers: { 'x-ratelimit-reset': String((NOW + 10_000) / 1000) },
    retryAfterMs: 10_000,
  },
  { name: 'garbage is ignored', headers: { 'retry-after': 'soon', 'x-ratelimit-reset-tokens': 'later' } },
  // Date.parse reads both as years: they were "reset now", a 1 s cooldown instead of the config's.
  { name: 'a negative retry-after is garbage, not a date', headers: { 'retry-after': '-5', 'retry-after-ms': 'abc' } },
  {
    name: 'a bare number in a reset header is seconds, a word is garbage',
    headers: { 'x-ratelimit-reset': 'twelve', 'x-ratelimit-reset-tokens': '-12' },
  },
  {
    name: 'a wait over a day is taken as a day',
    headers: { 'retry-after': '999999999' },
    retryAfterMs: MAX_SERVER_WAIT_MS,
  },
  {
    name: 'a reset date years away is taken as a day',
    headers: { 'anthropic-ratelimit-requests-reset': '2058-08-01T00:00:00Z' },
    retryAfterMs: MAX_SERVER_WAIT_MS,
  },
];

for (const c of CASES) {
  test(`parseRetryHints: ${c.name}`, () => {
    const got = parseRetryHints(c.headers, NOW);
    if (c.retryAfterMs === undefined && c.resetAt === undefined) {
      assert.deepEqual(got, {});
      return;
    }
    if (c.retryAfterMs !== undefined) {
      assert.equal(got.retryAfterMs, c.retryAfterMs);
      assert.equal(got.resetAt, NOW + c.retryAfterMs);
    }
    if (c.resetAt !== undefined) assert.equal(got.resetAt, c.resetAt);
  });
}

test('x-should-retry', () => {
  assert.equal(parseRetryHints({ 'x-should-retry': 'true' }, NOW).shouldRetry, true);
  assert.equal(parseRetryHints({ 'x-should-retry': 'false' }, NOW).shouldRetry, false);
  assert.equal(parseRetryHints({}, NOW).shouldRetry, undefined);
});

test('fetch Headers work too', () => {
  assert.equal(parseRetryHints(new Headers({ 'Retry-After': '3' }), NOW).retryAfterMs, 3000);
});

test('parseGoDuration', () => {
  assert.equal(parseGoDuration('1h2m3.5s'), 3_723_500);
  assert.equal(parseGoDuration('0s'), 0);
  assert.equal(parseGoDuration('12'), undefined);
  assert.equal(parseGoDuration('abc'), undefined);
});

test('nextMidnight: the next midnight in a zone, also across a DST change', () => {
  const la = 'America/Los_Angeles';
  // 10:00 UTC on 12 June is 03:00 PDT (UTC-7): the next midnight there is 07:00 UTC on 13 June.
  assert.equal(nextMidnight(NOW, la), Date.parse('2026-06-13T07:00:00Z'));
  // Just before midnight, the very next one.
  assert.equal(nextMidnight(Date.parse('2026-06-13T06:59:59Z'), la), Date.parse('2026-06-13T07:00:00Z'));
  // Exactly at midnight: the following one, not now.
  assert.equal(nextMidnight(Date.parse('2026-06-13T07:00:00Z'), la), Date.parse('2026-06-14T07:00:00Z'));
  // 2026-03-08 is 23 hours long in Los Angeles (PST → PDT); 2026-11-01 is 25.
  assert.equal(nextMidnight(Date.parse('2026-03-08T12:00:00Z'), la), Date.parse('2026-03-09T07:00:00Z'));
  assert.equal(nextMidnight(Date.parse('2026-11-01T12:00:00Z'), la), Date.parse('2026-11-02T08:00:00Z'));
  assert.equal(nextMidnight(NOW, 'UTC'), Date.parse('2026-06-13T00:00:00Z'));
});
