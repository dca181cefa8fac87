// An OpenAI model's refusal (structured outputs: `message.refusal`, finish_reason `stop`) and its reasoning-token
// count, from an OpenAI upstream to every caller shape, through the official SDKs, answered and streamed. The
// simulator answers neither, so the upstream here is a loopback server scripted by the prompt: "refuse" gets the
// refusal, anything else an answer whose usage counts reasoning and cached tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startCannedHarness, type Harness } from './harness.ts';
import { startCannedUpstream, type CannedUpstream } from '../helpers/canned-upstream.ts';

const KEY = 'sk-scripted-refusal-0001';
const REFUSAL = "I can't help with that.";
const USAGE = {
  prompt_tokens: 100,
  completion_tokens: 20,
  total_tokens: 120,
  prompt_tokens_details: { cached_tokens: 40 },
  completion_tokens_details: { reasoning_tokens: 5 },
};
const ANSWER = '{"city":"Paris"}';

const frame = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;

/** The upstream's answer to a chat completions body: whole, or as OpenAI streams it (refusal deltas, then usage). */
function answer(body: { stream?: boolean; messages: { content: unknown }[] }): { type: string; body: string } {
  const refuse = JSON.stringify(body.messages.at(-1)?.content).includes('refuse');
  const head = { id: 'chatcmpl-scripted', created: 0, model: 'gpt-scripted' };
  if (body.stream !== true) {
    const message = refuse
      ? { role: 'assistant', content: null, refusal: REFUSAL }
      : { role: 'assistant', content: ANSWER, refusal: null };
    return {
      type: 'application/json',
      body: JSON.stringify({
        ...head,
        object: 'chat.completion',
        choices: [{ index: 0, message, finish_reason: 'stop' }],
        usage: USAGE,
      }),
    };
  }
  const chunk = (delta: unknown, finish: string | null = null) => ({
    ...head,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const pieces = refuse
    ? [{ refusal: "I can't " }, { refusal: 'help with that.' }]
    : [{ content: '{"city":' }, { content: '"Paris"}' }];
  return {
    type: 'text/event-stream',
    body: [
      frame(chunk({ role: 'assistant', content: refuse ? null : '', refusal: null })),
      ...pieces.map((p) => frame(chunk(p))),
      frame(chunk({}, 'stop')),
      frame({ ...head, object: 'chat.completion.chunk', choices: [], usage: USAGE }),
      'data: [DONE]\n\n',
    ].join(''),
  };
}

let up: CannedUpstream;
let h: Harness;

before(async () => {
  up = await startCannedUpstream([], (request) => {
    const a = answer(request);
    return { status: 200, body: a.body, headers: { 'content-type': a.type } };
  });
  h = await startCannedHarness(up, { type: 'openai', key: KEY, model: 'gpt-scripted' });
});
after(async () => {
  await h.close();
  await up.close();
});

const anthropic = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
const openai = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });

