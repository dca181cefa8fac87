// Structured output through the real gateway against the simulator, with the official SDKs' own parsers: the
// simulator answers tool arguments and JSON-schema answers with values of the request's schema, so
// chat.completions.parse() with zod (response_format and forced tools), responses.parse() with zodTextFormat and
// the Anthropic SDK's forced tool use all get what their schema accepts — on OpenAI-compatible and Anthropic routes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { zodFunction, zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'sim-large': {}, 'sim-small': {} },
      keys: { 'sk-sim-good-struct-0001': {}, 'sk-ant-good-struct-0001': {} },
    },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-good-struct-0001'),
        ant: simProvider(sim, 'anthropic', 'sk-ant-good-struct-0001'),
      },
      main: { provider: 'oa', model: 'sim-large' },
      auxiliary: { claude: { provider: 'ant', model: 'sim-small', fallback_to_main: false } },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

const openai = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });

const ajv = new Ajv2020({ strict: false });
addFormats.default(ajv);

const Event = z.object({
  title: z.string(),
  when: z.string().datetime(),
  attendees: z.array(z.object({ name: z.string(), email: z.string().email() })),
  priority: z.enum(['low', 'normal', 'high']),
  room: z.number().int().min(1).max(12).nullable(),
  kind: z.discriminatedUnion('type', [
    z.object({ type: z.literal('online'), url: z.string().url() }),
    z.object({ type: z.literal('onsite'), floor: z.number().int() }),
  ]),
});

test('chat.completions.parse() with zodResponseFormat gets a parsed object its schema accepts, streaming too', async () => {
  const completion = await openai().chat.completions.parse({
    model: 'main',
    response_format: zodResponseFormat(Event, 'event'),
    messages: [{ role: 'user', content: 'Alice and Bob meet on Friday.' }],
  });
  const parsed = completion.choices[0]?.message.parsed;
  assert.ok(parsed);
  assert.deepEqual(Event.parse(parsed), parsed);
  assert.equal(parsed.title, 'Alice and Bob meet on Friday.');

  const stream = openai().chat.completions.stream({
    model: 'main',
    response_format: zodResponseFormat(Event, 'event'),
    messages: [{ role: 'user', content: 'Alice and Bob meet on Friday.' }],
  });
  const final = await stream.finalChatCompletion();
  assert.deepEqual(final.choices[0]?.message.parsed, parsed, 'the same request gets the same value');
});

test('a forced zodFunction tool gets parsed_arguments its schema accepts, on an OpenAI and an Anthropic route', async () => {
  for (const model of ['main', 'claude']) {
    const completion = await openai().chat.completions.parse({
      model,
      tools: [zodFunction({ name: 'schedule', parameters: Event })],
      tool_choice: { type: 'function', function: { name: 'schedule' } },
      messages: [{ role: 'user', content: 'book the weekly sync' }],
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function', model);
    assert.deepEqual(Event.parse(call.function.parsed_arguments), call.function.parsed_arguments, model);
  }
});

test('responses.parse() with zodTextFormat, and a Responses function call, give values of their schemas', async () => {
  const res = await openai().responses.parse({
    model: 'main',
    text: { format: zodTextFormat(Event, 'event') },
    input: 'plan the offsite',
  });
  assert.ok(res.output_parsed);
  assert.deepEqual(Event.parse(res.output_parsed), res.output_parsed);

  const parameters = {
    type: 'object',
    properties: { path: { type: 'string' }, line: { type: 'integer', minimum: 1 } },
    required: ['path', 'line'],
    additionalProperties: false,
  };
  const called = await openai().responses.create({
    model: 'claude',
    tools: [{ type: 'function', name: 'open', parameters, strict: true }],
    tool_choice: { type: 'function', name: 'open' },
    input: 'open the file',
  });
  const call = called.output.find((o) => o.type === 'function_call');
  assert.ok(call && call.type === 'function_call');
  assert.ok(ajv.validate(parameters, JSON.parse(call.arguments)), call.arguments);
});

test("the Anthropic SDK's forced tool use gets an input its input_schema accepts, on an Anthropic and an OpenAI route", async () => {
  const input_schema = {
    type: 'object' as const,
    properties: {
      city: { type: 'string' },
      days: { type: 'integer', minimum: 1, maximum: 7 },
      units: { enum: ['metric', 'imperial'] },
      at: { type: 'string', format: 'date-time' },
      detail: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/Detail' }] },
    },
    required: ['city', 'days', 'units', 'at', 'detail'],
    additionalProperties: false,
    $defs: {
      Detail: {
        type: 'object',
        properties: { hourly: { type: 'boolean' } },
        required: ['hourly'],
        additionalProperties: false,
      },
    },
  };
  for (const model of ['claude', 'main']) {
    const message = await anthropic().messages.create({
      model,
      max_tokens: 1024,
      tools: [{ name: 'forecast', description: 'Weather forecast', input_schema }],
      tool_choice: { type: 'tool', name: 'forecast' },
      messages: [{ role: 'user', content: 'what is the weather in Lisbon' }],
    });
    const use = message.content.find((b) => b.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use', model);
    assert.equal(message.stop_reason, 'tool_use', model);
    assert.ok(ajv.validate(input_schema, use.input), `${model}: ${JSON.stringify(use.input)}`);
    assert.equal((use.input as { city: string }).city, 'what is the weather in Lisbon', model);
  }
});
