import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  coveredCount,
  omissionContent,
  planCompression,
  shouldCompress,
  summaryContent,
  summaryRequest,
  triggerTokens,
} from '../../src/sessions/compression-plan.ts';
import type { MessageRecord } from '../../src/state/types.ts';

const history = (n: number): MessageRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    session_id: 's',
    seq: i + 1,
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `m${i + 1}`,
    created_at: i,
  }));

test('trigger: threshold × context window; no window, no automatic compression', () => {
  assert.equal(triggerTokens(8000, 0.75), 6000);
  assert.equal(shouldCompress(5999, 8000, 0.75), false);
  assert.equal(shouldCompress(6000, 8000, 0.75), true);
  assert.equal(shouldCompress(1_000_000, undefined, 0.75), false);
});

test('plan: protected head and tail, the middle in between', () => {
  const plan = planCompression(history(30), { threshold: 0.75, protect_first: 3, protect_last: 20 });
  assert.ok(plan.ok);
  assert.deepEqual(
    plan.head.map((m) => m.seq),
    [1, 2, 3],
  );
  assert.deepEqual(
    plan.middle.map((m) => m.seq),
    [4, 5, 6, 7, 8, 9, 10],
  );
  assert.equal(plan.tail.length, 20);
  assert.equal(plan.tail[0]?.seq, 11);
});

test('plan: nothing to compress when everything is protected (or the middle is one message)', () => {
  const none = planCompression(history(10), { threshold: 0.75, protect_first: 3, protect_last: 20 });
  assert.equal(none.ok, false);
  assert.match(none.ok ? '' : none.why, /protect_first/);
  assert.equal(planCompression(history(6), { threshold: 0.75, protect_first: 2, protect_last: 3 }).ok, false);
  assert.equal(planCompression(history(7), { threshold: 0.75, protect_first: 2, protect_last: 3 }).ok, true);
});

test('summary request carries the middle as a transcript; the omission marker says what was left out and why', () => {
  const req = summaryRequest(history(3));
  assert.equal(req.length, 2);
  assert.match(req[1]?.content ?? '', /User: m1\n\nAssistant: m2\n\nUser: m3/);
  assert.doesNotMatch(req[0]?.content ?? '', /title/i);
  assert.equal(
    omissionContent(14, 'boom'),
    '[compressed: 14 earlier messages left out of this prompt — summary failed: boom]',
  );
});

test('covered count: a summary counts the messages it replaced, so markers keep a running total', () => {
  const [a, b] = history(2);
  const summary: MessageRecord = {
    session_id: 's',
    seq: 3,
    role: 'system',
    content: summaryContent(5, 'gist'),
    kind: 'summary',
    created_at: 3,
  };
  const oldMarker: MessageRecord = {
    ...summary,
    seq: 4,
    content: '[compressed: 7 earlier messages dropped — summary failed: x]',
    kind: 'truncation',
  };
  assert.equal(coveredCount([a!, b!]), 2);
  assert.equal(coveredCount([a!, summary, b!]), 7);
  assert.equal(coveredCount([oldMarker, summary]), 12);
});
