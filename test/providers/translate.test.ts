// Canonical ⇄ each wire shape, including tools and tool results, and the stream encoders/decoders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest, ChatResponse, StreamEvent } from '../../src/providers/types.ts';
import { toOpenAIRequest } from '../../src/providers/openai/request.ts';
import { fromOpenAIResponse } from '../../src/providers/openai/answer.ts';
import { toOpenAIResponse } from '../../src/gateway/wire/openai/answer.ts';
import { parseOpenAIRequest } from '../../src/gateway/wire/openai/request.ts';
import { createOpenAIChunkDecoder } from '../../src/providers/openai/stream.ts';
import { createOpenAIChunkEncoder } from '../../src/gateway/wire/openai/stream.ts';
import { DEFAULT_MAX_TOKENS, toAnthropicRequest } from '../../src/providers/anthropic/request.ts';
import { fromAnthropicResponse } from '../../src/providers/anthropic/answer.ts';
import { toAnthropicResponse } from '../../src/gateway/wire/anthropic/answer.ts';
import { parseAnthropicRequest } from '../../src/gateway/wire/anthropic/request.ts';
import { createAnthropicEventDecoder } from '../../src/providers/anthropic/stream.ts';
import { createAnthropicEventEncoder } from '../../src/gateway/wire/anthropic/stream.ts';
import { toResponsesResponse } from '../../src/gateway/wire/responses/answer.ts';
import { WireRequestError } from '../../src/providers/translate/wire-error.ts';
import {
  usageFromOpenAI,
  usageToAnthropic,
  usageToOpenAI,
  usageToResponses,
} from '../../src/providers/translate/usage.ts';

const CONVERSATION: ChatRequest = {
  model: 'm',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Weather in Paris and Rome?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    { role: 'tool', tool_call_id: 'call_2', content: 'rain' },
    { role: 'assistant', content: 'Paris sunny, Rome rain.' },
    { role: 'user', content: 'Thanks' },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  ],
  tool_choice: { name: 'get_weather' },
  max_tokens: 100,
  temperature: 0.5,
  top_p: 0.9,
  stop: ['END'],
};

test('openai request: canonical → wire → canonical', () => {
  const wire = toOpenAIRequest(CONVERSATION, { stream: false });
  assert.equal(wire['stream'], undefined);
  const back = parseOpenAIRequest(JSON.parse(JSON.stringify(wire)));
  assert.deepEqual(back.request, CONVERSATION);
  assert.equal(back.stream, false);
});

test('openai request: streaming asks for usage', () => {
  const wire = toOpenAIRequest(CONVERSATION, { stream: true });
  assert.equal(wire['stream'], true);
  assert.deepEqual(wire['stream_options'], { include_usage: true });
  const back = parseOpenAIRequest(wire);
  assert.equal(back.stream, true);
  assert.equal(back.includeUsage, true);
});

test('openai request: SDK variants (developer role, content parts, string stop, max_completion_tokens)', () => {
  const { request } = parseOpenAIRequest({
    model: 'x',
    max_completion_tokens: 7,
    stop: 'X',
    stream_options: null,
    prediction: { type: 'content', content: 'ignored' },
    messages: [
      { role: 'developer', content: 'sys' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ],
  });
  assert.deepEqual(request, {
    model: 'x',
    max_tokens: 7,
    stop: ['X'],
    messages: [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'ab' },
    ],
  });
});

test('openai request: bad bodies give located errors', () => {
  const cases: [unknown, RegExp][] = [
    [
      {
        model: 'x',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
          { role: 'robot', content: 'c' },
        ],
      },
      /^messages\[2\]\.role: expected one of/,
    ],
    [{ messages: [{ role: 'user', content: 'a' }] }, /^model is required \(a string\)/],
    [{ model: 'x', messages: [] }, /^messages: /],
    [{ model: 'x', messages: [{ role: 'tool', content: 'a' }] }, /^messages\[0\]\.tool_call_id: required/],
    [
      { model: 'x', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] },
      /^messages\[0\]\.content\[0\]\.type: content part "input_audio" is not supported; text and image_url parts are/,
    ],
    [
      { model: 'x', messages: [{ role: 'user', content: 'a' }], temperature: 'hot' },
      /^temperature: expected a number, got a string/,
    ],
    [
      { model: 'x', messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] },
      /^messages\[0\]\.content\[0\]\.text: expected a string, got a number/,
    ],
    [
      { model: 'x', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'x' }] }] },
      /^messages\[0\]\.content\[0\]\.image_url: expected an object/,
    ],
    [
      { model: 'x', messages: [{ role: 'user', content: 'a' }], stop: 5 },
      /^stop: expected a string or an array of strings/,
    ],
    ['not json object', /^the body must be a JSON object/],
  ];
  for (const [body, pattern] of cases) {
    assert.throws(
      () => parseOpenAIRequest(body),
      (e: unknown) => WireRequestError.isInstance(e) && pattern.test(e.message),
      String(pattern),
    );
  }
});

