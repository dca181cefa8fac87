// A request body serialised in pieces is JSON.stringify's bytes, byte for byte, whatever it holds, shared or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonBody } from '../../src/providers/translate/json-bytes.ts';
import { BodyPieces, wholeBody } from '../../src/providers/translate/body-pieces.ts';
import { share } from '../../src/shared-value.ts';

/** The body's bytes whole, whether it came as one Buffer or in pieces. */
const jsonBytes = (value: unknown): Buffer => Buffer.from(wholeBody(jsonBody(value)));

test('a body written in pieces is the UTF-8 of JSON.stringify, for every kind of value at every level', () => {
  const deep = { a: [{ b: [{ c: [{ d: [1, { e: 'é' }] }] }] }] };
  const values: unknown[] = [
    { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi "there" — 😀\n' }] }], stream: true },
    { skip: undefined, f: () => 1, s: Symbol('x'), keep: null, list: [undefined, () => 1, Symbol('y'), 0, -0, 1e21] },
    { at: new Date(0), nested: { at: new Date(1), big: 'x'.repeat(70_000) } },
    { __proto__: 1, 'quote"key': 2, '\u2028': 3, '': 4 },
    deep,
    [],
    {},
    [{}, [], [[]]],
    'a string',
    42,
    null,
  ];
  for (const v of values)
    assert.deepEqual(jsonBytes(v), Buffer.from(JSON.stringify(v) ?? 'null'), JSON.stringify(v)?.slice(0, 80));
  const many = {
    messages: Array.from({ length: 3000 }, (_, i) => ({ role: 'user', content: `turn ${i} ${'é'.repeat(i % 50)}` })),
  };
  assert.deepEqual(jsonBytes(many), Buffer.from(JSON.stringify(many)));
});

test('shared values are written from their kept bytes: the same bytes as JSON.stringify, however often', () => {
  const tool = share({ name: 'read', description: 'reads a file — «as is» 😀', parameters: { type: 'object' } });
  const turn = share({ role: 'tool', content: 'é'.repeat(20_000) });
  const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }, turn, turn], tools: [tool], n: 1 };
  for (let i = 0; i < 2; i++) assert.deepEqual(jsonBytes(body), Buffer.from(JSON.stringify(body)));
  assert.deepEqual(jsonBytes(turn), Buffer.from(JSON.stringify(turn)), 'a shared value alone');
});

test('a large body comes in pieces: a long shared value as its kept bytes, the text between written together', () => {
  const turn = share({ role: 'tool', content: 'é'.repeat(40_000) });
  const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }, turn, { role: 'user', content: 'go on' }] };
  const sent = jsonBody(body);
  assert.ok(sent instanceof BodyPieces);
  assert.equal(sent.pieces.length, 3, 'the text before, the shared turn, the text after');
  assert.deepEqual(Buffer.from(sent.pieces[1]!), Buffer.from(JSON.stringify(turn)));
  assert.equal(sent.pieces[1], (jsonBody(body) as BodyPieces).pieces[1], 'the kept bytes, not a copy');
  assert.deepEqual(sent.joined(), Buffer.from(JSON.stringify(body)));
});

/** An agent's conversation: `n` shared turns of about 1 KB each, as parsed-spans.ts hands an earlier turn's over. */
function turns(n: number, tag: string): object[] {
  return Array.from({ length: n }, (_, i) =>
    share({ role: i % 2 === 0 ? 'user' : 'assistant', content: `${tag} ${i} — ${'é'.repeat(500)}` }),
  );
}

function piecesOf(body: unknown): BodyPieces {
  const sent = jsonBody(body);
  assert.ok(sent instanceof BodyPieces, 'a large body comes in pieces');
  assert.deepEqual(sent.joined(), Buffer.from(JSON.stringify(body)), 'JSON.stringify’s bytes');
  return sent;
}

test('a repeated body’s leading shared messages are one kept run of bytes, not a copy of each', () => {
  const messages = turns(120, 'a');
  const body = { model: 'm', messages: [...messages, { role: 'user', content: 'go on' }], max_tokens: 9 };
  const first = piecesOf(body);
  const again = piecesOf(body);
  const run = (p: BodyPieces): Uint8Array => p.pieces.find((x) => x.length > 100_000)!;
  assert.ok(run(first) !== undefined, 'the 120 turns as one piece');
  assert.equal(run(again).buffer, run(first).buffer, 'the same memory');
  assert.equal(run(again).byteOffset, run(first).byteOffset);
});

test('a next turn’s new messages are written after the run it repeats, which keeps its bytes', () => {
  const messages = turns(130, 'b');
  const turn1 = { model: 'm', messages: messages.slice(0, 100) };
  const turn2 = { model: 'm', messages: messages.slice(0, 102) };
  const sent1 = piecesOf(turn1);
  const kept = Buffer.from(sent1.joined());
  const sent2 = piecesOf(turn2);
  const big = (p: BodyPieces): Uint8Array => p.pieces.find((x) => x.length > 50_000)!;
  assert.equal(big(sent2).buffer, big(sent1).buffer, 'grown in the same memory');
  assert.deepEqual(sent1.joined(), kept, 'the earlier turn’s pieces read as they did');
  piecesOf({ model: 'm', messages: messages.slice(0, 130) });
  assert.deepEqual(sent1.joined(), kept, 'and after a larger growth');
});

test('conversations that share their first messages and then part are each written as they are, in any order', () => {
  const common = turns(40, 'c');
  const a = { messages: [...common, ...turns(60, 'a-side')] };
  const b = { messages: [...common, ...turns(70, 'b-side')] };
  const seen = [piecesOf(a), piecesOf(b), piecesOf(a), piecesOf(b)];
  assert.deepEqual(seen[0]!.joined(), seen[2]!.joined());
  assert.deepEqual(seen[1]!.joined(), seen[3]!.joined());
  // One conversation going back to an earlier turn (a retry, a fork) and on again.
  piecesOf({ messages: a.messages.slice(0, 80) });
  piecesOf(a);
  piecesOf({ messages: [...a.messages, ...turns(3, 'a-next')] });
  assert.deepEqual(seen[0]!.joined(), Buffer.from(JSON.stringify(a)));
});

test('a run stops at the first element that is not shared, and a small body is still one Buffer', () => {
  const messages = turns(80, 'd');
  const body = { messages: [...messages.slice(0, 50), { role: 'user', content: 'fresh' }, ...messages.slice(50)] };
  piecesOf(body);
  piecesOf(body);
  const small = { messages: turns(3, 'e'), tools: [share({ name: 't' }), share({ name: 'u' })] };
  for (let i = 0; i < 2; i++) assert.deepEqual(jsonBody(small), Buffer.from(JSON.stringify(small)));
});
