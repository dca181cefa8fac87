// The guard skipping the messages it saw clean on an earlier turn: what it skips was clean, and what is new, what held
// a secret and what lies outside the messages is scanned on every turn. Bodies of an agent's size (parsed in pieces,
// so their messages' spans are known), guarded as the gateway guards them: parsed first, then scanned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { guardBody } from '../../src/guard/body.ts';
import { parseJsonBytes } from '../../src/providers/translate/json-pieces.ts';
import { seenClean, spanHash } from '../../src/guard/seen-clean.ts';
import { parseBody } from '../../src/gateway/request/json-body.ts';
import { ApiError } from '../../src/gateway/answer/api-error.ts';
import { parsedBefore } from '../../src/providers/translate/parsed-spans.ts';
import type { ByteSpan } from '../../src/providers/translate/json-scan.ts';
import { plantedSecrets } from './corpus.ts';

interface Message {
  role: string;
  content: string;
}

/** An agent's conversation of about 80 KB, unique to this call (so no earlier test's spans are remembered). */
function conversation(): Message[] {
  const run = randomUUID();
  return Array.from({ length: 40 }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `turn ${i} of ${run}: ${'the build passes and the tests are green; '.repeat(48)}`,
  }));
}

/** The body as bytes, and the spans of its arrays' elements, as json-body.ts hands them to the guard. */
function parsed(body: object): { bytes: Buffer; spans: { start: number; end: number }[] } {
  const bytes = Buffer.from(JSON.stringify(body));
  const spans = parseJsonBytes(bytes).elements;
  assert.ok(spans !== undefined && spans.length > 0, 'a body this large is parsed in pieces');
  return { bytes, spans };
}

/** Which of the body's element spans the guard now knows as clean. */
function knownClean(body: object): boolean[] {
  const { bytes, spans } = parsed(body);
  return spans.map((s) => seenClean(spanHash(bytes, s.start, s.end), s.end - s.start));
}

function guard(body: object, mode: 'redact' | 'block' | 'log' = 'redact'): ReturnType<typeof guardBody> {
  const { bytes, spans } = parsed(body);
  return guardBody(bytes, mode, spans);
}

test("a secret in a turn's new message is found where it stands when every earlier message was seen clean", () => {
  const messages = conversation();
  assert.ok(knownClean({ model: 'm', messages }).every((known) => !known));
  assert.deepEqual(guard({ model: 'm', messages }).findings, []);
  assert.ok(knownClean({ model: 'm', messages }).every((known) => known));
  const aws = plantedSecrets()[0]!;
  const next = [...messages, { role: 'user', content: aws.text }];
  const out = guard({ model: 'm', messages: next });
  assert.deepEqual(out.findings, [
    { rule: 'aws-access-key', where: `messages[${messages.length}].content`, action: 'redact' },
  ]);
  const sent = JSON.parse(out.bytes.toString()) as { messages: Message[] };
  assert.ok(!out.bytes.toString().includes(aws.secrets[0]!));
  assert.deepEqual(sent.messages.slice(0, messages.length), messages, 'the messages seen clean are sent as they came');
});

test('a message holding a secret is found again on every turn, never remembered clean', () => {
  const messages = conversation();
  const planted = plantedSecrets();
  messages[3] = { role: 'user', content: planted[5]!.text };
  for (const mode of ['log', 'redact', 'block'] as const) {
    const out = guard({ model: 'm', messages }, mode);
    assert.equal(out.findings[0]?.where, 'messages[3].content', mode);
    if (mode === 'block') assert.equal(out.blocked?.rule, planted[5]!.rule);
  }
  const known = knownClean({ model: 'm', messages });
  assert.equal(known[3], false);
  assert.equal(known.filter(Boolean).length, messages.length - 1, 'its neighbours are remembered');
});

test('a secret outside the messages is found when every message was seen clean', () => {
  const messages = conversation();
  assert.deepEqual(guard({ model: 'm', messages }).findings, []);
  const ghp = plantedSecrets().find((p) => p.rule === 'github-token')!;
  const out = guard({ model: 'm', messages, metadata: { note: ghp.text } });
  assert.deepEqual(
    out.findings.map((f) => f.where),
    ['metadata.note'],
  );
  assert.ok(!out.bytes.toString().includes(ghp.secrets[0]!));
});