const RESPONSE: ChatResponse = {
  id: 'r1',
  model: 'm',
  content: 'Checking.',
  finish_reason: 'tool_calls',
  tool_calls: [{ id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
  usage: { input_tokens: 12, output_tokens: 5 },
};

test('openai response: canonical → wire → canonical', () => {
  const wire = toOpenAIResponse(RESPONSE, { created: 1 });
  assert.equal(wire['object'], 'chat.completion');
  assert.deepEqual(wire['usage'], { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
  // The message as OpenAI sends it: refusal null and annotations empty, always.
  assert.deepEqual((wire['choices'] as { message: unknown }[])[0]?.message, {
    role: 'assistant',
    content: 'Checking.',
    refusal: null,
    annotations: [],
    tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
  });
  // The id takes the caller's API shape; the upstream's stays in it for matching logs.
  assert.deepEqual(fromOpenAIResponse(wire), { ...RESPONSE, id: 'chatcmpl-r1' });
  assert.equal(fromOpenAIResponse({ nope: true }), undefined);
});

test('anthropic request: canonical → wire shape', () => {
  const wire = toAnthropicRequest(CONVERSATION, { stream: true });
  assert.equal(wire['system'], 'You are terse.');
  assert.deepEqual(wire['stop_sequences'], ['END']);
  assert.deepEqual(wire['tool_choice'], { type: 'tool', name: 'get_weather' });
  assert.deepEqual(wire['tools'], [
    { name: 'get_weather', description: 'Weather', input_schema: CONVERSATION.tools?.[0]?.parameters },
  ]);
  const messages = wire['messages'] as { role: string; content: Record<string, unknown>[] }[];
  assert.deepEqual(
    messages.map((m) => m.role),
    ['user', 'assistant', 'user', 'assistant', 'user'],
  );
  assert.deepEqual(messages[1]?.content, [
    { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
    { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
  ]);
  // Consecutive tool results are merged into one user turn.
  assert.deepEqual(messages[2]?.content, [
    { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
    { type: 'tool_result', tool_use_id: 'call_2', content: 'rain' },
  ]);
  assert.equal(wire['stream'], true);
});

test('anthropic request: canonical → wire → canonical', () => {
  const back = parseAnthropicRequest(toAnthropicRequest(CONVERSATION, { stream: false }));
  // Tool-call arguments come back as re-serialised JSON; the rest is identical.
  assert.deepEqual(back.request, CONVERSATION);
  assert.equal(back.stream, false);
});

test('anthropic request: defaults and tool_choice', () => {
  const wire = toAnthropicRequest(
    { model: 'm', messages: [{ role: 'user', content: 'hi' }], tool_choice: 'required' },
    { stream: false },
  );
  assert.equal(wire['max_tokens'], DEFAULT_MAX_TOKENS);
  assert.deepEqual(wire['tool_choice'], { type: 'any' });
  assert.equal(wire['system'], undefined);
  const bad = toAnthropicRequest(
    {
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'a', name: 'f', arguments: 'not json' }] },
      ],
    },
    { stream: false },
  );
  assert.deepEqual((bad['messages'] as { content: unknown[] }[])[1]?.content, [
    { type: 'tool_use', id: 'a', name: 'f', input: { _raw: 'not json' } },
  ]);
});

test('anthropic request from a client: system blocks, user turn with tool results then text', () => {
  const { request } = parseAnthropicRequest({
    model: 'claude',
    max_tokens: 50,
    system: [
      { type: 'text', text: 'S1' },
      { type: 'text', text: 'S2' },
    ],
    messages: [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'ok' },
          { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'done' }] },
          { type: 'text', text: 'next?' },
        ],
      },
    ],
    tools: [{ name: 'f', input_schema: { type: 'object' } }],
    tool_choice: { type: 'any' },
  });
  assert.deepEqual(request.messages, [
    { role: 'system', content: 'S1\nS2' },
    { role: 'user', content: 'go' },
    { role: 'assistant', content: 'ok', tool_calls: [{ id: 't1', name: 'f', arguments: '{"a":1}' }] },
    { role: 'tool', tool_call_id: 't1', content: 'done' },
    { role: 'user', content: 'next?' },
  ]);
  assert.equal(request.tool_choice, 'required');
  assert.equal(request.max_tokens, 50);
});

