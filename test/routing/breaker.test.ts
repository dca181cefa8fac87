import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Breakers, type BreakerState } from '../../src/routing/breaker.ts';
import { breakerHears } from '../../src/routing/policy.ts';
import { openStore } from '../../src/state/open.ts';

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

test('with a shared store: an opening and a closing made by one replica are adopted by another', () => {
  let now = 1000;
  // One store standing in for Redis between two replicas (each Breakers is one replica's).
  const shared = openStore({ kind: 'memory' });
  const one = new Breakers({ threshold: 2, pauseMs: 500 }, () => now, shared);
  const two = new Breakers({ threshold: 2, pauseMs: 500 }, () => now, shared);
  const seenByTwo: BreakerState[] = [];
  two.onChange((_p, s) => seenByTwo.push(s));
  one.recordFailure('p', 'server');
  one.recordFailure('p', 'server');
  assert.equal(one.state('p'), 'open');
  assert.deepEqual(shared.getBreaker('p'), { provider: 'p', state: 'open', at: 1000, opened_at: 1000 });
  now = 1100;
  assert.equal(two.allow('p'), false, 'replica two skips the provider replica one found down');
  assert.equal(two.reopensAt('p'), 1500, 'and waits out the same pause');
  now = 1600;
  assert.equal(two.allow('p'), true, 'after the pause replica two may probe');
  assert.equal(one.allow('p'), true, 'and so may replica one');
  one.recordSuccess('p');
  now = 1700;
  assert.equal(two.state('p'), 'closed', 'replica one closed it: replica two closes too');
  assert.deepEqual(seenByTwo, ['open', 'half_open', 'closed']);
  assert.equal(two.allow('p'), true);
  // An opening whose pause is over by the time a replica looks is nothing to adopt.
  shared.setBreaker({ provider: 'q', state: 'open', at: 100, opened_at: 100 });
  assert.equal(two.state('q'), 'closed');
});

test('once the pause is over the state reads half-open before any request asks, and no trial is out yet', () => {
  let now = 0;
  const b = new Breakers({ threshold: 1, pauseMs: 100 }, () => now);
  const seen: BreakerState[] = [];
  b.onChange((_p, s) => seen.push(s));
  b.recordFailure('p', 'server');
  assert.equal(b.state('p'), 'open');
  now = 100;
  assert.equal(b.state('p'), 'half_open');
  assert.equal(b.reopensAt('p'), undefined, 'no trial time in the past');
  assert.equal(b.probing('p'), false, 'the next request is the trial');
  assert.equal(b.allow('p'), true);
  assert.equal(b.probing('p'), true);
  assert.equal(b.allow('p'), false);
  assert.deepEqual(seen, ['open', 'half_open']);
});

test('a failure the breaker is deaf to neither counts nor ends the streak, and frees a half-open probe', () => {
  let now = 0;
  const b = new Breakers({ threshold: 2, pauseMs: 10 }, () => now);
  b.hear('p', breakerHears('server'));
  b.hear('p', breakerHears('connection', 'stale_connection'));
  assert.equal(b.state('p'), 'closed', 'the stale connection did not count');
  b.hear('p', breakerHears('connection'));
  assert.equal(b.state('p'), 'open', 'nor did it end the streak: two server-side failures in a row');
  now = 20;
  assert.equal(b.allow('p'), true, 'half-open: the probe goes');
  b.hear('p', breakerHears('connection', 'proxy_refused'));
  assert.equal(b.state('p'), 'half_open', "a proxy's refusal says nothing of the provider");
  assert.equal(b.allow('p'), true, 'and the probe is free to go again');
});
