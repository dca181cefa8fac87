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
