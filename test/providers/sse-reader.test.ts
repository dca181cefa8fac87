// The SSE reader says whether a read left an event's fields begun (a long event arriving in many reads is not
// silence, a comment is), and stops at `limits.max_event_bytes` with what its caller throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sseReader } from '../../src/providers/sse.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('a read that leaves a field begun is not silence; comments and whole events leave nothing begun', () => {
  const seen: string[] = [];
  const r = sseReader(
    (e) => seen.push(e.data),
    1024,
    () => assert.fail('no event is over the bound'),
  );
  const cases: [string, boolean][] = [
    [': keep-alive\n\n', false],
    ['data: {"a":1}\n\n', false],
    ['data: {"b":', true],
    ['2}', true],
    ['\n\n', false],
    ['data: {"c":3}\r\n\r\n: ping\r\n\r\n', false],
    [': ping\n', false],
    ['\ndata: x', true],
  ];
  assert.deepEqual(
    cases.map(([chunk]) => r.feed(bytes(chunk))),
    cases.map(([, partial]) => partial),
  );
  assert.deepEqual(seen, ['{"a":1}', '{"b":2}', '{"c":3}']);
});

test('an event over the bound ends the read with what the caller throws; unknown fields do not', () => {
  const r = sseReader(
    () => {},
    100,
    () => {
      throw new Error('over the bound');
    },
  );
  assert.equal(r.feed(bytes('nonsense: 1\n\n')), false);
  assert.throws(() => r.feed(bytes(`data: ${'x'.repeat(200)}`)), /over the bound/);
});

test('characters split across reads come out whole, from the body as read and from Buffers', () => {
  for (const wrap of [(b: Uint8Array) => b, (b: Uint8Array) => Buffer.from(b)]) {
    const seen: string[] = [];
    const r = sseReader(
      (e) => seen.push(e.data),
      1024,
      () => assert.fail('no event is over the bound'),
    );
    const body = bytes('\uFEFFdata: héllo\n\ndata: naïve 🙂\n\ndata: plain\n\ndata: ünï\n\n');
    // Cut inside the accented letters and the emoji, and between whole events.
    const cuts = [0, 9, 15, 30, 34, 41, 55, body.length - 5, body.length];
    for (let i = 1; i < cuts.length; i++) r.feed(wrap(body.subarray(cuts[i - 1], cuts[i])));
    assert.deepEqual(seen, ['héllo', 'naïve 🙂', 'plain', 'ünï']);
  }
});
