// Structured answers: JSON mode answers a JSON object; a JSON schema (OpenAI response_format, Anthropic
// output_config.format) and a tool's argument schema get a value the schema accepts — checked here with a real
// validator (ajv), over a table of schemas, and through the OpenAI SDK's chat.completions.parse() with zod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { instanceOf } from '../../src/sim/schema-instance.ts';
import { mulberry32 } from '../../src/sim/rng.ts';
import { anthropicOutputSchema } from '../../src/providers/anthropic/output-format.ts';
import { withSim, openai, anthropic, parseJson, parseSse, userMessage } from './client.ts';

const KEY = 'sk-sim-good';
const SCENARIO = { keys: { [KEY]: {} } };

type Completion = { choices: { message: { content: string }; finish_reason: string }[] };
const contentOf = (text: string): string => (parseJson(text) as Completion).choices[0]!.message.content;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

/** Schemas that cover the keywords structured outputs use. */
const SCHEMAS: Record<string, Record<string, unknown>> = {
  everything: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      age: { type: 'integer', minimum: 18, maximum: 30 },
      score: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      ok: { type: 'boolean' },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
      pair: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 },
      kind: { enum: ['a', 'b', 'c'] },
      fixed: { const: 7 },
      when: { type: 'string', format: 'date-time' },
      mail: { type: 'string', format: 'email' },
      site: { type: 'string', format: 'uri' },
      code: { type: 'string', minLength: 5, maxLength: 8 },
      id: { type: 'string', format: 'uuid' },
      maybe: { anyOf: [{ type: 'null' }, { type: 'string' }] },
      nested: { $ref: '#/$defs/Inner' },
      either: { type: ['null', 'integer'] },
      nothing: { type: 'null' },
      optional: { type: 'string' },
      even: { type: 'integer', multipleOf: 2, minimum: 1, maximum: 9 },
      shape: {
        oneOf: [
          {
            type: 'object',
            properties: { kind: { const: 'circle' }, r: { type: 'number', minimum: 0 } },
            required: ['kind', 'r'],
            additionalProperties: false,
          },
          {
            type: 'object',
            properties: { kind: { const: 'square' }, side: { type: 'number' } },
            required: ['kind', 'side'],
            additionalProperties: false,
          },
        ],
      },
      both: {
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { properties: { b: { type: 'integer' } }, required: ['b'] },
        ],
      },
      unique: { type: 'array', items: { enum: [1, 2, 3] }, minItems: 3, uniqueItems: true },
      word: { type: 'string', pattern: '^[a-z]+$' },
    },
    required: [
      'name',
      'age',
      'score',
      'ok',
      'tags',
      'pair',
      'kind',
      'fixed',
      'when',
      'mail',
      'site',
      'code',
      'id',
      'maybe',
      'nested',
      'either',
      'nothing',
      'even',
      'shape',
      'both',
      'unique',
      'word',
    ],
    additionalProperties: false,
    $defs: {
      Inner: {
        type: 'object',
        properties: { deep: { type: 'boolean' }, list: { type: 'array', items: { $ref: '#/$defs/Inner' } } },
        required: ['deep'],
        additionalProperties: false,
      },
    },
  },
  tree: {
    $ref: '#/definitions/Node',
    definitions: {
      Node: {
        type: 'object',
        properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/definitions/Node' } } },
        required: ['value', 'children'],
      },
    },
  },
  nullableArray: { type: ['array', 'null'], items: { type: 'number', minimum: -5, maximum: -1 }, minItems: 1 },
  noType: { properties: { free: {} }, required: ['free'] },
  emptyObject: { type: 'object', properties: {}, additionalProperties: false },
};

test('a generated value is valid against its schema, for many seeds; the same seed gives the same value', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const validate = ajv.compile(schema);
    for (let seed = 1; seed <= 50; seed++) {
      const value = instanceOf(schema, { rng: mulberry32(seed), text: 'Alice and Bob meet on Friday' });
      assert.ok(validate(value), `${name}, seed ${seed}: ${JSON.stringify(value)}\n${ajv.errorsText(validate.errors)}`);
      assert.deepEqual(
        instanceOf(schema, { rng: mulberry32(seed), text: 'Alice and Bob meet on Friday' }),
        value,
        `${name}, seed ${seed}: deterministic`,
      );
    }
  }
});

test("free strings carry the request's text; optional properties come and go with the seed", () => {
  const schema = {
    type: 'object',
    properties: { note: { type: 'string' }, extra: { type: 'string' } },
    required: ['note'],
  };
  const values = Array.from(
    { length: 20 },
    (_, seed) => instanceOf(schema, { rng: mulberry32(seed), text: 'hello there' }) as Record<string, unknown>,
  );
  assert.ok(values.every((v) => v['note'] === 'hello there'));
  assert.ok(
    values.some((v) => 'extra' in v) && values.some((v) => !('extra' in v)),
    'optional properties are sometimes present',
  );
});