test('anthropic request: bad bodies give located errors', () => {
  const cases: [unknown, RegExp][] = [
    [
      {
        model: 'c',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'developer', content: 'b' },
        ],
      },
      /^messages\[1\]\.role: expected one of/,
    ],
    [
      {
        model: 'c',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'system', content: [{ type: 'image', source: {} }] },
        ],
      },
      /^messages\[1\]\.content\[0\]\.type: block "image" is not supported in a system message; text blocks are/,
    ],
    [
      { model: 'c', messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] },
      /^messages\[0\]\.content\[0\]\.type: block "document" is not supported/,
    ],
    [
      { model: 'c', messages: [{ role: 'user', content: 'a' }], tool_choice: { type: 'tool' } },
      /^tool_choice\.name: required/,
    ],
    [
      { model: 'c', messages: [{ role: 'user', content: 5 }] },
      /^messages\[0\]\.content: expected a string or an array/,
    ],
    [
      { model: 'c', messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 5 }] }] },
      /^messages\[0\]\.content\[0\]\.content: expected a string or an array of text and image blocks/,
    ],
    [
      { model: 'c', messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', input: {} }] }] },
      /^messages\[0\]\.content\[0\]\.name is required/,
    ],
    [
      { model: 'c', messages: [{ role: 'user', content: 'a' }], tool_choice: { type: 'tool', name: 'f' } },
      /^tool_choice: names the tool "f", which is not in tools/,
    ],
  ];
  for (const [body, pattern] of cases) {
    assert.throws(
      () => parseAnthropicRequest(body),
      (e: unknown) => WireRequestError.isInstance(e) && pattern.test(e.message),
      String(pattern),
    );
  }
});

test('anthropic response: canonical → wire → canonical', () => {
  const wire = toAnthropicResponse(RESPONSE);
  assert.equal(wire['stop_reason'], 'tool_use');
  assert.deepEqual(wire['usage'], { input_tokens: 12, output_tokens: 5 });
  assert.deepEqual(fromAnthropicResponse(wire), { ...RESPONSE, id: 'msg_r1' });
  const refusal = fromAnthropicResponse({ id: 'x', model: 'm', content: [], stop_reason: 'refusal' });
  assert.equal(refusal?.finish_reason, 'content_filter');
});

// An OpenAI stream's calls may interleave, so its decoder ends them all with the stream.
const EVENTS: StreamEvent[] = [
  { type: 'start', id: 'id1', model: 'm' },
  { type: 'text_start', id: 'txt-0' },
  { type: 'text', text: 'Let me ', id: 'txt-0' },
  { type: 'text', text: 'check.', id: 'txt-0' },
  { type: 'text_end', id: 'txt-0' },
  { type: 'tool_call_start', index: 0, id: 'c1', name: 'f' },
  { type: 'tool_call_delta', index: 0, arguments: '{"a":', id: 'c1' },
  { type: 'tool_call_delta', index: 0, arguments: '1}', id: 'c1' },
  { type: 'tool_call_start', index: 1, id: 'c2', name: 'g' },
  { type: 'tool_call_delta', index: 1, arguments: '{}', id: 'c2' },
  { type: 'tool_call_end', index: 0, id: 'c1' },
  { type: 'tool_call_end', index: 1, id: 'c2' },
  { type: 'finish', finish_reason: 'tool_calls', usage: { input_tokens: 3, output_tokens: 4 } },
];

