// The requests a shutdown waits for and cuts (src/gateway/request/in-flight.ts): each counted from add() to done(),
// every one still running cut once, and the wait over when the last is done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InFlight } from '../../src/gateway/request/in-flight.ts';
import { ApiError } from '../../src/gateway/answer/api-error.ts';

const SHUTDOWN = new ApiError('unavailable', 'shutting down', { code: 'gateway_shutting_down' });

test('a request counts from add to done; a second done changes nothing', () => {
  const f = new InFlight();
  const a = f.add(() => {});
  const b = f.add(() => {});
  assert.equal(f.size, 2);
  f.done(a);
  f.done(a);
  assert.equal(f.size, 1);
  f.done(b);
  assert.equal(f.size, 0);
  assert.equal(f.started, 2);
});

test('cutAll cuts each request still running once, with the error given, and none that is done', () => {
  const f = new InFlight();
  const cut: string[] = [];
  const entries = ['a', 'b', 'c', 'd'].map((name) => ({
    name,
    entry: f.add((err) => cut.push(`${name}:${err.code}`)),
  }));
  f.done(entries[1]!.entry);
  f.done(entries[3]!.entry);
  assert.equal(f.cutAll(SHUTDOWN), 2);
  assert.deepEqual(cut.sort(), ['a:gateway_shutting_down', 'c:gateway_shutting_down']);
});

test('places given back are taken again: after thousands of requests, three at a time, only the running are cut', () => {
  const f = new InFlight();
  const running: ReturnType<InFlight['add']>[] = [];
  const cut: number[] = [];
  for (let i = 0; i < 5000; i++) {
    running.push(f.add(() => cut.push(i)));
    // Out of order, as answers come: the oldest of three is done first, every other time the newest.
    if (running.length > 3) f.done(running.splice(i % 2 === 0 ? 0 : running.length - 1, 1)[0]!);
  }
  assert.equal(f.size, 3);
  assert.equal(f.cutAll(SHUTDOWN), 3);
  assert.equal(cut.length, 3);
  assert.equal(f.started, 5000);
});

test('settled waits for the last request to be done, or gives up after the time it is given', async () => {
  const f = new InFlight();
  await f.settled(60_000);
  const a = f.add(() => {});
  const b = f.add(() => {});
  let over = false;
  const waited = f.settled(60_000).then(() => (over = true));
  f.done(a);
  await Promise.resolve();
  assert.equal(over, false);
  f.done(b);
  await waited;
  assert.equal(over, true);
  f.add(() => {});
  // A line that never comes does not hold the exit.
  await f.settled(1);
});