test('json_object answers {"reply": …}, whole and streamed', async () => {
  await withSim(SCENARIO, async (sim) => {
    const body = {
      model: 'sim-large',
      response_format: { type: 'json_object' },
      messages: [{ role: 'system', content: 'Answer in JSON.' }, userMessage('hello')],
    };
    assert.deepEqual(JSON.parse(contentOf((await openai(sim, KEY, body)).text)), {
      reply: '[sim-large] reply to: hello',
    });
    const chunks = parseSse((await openai(sim, KEY, { ...body, stream: true })).text)
      .slice(0, -1)
      .map((e) => JSON.parse(e.data) as { choices: { delta: { content?: string } }[] });
    assert.deepEqual(JSON.parse(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')), {
      reply: '[sim-large] reply to: hello',
    });
  });
});

test('json_schema answers a value of the schema, the same each time for the same request', async () => {
  await withSim(SCENARIO, async (sim) => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, temp: { type: 'number' } },
      required: ['city', 'temp'],
      additionalProperties: false,
    };
    const body = {
      model: 'sim-large',
      response_format: { type: 'json_schema', json_schema: { name: 'weather', strict: true, schema } },
      messages: [userMessage('weather?')],
    };
    const r = await openai(sim, KEY, body);
    assert.equal(r.status, 200);
    const value = JSON.parse(contentOf(r.text)) as { city: string; temp: number };
    assert.ok(ajv.validate(schema, value), JSON.stringify(value));
    assert.equal(value.city, 'weather?');
    assert.deepEqual(JSON.parse(contentOf((await openai(sim, KEY, body)).text)), value);
  });
});

test('Anthropic structured outputs (output_config.format) answer a value of the schema as the text', async () => {
  await withSim(SCENARIO, async (sim) => {
    // As Anthropic takes it: every object closed, no numeric or length bounds (the SDKs' transform; the gateway's).
    const schema = anthropicOutputSchema(SCHEMAS['everything']!);
    const r = await anthropic(sim, KEY, {
      model: 'sim-large',
      max_tokens: 4096,
      output_config: { format: { type: 'json_schema', schema } },
      messages: [userMessage('fill the form')],
    });
    const block = (parseJson(r.text)['content'] as { type: string; text: string }[])[0]!;
    assert.equal(block.type, 'text');
    assert.ok(ajv.validate(schema, JSON.parse(block.text)), block.text);
  });
});

test('Anthropic structured outputs are refused as Anthropic refuses them: an open object, a bound, an older model', async () => {
  const models = { 'sim-large': {}, 'claude-sonnet-4-20250514': {}, 'claude-haiku-4-5': {} };
  await withSim({ ...SCENARIO, models }, async (sim) => {
    const ask = (model: string, schema: Record<string, unknown>) =>
      anthropic(sim, KEY, {
        model,
        max_tokens: 64,
        output_config: { format: { type: 'json_schema', schema } },
        messages: [userMessage('fill the form')],
      });
    const open = await ask('sim-large', { type: 'object', properties: { a: { type: 'string' } } });
    assert.equal(open.status, 400);
    assert.match(open.text, /additionalProperties' must be explicitly set to false/);
    const bounded = await ask('sim-large', {
      type: 'object',
      properties: { n: { type: 'number', minimum: 0 } },
      additionalProperties: false,
    });
    assert.equal(bounded.status, 400);
    assert.match(bounded.text, /output_config\.format\.schema\.properties\.n: property 'minimum' is not supported/);
    const closed = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
    assert.equal((await ask('claude-sonnet-4-20250514', closed)).status, 400);
    assert.equal((await ask('claude-haiku-4-5', closed)).status, 200);
  });
});

test("the OpenAI SDK's chat.completions.parse() with a zod schema gets a parsed object", async () => {
  await withSim(SCENARIO, async (sim) => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const Event = z.object({
      name: z.string(),
      date: z.string(),
      attendees: z.array(z.string()),
      priority: z.enum(['low', 'high']),
      location: z.object({ city: z.string(), floor: z.number().int() }),
      note: z.string().nullable(),
    });
    const completion = await client.chat.completions.parse({
      model: 'sim-large',
      response_format: zodResponseFormat(Event, 'event'),
      messages: [{ role: 'user', content: 'Alice and Bob meet on Friday.' }],
    });
    const parsed = completion.choices[0]?.message.parsed;
    assert.ok(parsed, 'parsed');
    assert.deepEqual(Event.parse(parsed), parsed);
    assert.equal(parsed.name, 'Alice and Bob meet on Friday.');
  });
});