/** The events as they come back: the start event's id in the encoded API's shape (and OpenAI's time). */
function withStartId(events: StreamEvent[], id: string, created?: number): StreamEvent[] {
  return events.map((e) => (e.type === 'start' ? { ...e, id, ...(created !== undefined ? { created } : {}) } : e));
}

test('openai stream: events → chunks → events', () => {
  const encode = createOpenAIChunkEncoder({ includeUsage: true, created: 1 });
  const chunks = EVENTS.flatMap(encode);
  // The usage chunk has no choices, as OpenAI sends it; the first delta carries `refusal: null`, as OpenAI's does.
  assert.deepEqual((chunks.at(-1) as { choices: unknown[] }).choices, []);
  assert.deepEqual((chunks[0] as { choices: { delta: unknown }[] }).choices[0]?.delta, {
    role: 'assistant',
    content: '',
    refusal: null,
  });
  const decoder = createOpenAIChunkDecoder();
  const back = [...chunks.flatMap((c) => decoder.push(JSON.parse(JSON.stringify(c)))), ...decoder.end()];
  assert.deepEqual(back, withStartId(EVENTS, 'chatcmpl-id1', 1));
});

test('openai stream decoder: a stream without finish_reason is incomplete', () => {
  const decoder = createOpenAIChunkDecoder();
  decoder.push({ id: 'x', model: 'm', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] });
  assert.equal(decoder.complete, false);
  assert.deepEqual(decoder.end(), []);
});

test('anthropic stream: events → SSE events → events', () => {
  const encode = createAnthropicEventEncoder();
  const sse = EVENTS.flatMap(encode);
  assert.deepEqual(
    sse.map((e) => e.event),
    [
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      // A tool call's arguments are held until its block stops, then written as one delta (tool-input.ts).
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ],
  );
  for (const e of sse) assert.equal(e.data['type'], e.event);
  const decoder = createAnthropicEventDecoder();
  const back = [
    ...sse.flatMap((e) => decoder.push(JSON.parse(JSON.stringify(e.data))).events),
    ...(decoder.end() ?? []),
  ];
  // Anthropic's blocks come one after another: each call's input whole, and its end before the next starts.
  const serial: StreamEvent[] = [
    ...EVENTS.slice(0, 6),
    { type: 'tool_call_delta', index: 0, arguments: '{"a":1}', id: 'c1' },
    { type: 'tool_call_end', index: 0, id: 'c1' },
    { type: 'tool_call_start', index: 1, id: 'c2', name: 'g' },
    { type: 'tool_call_delta', index: 1, arguments: '{}', id: 'c2' },
    { type: 'tool_call_end', index: 1, id: 'c2' },
    EVENTS.at(-1)!,
  ];
  assert.deepEqual(back, withStartId(serial, 'msg_id1'));
});

test('anthropic stream decoder: no message_stop means incomplete', () => {
  const decoder = createAnthropicEventDecoder();
  decoder.push({ type: 'message_start', message: { id: 'x', model: 'm', usage: { input_tokens: 1 } } });
  assert.equal(decoder.end(), undefined);
});

test('an OpenAI refusal (structured outputs) is kept apart from the text and finishes as the upstream said, answer and stream', () => {
  const res = fromOpenAIResponse({
    id: 'r',
    model: 'm',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
        finish_reason: 'stop',
      },
    ],
  });
  assert.equal(res?.content, '');
  assert.equal(res?.refusal, 'I cannot help with that.');
  assert.equal(res?.finish_reason, 'stop');
  const decoder = createOpenAIChunkDecoder();
  const events = [
    ...decoder.push({
      id: 'r',
      model: 'm',
      choices: [{ index: 0, delta: { role: 'assistant', refusal: 'I cannot ' } }],
    }),
    ...decoder.push({ id: 'r', model: 'm', choices: [{ index: 0, delta: { refusal: 'help.' } }] }),
    ...decoder.push({ id: 'r', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    ...decoder.end(),
  ];
  assert.equal(events.map((e) => (e.type === 'refusal' ? e.text : '')).join(''), 'I cannot help.');
  assert.equal(
    events.some((e) => e.type === 'text'),
    false,
  );
  assert.deepEqual(events.at(-1), { type: 'finish', finish_reason: 'stop' });
});

