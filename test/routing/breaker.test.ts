import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Breakers, type BreakerState } from '../../src/routing/breaker.ts';

test('breaker opens after N consecutive failures, lets one probe through after the pause, closes on success', () => {
  let now = 1000;
  const b = new Breakers({ threshold: 3, pauseMs: 500 }, () => now);
  const seen: BreakerState[] = [];
  b.onChange((_p, s) => seen.push(s));
  b.recordFailure('p', 'server');
  b.recordFailure('p', 'connection');
  assert.equal(b.allow('p'), true);
  b.recordFailure('p', 'timeout');
  assert.equal(b.state('p'), 'open');
  assert.equal(b.allow('p'), false, 'open: nothing goes through');
  assert.equal(b.reopensAt('p'), 1500);
  now = 1600;
  assert.equal(b.allow('p'), true, 'half-open: one probe');
  assert.equal(b.allow('p'), false, 'only one probe at a time');
  b.recordSuccess('p');
  assert.equal(b.state('p'), 'closed');
  assert.equal(b.allow('p'), true);
  assert.deepEqual(seen, ['open', 'half_open', 'closed']);
});

test('a failed probe opens it again; an answered 4xx breaks the streak', () => {
  let now = 0;
  const b = new Breakers({ threshold: 2, pauseMs: 100 }, () => now);
  b.recordFailure('p', 'server');
  b.recordFailure('p', 'auth_rejected');
  b.recordFailure('p', 'server');
  assert.equal(b.state('p'), 'closed', 'the 401 proved the provider up');
  b.recordFailure('p', 'server');
  assert.equal(b.state('p'), 'open');
  now = 200;
  assert.equal(b.allow('p'), true);
  b.recordFailure('p', 'connection');
  assert.equal(b.state('p'), 'open');
  assert.equal(b.allow('p'), false);
  assert.equal(b.state('other'), 'closed', 'per provider');
});

test('a released probe does not wedge the breaker half-open', () => {
  let now = 0;
  const b = new Breakers({ threshold: 1, pauseMs: 10 }, () => now);
  b.recordFailure('p', 'server');
  now = 20;
  assert.equal(b.allow('p'), true);
  b.release('p');
  assert.equal(b.allow('p'), true);
});
