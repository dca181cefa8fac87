// A request body serialised in pieces is JSON.stringify's bytes, byte for byte, whatever it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonBytes } from '../../src/providers/translate/json-bytes.ts';

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