test('a message a secret hides in by an escape is looked at again on every turn', () => {
  const messages = conversation();
  const aws = plantedSecrets()[0]!;
  const escaped = aws.text.replace('AKIA', '\\u0041KIA');
  const { bytes: clean } = parsed({ model: 'm', messages });
  // The escape is written into the raw bytes, as a caller's encoder may: JSON.stringify would not write it.
  const raw = Buffer.from(
    clean.toString().replace(`"content":"turn 5 `, `"content":"${escaped.replace(/"/g, '\\"')} turn 5 `),
  );
  for (let turn = 0; turn < 2; turn++) {
    const spans = parseJsonBytes(raw).elements!;
    const out = guardBody(raw, 'redact', spans);
    assert.deepEqual(
      out.findings.map((f) => f.where),
      ['messages[5].content'],
      `turn ${turn}`,
    );
    assert.ok(!out.bytes.toString().includes(aws.secrets[0]!.slice(4)), `turn ${turn}: redacted`);
    const known = spans.map((s) => seenClean(spanHash(raw, s.start, s.end), s.end - s.start));
    assert.equal(known[5], false, `turn ${turn}: the escaped message is not remembered`);
    assert.equal(known.filter(Boolean).length, messages.length - 1, `turn ${turn}: the rest are`);
  }
});

test('a body the guard redacts or refuses keeps none of its parsed messages for the next turn', () => {
  const aws = plantedSecrets()[0]!;
  for (const mode of ['redact', 'block'] as const) {
    const body = { model: 'm', messages: [...conversation(), { role: 'user', content: aws.text }] };
    const bytes = Buffer.from(JSON.stringify(body));
    const guard = (b: Buffer, spans?: readonly ByteSpan[]): Buffer | ApiError => {
      const out = guardBody(b, mode, spans);
      return out.blocked === undefined ? out.bytes : new ApiError('invalid_request', 'blocked');
    };
    if (mode === 'redact') parseBody(bytes, guard, true);
    else assert.throws(() => parseBody(bytes, guard, true), ApiError);
    const spans = parseJsonBytes(bytes).elements!;
    const last = spans.at(-1)!;
    const hash = spanHash(bytes, last.start, last.end);
    assert.equal(parsedBefore(hash, last.end - last.start), undefined, `${mode}: the secret's message is not kept`);
  }
});

/** A turn as the gateway reads it: parsed shared (its runs noted), then guarded. */
function guardShared(messages: readonly Message[], mode: 'redact' | 'log' = 'redact') {
  const bytes = Buffer.from(JSON.stringify({ model: 'm', messages }));
  const parsed = parseJsonBytes(bytes, { share: true });
  return { out: guardBody(bytes, mode, parsed.elements, parsed.runs), runs: parsed.runs };
}

test("a later turn's earlier messages, checked as one run, are skipped as one, and a new secret is still found", () => {
  const messages = conversation();
  const first = guardShared(messages);
  assert.deepEqual(first.out.findings, []);
  const kept = first.runs?.kept[0];
  assert.ok(kept !== undefined && kept.last - kept.first > 30, 'the turn keeps a run of its messages');
  assert.equal(seenClean(kept.hash, kept.length), true, 'a run all clean is remembered as one');
  const aws = plantedSecrets()[0]!;
  const next = [...messages, { role: 'assistant', content: 'done' }, { role: 'user', content: aws.text }];
  const second = guardShared(next);
  assert.deepEqual(
    second.runs?.checked.map((r) => [r.first, r.last, r.hash]),
    [[kept.first, kept.last, kept.hash]],
  );
  assert.deepEqual(second.out.findings, [
    { rule: 'aws-access-key', where: `messages[${messages.length + 1}].content`, action: 'redact' },
  ]);
  const third = guardShared([...next.slice(0, -1), { role: 'user', content: 'and the docs' }]);
  assert.deepEqual(third.out.findings, []);
});

test('a run holding a secret is never remembered clean: the next turn finds the secret again', () => {
  const messages = conversation();
  const planted = plantedSecrets()[5]!;
  messages[5] = { role: 'user', content: planted.text };
  const first = guardShared(messages, 'log');
  assert.equal(first.out.findings[0]?.where, 'messages[5].content');
  const kept = first.runs?.kept[0];
  assert.ok(kept !== undefined && kept.first <= 5 && kept.last >= 5);
  assert.equal(seenClean(kept.hash, kept.length), false);
  const second = guardShared([...messages, { role: 'user', content: 'go on' }], 'log');
  assert.equal(second.runs?.checked[0]?.hash, kept.hash, 'the run was checked against the turn before');
  assert.equal(second.out.findings[0]?.where, 'messages[5].content');
});
