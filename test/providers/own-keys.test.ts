// A caller's JSON may hold a `__proto__` key (JSON.parse keeps it as an own property): the translators that copy a
// caller's schema keys keep it as a key, never making it the prototype of the object they build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicInputSchema } from '../../src/providers/anthropic/input-schema.ts';
import { anthropicOutputSchema } from '../../src/providers/anthropic/output-format.ts';

const hostile = (): Record<string, unknown> =>
  JSON.parse('{"type":"object","__proto__":{"injected":true},"properties":{"__proto__":{"type":"string"}}}') as Record<
    string,
    unknown
  >;

test('a __proto__ key in a caller schema stays an own key of the Anthropic output schema', () => {
  const out = anthropicOutputSchema(hostile());
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(Object.hasOwn(out, '__proto__'), true);
  assert.equal(out['injected'], undefined);
  assert.match(JSON.stringify(out), /"__proto__":\{"injected":true\}/);
});

test('a __proto__ property in a tool schema branch stays a property of the merged input schema', () => {
  const schema = JSON.parse(
    '{"anyOf":[{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"number"}}}]}',
  ) as Record<string, unknown>;
  const properties = anthropicInputSchema(schema)['properties'] as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(properties), Object.prototype);
  assert.deepEqual(Object.keys(properties).sort(), ['__proto__', 'constructor']);
});
