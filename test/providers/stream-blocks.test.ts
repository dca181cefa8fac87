// Each upstream decoder says where its blocks start and end (docs/routing.md#stream-events), so the encoders need no
// guess: OpenAI chunks, which have no blocks, Anthropic's content blocks one for one, and a Responses stream's items.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAIChunkDecoder } from '../../src/providers/openai/stream.ts';
import { createAnthropicEventDecoder } from '../../src/providers/anthropic/stream.ts';
import { createResponsesStreamDecoder } from '../../src/providers/openai-responses/stream.ts';
import type { StreamEvent } from '../../src/providers/types.ts';
import { assertBlocks } from '../helpers/stream-blocks.ts';

/** An event as a short line: its type, then its block's id (a tool call's index too), then what it adds. */
function line(e: StreamEvent): string {
  switch (e.type) {
    case 'text':
    case 'refusal':
      return `${e.type} ${e.id} ${e.text}`;
    case 'thinking':
      return `thinking ${e.id} ${e.thinking}`;
    case 'thinking_signature':
      return `thinking_signature ${e.id} ${e.signature}`;
    case 'redacted_thinking':
      return `redacted_thinking ${e.id} ${e.data}`;
    case 'tool_call_start':
      return `tool_call_start ${e.id}#${e.index} ${e.name}`;
    case 'tool_call_delta':
      return `tool_call_delta ${e.id}#${e.index} ${e.arguments}`;
    case 'tool_call_end':
      return `tool_call_end ${e.id}#${e.index}`;
    case 'text_start':
    case 'text_end':
    case 'thinking_start':
    case 'thinking_end':
      return `${e.type} ${e.id}`;
    case 'finish':
      return `finish ${e.finish_reason}`;
    default:
      return e.type;
  }
}

const chunk = (delta: Record<string, unknown>, finish_reason: string | null = null): unknown => ({
  id: 'c',
  model: 'm',
  choices: [{ index: 0, delta, finish_reason }],
});
const call = (index: number, fields: Record<string, unknown>): Record<string, unknown> => ({
  tool_calls: [{ index, ...fields }],
});

test('OpenAI chunks: text is one block until a tool call; parallel calls interleave and all end with the stream', () => {
  const decoder = createOpenAIChunkDecoder();
  const events = [
    chunk({ role: 'assistant', content: 'Checking' }),
    chunk({ content: ' both.' }),
    chunk(call(0, { id: 'call_a', function: { name: 'weather', arguments: '{"city":' } })),
    chunk(call(1, { id: 'call_b', function: { name: 'time', arguments: '{}' } })),
    chunk(call(0, { function: { arguments: '"Oslo"}' } })),
    chunk({}, 'tool_calls'),
  ].flatMap((c) => decoder.push(c));
  events.push(...decoder.end());
  assertBlocks(events);
  assert.deepEqual(events.map(line), [
    'start',
    'text_start txt-0',
    'text txt-0 Checking',
    'text txt-0  both.',
    'text_end txt-0',
    'tool_call_start call_a#0 weather',
    'tool_call_delta call_a#0 {"city":',
    'tool_call_start call_b#1 time',
    'tool_call_delta call_b#1 {}',
    'tool_call_delta call_a#0 "Oslo"}',
    'tool_call_end call_a#0',
    'tool_call_end call_b#1',
    'finish tool_calls',
  ]);
});

test('OpenAI chunks: text after tool calls ends them and opens a new block; a refusal goes on in the text block', () => {
  const decoder = createOpenAIChunkDecoder();
  const events = [
    chunk(call(0, { id: 'call_a', function: { name: 'f', arguments: '{}' } })),
    chunk({ content: 'Done. ' }),
    chunk({ refusal: 'No more.' }),
    // A piece for the call ended by the text has no block to go in.
    chunk(call(0, { function: { arguments: ' ' } })),
    chunk({}, 'stop'),
  ].flatMap((c) => decoder.push(c));
  events.push(...decoder.end());
  assertBlocks(events);
  assert.deepEqual(events.map(line), [
    'start',
    'tool_call_start call_a#0 f',
    'tool_call_delta call_a#0 {}',
    'tool_call_end call_a#0',
    'text_start txt-0',
    'text txt-0 Done. ',
    'refusal txt-0 No more.',
    'text_end txt-0',
    'finish tool_calls',
  ]);
});