const CITY_FORMAT = {
  type: 'json_schema' as const,
  json_schema: {
    name: 'city',
    strict: true,
    schema: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

test('OpenAI SDK (chat completions): parse() gets the refusal as message.refusal with parsed null and finish_reason stop, answered and streamed', async () => {
  const request = {
    model: 'main',
    messages: [{ role: 'user' as const, content: 'refuse this' }],
    response_format: CITY_FORMAT,
  };
  const whole = await openai().chat.completions.parse(request);
  const choice = whole.choices[0];
  assert.deepEqual(
    [choice?.finish_reason, choice?.message.refusal, choice?.message.content, choice?.message.parsed],
    ['stop', REFUSAL, null, null],
  );

  const streamed = await openai().chat.completions.stream(request).finalChatCompletion();
  const last = streamed.choices[0];
  assert.deepEqual([last?.finish_reason, last?.message.refusal, last?.message.parsed], ['stop', REFUSAL, null]);
  assert.ok(!last?.message.content, `no text beside the refusal, got ${JSON.stringify(last?.message.content)}`);

  // The raw chunks: the refusal arrives as `delta.refusal`, never as content.
  const refusalDeltas: string[] = [];
  for await (const chunk of await openai().chat.completions.create({ ...request, stream: true })) {
    const delta = chunk.choices[0]?.delta;
    if (delta?.refusal) refusalDeltas.push(delta.refusal);
    assert.ok(!delta?.content, `content in a refusal stream: ${JSON.stringify(delta)}`);
  }
  assert.equal(refusalDeltas.join(''), REFUSAL);
});

test('OpenAI SDK (chat completions): an answer that is not refused still parses', async () => {
  const whole = await openai().chat.completions.parse({
    model: 'main',
    messages: [{ role: 'user', content: 'where?' }],
    response_format: CITY_FORMAT,
  });
  assert.deepEqual(whole.choices[0]?.message.parsed, { city: 'Paris' });
  assert.equal(whole.choices[0]?.message.refusal, null);
});

test('OpenAI SDK (responses): the refusal is a refusal part of a completed message, answered and streamed', async () => {
  const whole = await openai().responses.create({ model: 'main', input: 'refuse this' });
  assert.deepEqual([whole.status, whole.incomplete_details], ['completed', null]);
  const message = whole.output[0];
  assert.equal(message?.type, 'message');
  assert.deepEqual(message?.type === 'message' ? [message.status, message.content] : undefined, [
    'completed',
    [{ type: 'refusal', refusal: REFUSAL }],
  ]);

  const types: string[] = [];
  const stream = openai().responses.stream({ model: 'main', input: 'refuse this' });
  stream.on('event', (e) => types.push(e.type));
  const streamed = await stream.finalResponse();
  assert.deepEqual([streamed.status, streamed.incomplete_details], ['completed', null]);
  const item = streamed.output[0];
  // The stream helper adds its own `parsed: null` to each part: compared without it.
  const parts =
    item?.type === 'message'
      ? item.content.map((p) => (p.type === 'refusal' ? { type: p.type, refusal: p.refusal } : p))
      : [];
  assert.deepEqual(
    [item?.type === 'message' ? item.status : item?.type, parts],
    ['completed', [{ type: 'refusal', refusal: REFUSAL }]],
  );
  assert.ok(types.includes('response.refusal.delta') && types.includes('response.refusal.done'), types.join(' '));
  assert.ok(!types.includes('response.output_text.delta'), types.join(' '));
});

test('Anthropic SDK: an OpenAI refusal is its text, ending "refusal", answered and streamed', async () => {
  const request = { model: 'main', max_tokens: 50, messages: [{ role: 'user' as const, content: 'refuse this' }] };
  const whole = await anthropic().messages.create(request);
  assert.equal(whole.stop_reason, 'refusal');
  assert.deepEqual(
    whole.content.map((b) => (b.type === 'text' ? b.text : b.type)),
    [REFUSAL],
  );
  const streamed = await anthropic().messages.stream(request).finalMessage();
  assert.equal(streamed.stop_reason, 'refusal');
  assert.deepEqual(
    streamed.content.map((b) => (b.type === 'text' ? b.text : b.type)),
    [REFUSAL],
  );
});

test('reasoning tokens reach an OpenAI caller in completion_tokens_details, answered and streamed', async () => {
  const request = { model: 'main', messages: [{ role: 'user' as const, content: 'where?' }] };
  const whole = await openai().chat.completions.create(request);
  assert.deepEqual(whole.usage, USAGE);
  let usage: unknown;
  for await (const chunk of await openai().chat.completions.create({
    ...request,
    stream: true,
    stream_options: { include_usage: true },
  }))
    usage = chunk.usage ?? usage;
  assert.deepEqual(usage, USAGE);
});

test('reasoning tokens reach a Responses caller in output_tokens_details, answered and streamed', async () => {
  const expected = {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 40 },
    output_tokens: 20,
    output_tokens_details: { reasoning_tokens: 5 },
    total_tokens: 120,
  };
  const whole = await openai().responses.create({ model: 'main', input: 'where?' });
  assert.deepEqual(whole.usage, expected);
  const streamed = await openai().responses.stream({ model: 'main', input: 'where?' }).finalResponse();
  assert.deepEqual(streamed.usage, expected);
});

test('an Anthropic caller gets the reasoning count as output_tokens_details.thinking_tokens', async () => {
  const request = { model: 'main', max_tokens: 50, messages: [{ role: 'user' as const, content: 'where?' }] };
  const expected = {
    input_tokens: 60,
    output_tokens: 20,
    cache_read_input_tokens: 40,
    cache_creation_input_tokens: 0,
    output_tokens_details: { thinking_tokens: 5 },
  };
  const whole = await anthropic().messages.create(request);
  assert.deepEqual(whole.usage, expected);
  const streamed = await anthropic().messages.stream(request).finalMessage();
  assert.deepEqual(streamed.usage, expected);
});