test('reasoning tokens: read from an OpenAI usage, given back in chat, Responses and Anthropic usage', () => {
  const usage = usageFromOpenAI({
    prompt_tokens: 100,
    completion_tokens: 20,
    total_tokens: 120,
    prompt_tokens_details: { cached_tokens: 40 },
    completion_tokens_details: { reasoning_tokens: 5 },
  });
  assert.deepEqual(usage, { input_tokens: 100, output_tokens: 20, cache_read_tokens: 40, reasoning_tokens: 5 });
  assert.deepEqual(usageToOpenAI(usage!), {
    prompt_tokens: 100,
    completion_tokens: 20,
    total_tokens: 120,
    prompt_tokens_details: { cached_tokens: 40 },
    completion_tokens_details: { reasoning_tokens: 5 },
  });
  assert.deepEqual(usageToResponses(usage!)['output_tokens_details'], { reasoning_tokens: 5 });
  assert.deepEqual(usageToAnthropic(usage), {
    input_tokens: 60,
    output_tokens: 20,
    cache_read_input_tokens: 40,
    cache_creation_input_tokens: 0,
    output_tokens_details: { thinking_tokens: 5 },
  });
  // Without the count, no completion_tokens_details is made up.
  assert.equal(usageToOpenAI({ input_tokens: 1, output_tokens: 2 })['completion_tokens_details'], undefined);
});

test('anthropic stream encoder: interleaved argument pieces of parallel tool calls each land in their own block', () => {
  const encode = createAnthropicEventEncoder();
  const events: StreamEvent[] = [
    { type: 'start', id: 'x', model: 'm' },
    { type: 'tool_call_start', index: 0, id: 'call_A', name: 'weather' },
    { type: 'tool_call_start', index: 1, id: 'call_B', name: 'time' },
    { type: 'tool_call_delta', index: 1, arguments: '{"tz"' },
    { type: 'tool_call_delta', index: 0, arguments: '{"city":' },
    { type: 'tool_call_delta', index: 1, arguments: ':"UTC"}' },
    { type: 'tool_call_delta', index: 0, arguments: '"Paris"}' },
    { type: 'finish', finish_reason: 'tool_calls' },
  ];
  const sse = events.flatMap(encode);
  const inputs = new Map<number, string>();
  let open: number | undefined;
  for (const e of sse) {
    const d = e.data as { index?: number; delta?: { partial_json?: string } };
    if (e.event === 'content_block_start') {
      assert.equal(open, undefined, 'a block starts only after the previous one stopped');
      open = d.index;
    }
    if (e.event === 'content_block_delta') {
      assert.equal(d.index, open);
      inputs.set(d.index!, (inputs.get(d.index!) ?? '') + (d.delta?.partial_json ?? ''));
    }
    if (e.event === 'content_block_stop') open = undefined;
  }
  assert.deepEqual(
    [...inputs.values()].map((t) => JSON.parse(t)),
    [{ city: 'Paris' }, { tz: 'UTC' }],
  );
  const decoder = createAnthropicEventDecoder();
  const back = sse.flatMap((e) => decoder.push(JSON.parse(JSON.stringify(e.data))).events);
  assert.deepEqual(
    back.filter((e) => e.type === 'tool_call_start').map((e) => (e.type === 'tool_call_start' ? e.id : '')),
    ['call_A', 'call_B'],
  );
});