test('OpenAI chunks: a stream cut before its finish_reason ends no block (the router says it was cut)', () => {
  const decoder = createOpenAIChunkDecoder();
  const events = decoder.push(chunk({ content: 'half' }));
  assert.deepEqual(events.map(line), ['start', 'text_start txt-0', 'text txt-0 half']);
  assert.deepEqual(decoder.end(), []);
});

test('Anthropic events: each content block is one block; an empty text block is left out; a block the upstream never stopped ends with the message', () => {
  const decoder = createAnthropicEventDecoder();
  const events = [
    { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 5 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hm.' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'xx==' } },
    { type: 'content_block_stop', index: 1 },
    { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
    { type: 'content_block_stop', index: 2 },
    { type: 'content_block_start', index: 3, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 3, delta: { type: 'text_delta', text: 'Sure.' } },
    { type: 'content_block_stop', index: 3 },
    {
      type: 'content_block_start',
      index: 4,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'now', input: {} },
    },
    { type: 'content_block_stop', index: 4 },
    { type: 'content_block_start', index: 5, content_block: { type: 'tool_use', id: 'toolu_2', name: 'f', input: {} } },
    { type: 'content_block_delta', index: 5, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } },
    { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } },
    { type: 'message_stop' },
  ].flatMap((d) => decoder.push(d).events);
  events.push(...(decoder.end() ?? []));
  assertBlocks(events);
  assert.deepEqual(events.map(line), [
    'start',
    'thinking_start rsn-0',
    'thinking rsn-0 Hm.',
    'thinking_signature rsn-0 sig',
    'thinking_end rsn-0',
    'redacted_thinking rsn-1 xx==',
    'text_start txt-2',
    'text txt-2 Sure.',
    'text_end txt-2',
    'tool_call_start toolu_1#0 now',
    'tool_call_delta toolu_1#0 {}',
    'tool_call_end toolu_1#0',
    'tool_call_start toolu_2#1 f',
    'tool_call_delta toolu_2#1 {"a":1}',
    'tool_call_end toolu_2#1',
    'finish tool_calls',
  ]);
});

test("a Responses stream: a message item's text and refusal are one text block, a call item a tool-call block", () => {
  const decoder = createResponsesStreamDecoder();
  const push = (data: Record<string, unknown>): StreamEvent[] => decoder.push(String(data['type']), data);
  const message = { type: 'message', id: 'msg_1', role: 'assistant', content: [] };
  const fn = { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: '' };
  const events = [
    push({ type: 'response.created', response: { id: 'r', model: 'm' } }),
    push({ type: 'response.output_item.added', item: message }),
    push({ type: 'response.output_text.delta', item_id: 'msg_1', delta: 'Well. ' }),
    push({ type: 'response.refusal.delta', item_id: 'msg_1', delta: 'No.' }),
    push({ type: 'response.output_item.done', item: message }),
    push({ type: 'response.output_item.added', item: fn }),
    push({ type: 'response.function_call_arguments.delta', item_id: 'fc_1', delta: '{}' }),
    push({ type: 'response.output_item.done', item: fn }),
    push({ type: 'response.completed', response: { status: 'completed' } }),
  ]
    .flat()
    .filter((e) => e.type !== 'responses_event');
  assertBlocks(events);
  assert.deepEqual(events.map(line), [
    'start',
    'text_start txt-0',
    'text txt-0 Well. ',
    'refusal txt-0 No.',
    'text_end txt-0',
    'tool_call_start call_1#0 f',
    'tool_call_delta call_1#0 {}',
    'tool_call_end call_1#0',
    'finish tool_calls',
  ]);
});

test('Anthropic events: a block the upstream never stopped ends when the next one starts, so blocks never overlap', () => {
  const decoder = createAnthropicEventDecoder();
  const events = [
    { type: 'message_start', message: { id: 'm', model: 'c' } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Hi.' } },
    { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{}' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'thinking_delta', thinking: 'Late.' } },
    { type: 'message_stop' },
  ].flatMap((d) => decoder.push(d).events);
  events.push(...(decoder.end() ?? []));
  assertBlocks(events);
  assert.deepEqual(events.map(line), [
    'start',
    'text_start txt-0',
    'text txt-0 Hi.',
    'text_end txt-0',
    'tool_call_start toolu_1#0 f',
    'tool_call_delta toolu_1#0 {}',
    'tool_call_end toolu_1#0',
    'thinking_start rsn-1',
    'thinking rsn-1 Late.',
    'thinking_end rsn-1',
    'finish tool_calls',
  ]);
});
