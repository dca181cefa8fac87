// What an Anthropic route is sent for a JSON answer: `output_config.format` for a model with structured outputs,
// the prompt instruction for a Claude model without, both for a name that is no Claude model's; and the schema as
// Anthropic takes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toAnthropicRequest } from '../../src/providers/anthropic/request.ts';
import { parseAnthropicRequest } from '../../src/gateway/wire/anthropic/request.ts';
import { anthropicOutputSchema, jsonAskFor } from '../../src/providers/anthropic/output-format.ts';
import type { ChatRequest } from '../../src/providers/types.ts';

const SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};

const ask = (model: string, format: ChatRequest['response_format']): Record<string, unknown> =>
  toAnthropicRequest({ model, messages: [{ role: 'user', content: 'x' }], response_format: format }, { stream: false });

const jsonSchema = { type: 'json_schema' as const, json_schema: { name: 'city', schema: SCHEMA } };

test('a model with structured outputs gets output_config.format and no prompt instruction', () => {
  for (const model of ['claude-sonnet-4-5', 'claude-opus-4-5-20251101', 'claude-haiku-4-5', 'claude-opus-5-5']) {
    const body = ask(model, jsonSchema);
    assert.deepEqual(body['output_config'], { format: { type: 'json_schema', schema: SCHEMA } }, model);
    assert.equal(body['system'], undefined, model);
  }
});

test('a Claude model without them gets the instruction only; a non-Claude name gets both', () => {
  const old = ask('claude-sonnet-4-20250514', jsonSchema);
  assert.equal(old['output_config'], undefined);
  assert.match(String(old['system']), /^Answer with one JSON object/);
  const other = ask('kimi-k2', jsonSchema);
  assert.deepEqual(other['output_config'], { format: { type: 'json_schema', schema: SCHEMA } });
  assert.match(String(other['system']), /^Answer with one JSON object/);
  assert.deepEqual(
    [jsonAskFor('claude-sonnet-4-5'), jsonAskFor('claude-3-7-sonnet-latest'), jsonAskFor('claude-opus-4-1')],
    ['native', 'instruction', 'instruction'],
  );
});

test('json_object has no native form: the instruction alone, whatever the model', () => {
  const body = ask('claude-sonnet-4-5', { type: 'json_object' });
  assert.equal(body['output_config'], undefined);
  assert.match(String(body['system']), /^Answer with one JSON object and nothing else/);
});

test("an Anthropic caller's output_config keeps its effort beside the format on an Anthropic route", () => {
  const { request } = parseAnthropicRequest({
    model: 'claude-opus-5-5',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'x' }],
    output_config: { effort: 'low', format: { type: 'json_schema', schema: SCHEMA } },
  });
  const body = toAnthropicRequest(request, { stream: false });
  assert.deepEqual(body['output_config'], { effort: 'low', format: { type: 'json_schema', schema: SCHEMA } });
});

test('the schema as Anthropic takes it: objects closed, oneOf as anyOf, refused bounds in the description', () => {
  assert.deepEqual(
    anthropicOutputSchema({
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 1, maximum: 5, description: 'stars' },
        tags: { type: 'array', items: { type: 'object', properties: {} }, minItems: 2 },
        pick: { oneOf: [{ type: 'string' }, { type: 'null' }] },
        both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } } }] },
      },
    }),
    {
      type: 'object',
      properties: {
        n: { type: 'integer', description: 'stars\n\n{minimum: 1, maximum: 5}' },
        tags: {
          type: 'array',
          items: { type: 'object', properties: {}, additionalProperties: false },
          description: '{minItems: 2}',
        },
        pick: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } } }] },
      },
      additionalProperties: false,
    },
  );
});