test('streams: a tool call without arguments is {} and tool calls finishing "stop" finish tool_calls, as in whole answers', () => {
  const anthropic = createAnthropicEventDecoder();
  const fromAnthropic = [
    { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'now', input: {} } },
    { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } },
    { type: 'message_stop' },
  ].flatMap((d) => anthropic.push(d).events);
  fromAnthropic.push(...(anthropic.end() ?? []));
  assert.deepEqual(
    fromAnthropic.filter((e) => e.type === 'tool_call_delta'),
    [{ type: 'tool_call_delta', index: 0, arguments: '{}', id: 't' }],
  );
  assert.equal((fromAnthropic.at(-1) as { finish_reason: string }).finish_reason, 'tool_calls');
  const openai = createOpenAIChunkDecoder();
  const pieces = openai.push({
    id: 'x',
    model: 'm',
    choices: [
      { index: 0, delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: { a: 1 } } }] } },
    ],
  });
  assert.deepEqual(
    pieces.at(-1),
    { type: 'tool_call_delta', index: 0, arguments: '{"a":1}', id: 'c' },
    'arguments given as an object',
  );
  openai.push({ id: 'x', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  assert.deepEqual(openai.end(), [
    { type: 'tool_call_end', index: 0, id: 'c' },
    { type: 'finish', finish_reason: 'tool_calls' },
  ]);
});

test('anthropic request: instructions alone become the user turn (Anthropic needs one)', () => {
  const wire = toAnthropicRequest(
    { model: 'm', messages: [{ role: 'system', content: 'Say hi.' }] },
    { stream: false },
  );
  assert.deepEqual(wire['messages'], [{ role: 'user', content: [{ type: 'text', text: 'Say hi.' }] }]);
  assert.equal(wire['system'], undefined);
});

test('a failed tool result: Anthropic is_error survives to an Anthropic route; an OpenAI route reads "Error: " in the content', () => {
  const { request } = parseAnthropicRequest({
    model: 'c',
    max_tokens: 10,
    messages: [
      { role: 'user', content: 'run it' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 't1', name: 'bash', input: {} },
          { type: 'tool_use', id: 't2', name: 'bash', input: {} },
          { type: 'tool_use', id: 't3', name: 'bash', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'permission denied', is_error: true },
          { type: 'tool_result', tool_use_id: 't2', content: 'Error: exit code 1', is_error: true },
          { type: 'tool_result', tool_use_id: 't3', content: 'fine', is_error: false },
        ],
      },
    ],
  });
  assert.deepEqual(request.messages.slice(2), [
    { role: 'tool', tool_call_id: 't1', content: 'permission denied', is_error: true },
    { role: 'tool', tool_call_id: 't2', content: 'Error: exit code 1', is_error: true },
    // Only a failure is marked: a result that succeeded carries nothing extra.
    { role: 'tool', tool_call_id: 't3', content: 'fine' },
  ]);
  const anthropic = toAnthropicRequest(request, { stream: false })['messages'] as { content: unknown }[];
  assert.deepEqual(anthropic[2]!.content, [
    { type: 'tool_result', tool_use_id: 't1', content: 'permission denied', is_error: true },
    { type: 'tool_result', tool_use_id: 't2', content: 'Error: exit code 1', is_error: true },
    { type: 'tool_result', tool_use_id: 't3', content: 'fine' },
  ]);
  const openai = toOpenAIRequest(request, { stream: false })['messages'] as { content: unknown }[];
  // A text that already says it was an error is not told twice.
  assert.deepEqual(
    openai.slice(2).map((m) => m.content),
    ['Error: permission denied', 'Error: exit code 1', 'fine'],
  );
  const empty = toOpenAIRequest(
    { model: 'm', messages: [{ role: 'tool', tool_call_id: 't', content: '', is_error: true }] },
    { stream: false },
  );
  assert.equal((empty['messages'] as { content: unknown }[])[0]!.content, 'Error');
});

test('stop reasons: a stop sequence (and which one), a paused turn and a refusal reach each caller shape as well as it can say them', () => {
  const answer = (stop_reason: string, stop_sequence: string | null = null): unknown => ({
    id: 'm',
    model: 'c',
    content: [{ type: 'text', text: 'partial' }],
    stop_reason,
    stop_sequence,
  });
  const seq = fromAnthropicResponse(answer('stop_sequence', 'STOP'))!;
  assert.equal(seq.finish_reason, 'stop_sequence');
  assert.equal(seq.stop_sequence, 'STOP');
  const cases: [ChatResponse, string, string | null, string, string][] = [
    // canonical answer, Anthropic stop_reason, its stop_sequence, OpenAI finish_reason, Responses status
    [seq, 'stop_sequence', 'STOP', 'stop', 'completed'],
    [fromAnthropicResponse(answer('pause_turn'))!, 'pause_turn', null, 'stop', 'completed'],
    [fromAnthropicResponse(answer('refusal'))!, 'refusal', null, 'content_filter', 'incomplete'],
    [fromAnthropicResponse(answer('end_turn'))!, 'end_turn', null, 'stop', 'completed'],
  ];
  for (const [res, stopReason, stopSequence, finish, status] of cases) {
    const anthropic = toAnthropicResponse(res);
    assert.deepEqual([anthropic['stop_reason'], anthropic['stop_sequence']], [stopReason, stopSequence], stopReason);
    assert.equal(
      (toOpenAIResponse(res)['choices'] as { finish_reason: string }[])[0]?.finish_reason,
      finish,
      stopReason,
    );
    assert.equal(toResponsesResponse(res)['status'], status, stopReason);
  }
  // A plain stop (what an OpenAI upstream says, stop sequence or not) names no sequence.
  assert.equal(fromAnthropicResponse(answer('end_turn'))!.stop_sequence, undefined);
});

