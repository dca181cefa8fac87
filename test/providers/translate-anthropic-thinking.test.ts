// Anthropic thinking blocks through the translators: an upstream answer's blocks (whole and streamed) reach an
// Anthropic caller as they came, signature and all; the OpenAI shapes leave them out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamEvent } from '../../src/providers/types.ts';
import { fromAnthropicResponse } from '../../src/providers/anthropic/answer.ts';
import { toAnthropicResponse } from '../../src/gateway/wire/anthropic/answer.ts';
import { createAnthropicEventDecoder } from '../../src/providers/anthropic/stream.ts';
import { createAnthropicEventEncoder } from '../../src/gateway/wire/anthropic/stream.ts';
import { toOpenAIResponse } from '../../src/gateway/wire/openai/answer.ts';
import { toResponsesResponse } from '../../src/gateway/wire/responses/answer.ts';

const BLOCKS = [
  { type: 'thinking', thinking: 'The user wants the weather.', signature: 'EqQBCkYIBxgCKkA=' },
  { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
];
const CALL = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } };

const upstreamAnswer = (content: unknown[]) => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-x',
  content,
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 20 },
});

test('a whole answer keeps its thinking blocks, in order and unmodified, for an Anthropic caller only', () => {
  const res = fromAnthropicResponse(upstreamAnswer([...BLOCKS, CALL]));
  assert.ok(res);
  assert.deepEqual(res.thinking, [
    { type: 'thinking', thinking: 'The user wants the weather.', signature: 'EqQBCkYIBxgCKkA=' },
    { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
  ]);
  assert.deepEqual(toAnthropicResponse(res)['content'], [...BLOCKS, CALL]);
  for (const shaped of [toOpenAIResponse(res), toResponsesResponse(res)])
    assert.doesNotMatch(JSON.stringify(shaped), /EqQB|EmwK|wants the weather/);
});

test('an answer cut while thinking has no empty text block after its thinking', () => {
  const res = fromAnthropicResponse({ ...upstreamAnswer([BLOCKS[0]]), stop_reason: 'max_tokens' });
  assert.ok(res);
  assert.deepEqual(toAnthropicResponse(res)['content'], [BLOCKS[0]]);
});

/** An upstream stream's event payloads, as Anthropic sends them. */
const UPSTREAM_STREAM = [
  { type: 'message_start', message: { id: 'msg_s', model: 'claude-x', usage: { input_tokens: 5, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Weather, ' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Paris.' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCkYIBxgCKkA=' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'content_block_start', index: 1, content_block: BLOCKS[1] },
  { type: 'content_block_stop', index: 1 },
  { type: 'content_block_start', index: 2, content_block: { ...CALL, input: {} } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris"}' } },
  { type: 'content_block_stop', index: 2 },
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } },
  { type: 'message_stop' },
];

test('a streamed answer: thinking, signature and redacted blocks decode to canonical events and encode back', () => {
  const decoder = createAnthropicEventDecoder();
  const events: StreamEvent[] = [...UPSTREAM_STREAM.flatMap((e) => decoder.push(e).events), ...(decoder.end() ?? [])];
  assert.deepEqual(
    events.filter((e) => e.type !== 'start' && e.type !== 'finish'),
    [
      { type: 'thinking_start', id: 'rsn-0' },
      { type: 'thinking', thinking: 'Weather, ', id: 'rsn-0' },
      { type: 'thinking', thinking: 'Paris.', id: 'rsn-0' },
      { type: 'thinking_signature', signature: 'EqQBCkYIBxgCKkA=', id: 'rsn-0' },
      { type: 'thinking_end', id: 'rsn-0' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a', id: 'rsn-1' },
      { type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, arguments: '{"city":"Paris"}', id: 'toolu_1' },
      { type: 'tool_call_end', index: 0, id: 'toolu_1' },
    ],
  );
  const encode = createAnthropicEventEncoder();
  const out = events.flatMap((e) => encode(e)).map((e) => e.data);
  const blocks = out.filter((d) => String(d['type']).startsWith('content_block'));
  assert.deepEqual(blocks, UPSTREAM_STREAM.slice(1, -2));
});
