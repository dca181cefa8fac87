// response_format on the OpenAI API: JSON mode answers a JSON object, a JSON schema the least value it accepts, so
// structured-output helpers (the SDK's chat.completions.parse()) can be exercised against the simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { placeholderFor } from '../../src/sim/json-placeholder.ts';
import { withSim, openai, parseJson, parseSse, userMessage } from './client.ts';

const KEY = 'sk-sim-good';
const SCENARIO = { keys: { [KEY]: {} } };

type Completion = { choices: { message: { content: string }; finish_reason: string }[] };
const contentOf = (text: string): string => (parseJson(text) as Completion).choices[0]!.message.content;

test('a placeholder has only the required properties, each of its type', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string' }, age: { type: 'integer', minimum: 18 }, score: { type: 'number', exclusiveMinimum: 0 },
      ok: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } }, pair: { type: 'array', items: { type: 'integer' }, minItems: 2 },
      kind: { enum: ['a', 'b'] }, fixed: { const: 7 }, when: { type: 'string', format: 'date-time' }, code: { type: 'string', minLength: 5 },
      maybe: { anyOf: [{ type: 'null' }, { type: 'string' }] }, nested: { $ref: '#/$defs/Inner' }, either: { type: ['null', 'integer'] },
      optional: { type: 'string' },
    },
    required: ['name', 'age', 'score', 'ok', 'tags', 'pair', 'kind', 'fixed', 'when', 'code', 'maybe', 'nested', 'either'],
    $defs: { Inner: { type: 'object', properties: { deep: { type: 'boolean' } }, required: ['deep'] } },
  };
  assert.deepEqual(placeholderFor(schema), {
    name: 'sim', age: 18, score: 0.5, ok: false, tags: [], pair: [0, 0], kind: 'a', fixed: 7, when: '2025-01-01T00:00:00Z',
    code: 'simxx', maybe: 'sim', nested: { deep: false }, either: 0,
  });
  const selfRef = { type: 'object', properties: { child: { $ref: '#' } }, required: ['child'] };
  assert.doesNotThrow(() => JSON.stringify(placeholderFor(selfRef)), 'a recursive schema ends');
});

test('json_object answers {"reply": …}, whole and streamed', async () => {
  await withSim(SCENARIO, async (sim) => {
    const body = { model: 'sim-large', response_format: { type: 'json_object' }, messages: [{ role: 'system', content: 'Answer in JSON.' }, userMessage('hello')] };
    assert.deepEqual(JSON.parse(contentOf((await openai(sim, KEY, body)).text)), { reply: '[sim-large] reply to: hello' });
    const chunks = parseSse((await openai(sim, KEY, { ...body, stream: true })).text).slice(0, -1).map((e) => JSON.parse(e.data) as { choices: { delta: { content?: string } }[] });
    assert.deepEqual(JSON.parse(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')), { reply: '[sim-large] reply to: hello' });
  });
});

test('json_schema answers the least object the schema accepts', async () => {
  await withSim(SCENARIO, async (sim) => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, temp: { type: 'number' } }, required: ['city', 'temp'], additionalProperties: false };
    const r = await openai(sim, KEY, { model: 'sim-large', response_format: { type: 'json_schema', json_schema: { name: 'weather', strict: true, schema } }, messages: [userMessage('weather?')] });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(contentOf(r.text)), { city: 'sim', temp: 0 });
  });
});

test('the OpenAI SDK\'s chat.completions.parse() with a zod schema gets a parsed object', async () => {
  await withSim(SCENARIO, async (sim) => {
    const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const Event = z.object({
      name: z.string(), date: z.string(), attendees: z.array(z.string()), priority: z.enum(['low', 'high']),
      location: z.object({ city: z.string(), floor: z.number().int() }), note: z.string().nullable(),
    });
    const completion = await client.chat.completions.parse({
      model: 'sim-large', response_format: zodResponseFormat(Event, 'event'), messages: [{ role: 'user', content: 'Alice and Bob meet on Friday.' }],
    });
    const parsed = completion.choices[0]?.message.parsed;
    assert.deepEqual(parsed, { name: 'sim', date: 'sim', attendees: [], priority: 'low', location: { city: 'sim', floor: 0 }, note: 'sim' });
  });
});