test("stop reasons in streams: Anthropic message_delta's stop_sequence rides on the finish and back out; OpenAI chunks say stop", () => {
  const decoder = createAnthropicEventDecoder();
  const events = [
    { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 9, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'one two' } },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'stop_sequence', stop_sequence: 'STOP' },
      usage: { output_tokens: 3 },
    },
    { type: 'message_stop' },
  ].flatMap((d) => decoder.push(d).events);
  events.push(...(decoder.end() ?? []));
  const finish = events.at(-1);
  assert.deepEqual(finish, {
    type: 'finish',
    finish_reason: 'stop_sequence',
    stop_sequence: 'STOP',
    usage: { input_tokens: 9, output_tokens: 3 },
  });
  const delta = events.flatMap(createAnthropicEventEncoder()).find((e) => e.event === 'message_delta');
  assert.deepEqual((delta?.data as { delta: unknown }).delta, { stop_reason: 'stop_sequence', stop_sequence: 'STOP' });
  const chunks = events.flatMap(createOpenAIChunkEncoder({ created: 1 }));
  assert.equal((chunks.at(-1) as { choices: { finish_reason: string }[] }).choices[0]?.finish_reason, 'stop');
  const paused = createOpenAIChunkEncoder({ created: 1 })({ type: 'finish', finish_reason: 'pause_turn' });
  assert.equal((paused[0] as { choices: { finish_reason: string }[] }).choices[0]?.finish_reason, 'stop');
  const pausedDelta = createAnthropicEventEncoder()({ type: 'finish', finish_reason: 'pause_turn' }).find(
    (e) => e.event === 'message_delta',
  );
  assert.deepEqual((pausedDelta?.data as { delta: unknown }).delta, { stop_reason: 'pause_turn', stop_sequence: null });
});

test('an OpenAI refusal to an Anthropic caller: its words as text (after any text, a blank line between), ending refusal, answer and stream', () => {
  const res: ChatResponse = {
    id: 'r',
    model: 'm',
    content: 'Well.',
    refusal: 'No.',
    tool_calls: [],
    finish_reason: 'stop',
  };
  const whole = toAnthropicResponse(res);
  assert.deepEqual([whole['content'], whole['stop_reason']], [[{ type: 'text', text: 'Well.\n\nNo.' }], 'refusal']);
  const encode = createAnthropicEventEncoder();
  const events = (
    [
      { type: 'start', id: 'r', model: 'm' },
      { type: 'text_start', id: 'txt-0' },
      { type: 'text', text: 'Well.', id: 'txt-0' },
      { type: 'refusal', text: 'N', id: 'txt-0' },
      { type: 'refusal', text: 'o.', id: 'txt-0' },
      { type: 'text_end', id: 'txt-0' },
      { type: 'finish', finish_reason: 'stop' },
    ] as StreamEvent[]
  )
    .flatMap(encode)
    .map((e) => e.data as { type: string; delta?: { text?: string; stop_reason?: string } });
  assert.equal(
    events
      .filter((e) => e.type === 'content_block_delta')
      .map((e) => e.delta?.text)
      .join(''),
    'Well.\n\nNo.',
  );
  assert.equal(events.find((e) => e.type === 'message_delta')?.delta?.stop_reason, 'refusal');
});
