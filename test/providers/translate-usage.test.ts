// Token usage across the APIs: canonical input_tokens is the whole prompt (cached parts included), so an Anthropic
// answer's three prompt counts are added up on the way in and split again on the way out; OpenAI's cached_tokens
// and the Responses API's input_tokens_details carry the cache reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  usageFromAnthropic,
  usageFromOpenAI,
  usageToAnthropic,
  usageToOpenAI,
  usageToResponses,
} from '../../src/providers/translate/usage.ts';
import { createAnthropicEventDecoder } from '../../src/providers/anthropic/stream.ts';
import { createAnthropicEventEncoder } from '../../src/gateway/wire/anthropic/stream.ts';
import { fromAnthropicResponse } from '../../src/providers/anthropic/answer.ts';

const CACHED = { input_tokens: 1_200, output_tokens: 50, cache_read_tokens: 1_000, cache_write_tokens: 150 };

test('usage: Anthropic prompt counts add up to the whole prompt and split back exactly', () => {
  const wire = {
    input_tokens: 50,
    cache_read_input_tokens: 1_000,
    cache_creation_input_tokens: 150,
    output_tokens: 50,
  };
  assert.deepEqual(usageFromAnthropic(wire), CACHED);
  assert.deepEqual(usageToAnthropic(CACHED), wire);
  // Without caching, nothing extra appears.
  assert.deepEqual(usageFromAnthropic({ input_tokens: 7, output_tokens: 3 }), { input_tokens: 7, output_tokens: 3 });
  assert.deepEqual(usageToAnthropic({ input_tokens: 7, output_tokens: 3 }), { input_tokens: 7, output_tokens: 3 });
  assert.deepEqual(usageToAnthropic(undefined), { input_tokens: 0, output_tokens: 0 });
});

test('usage: Anthropic thinking_tokens is the reasoning count, both ways, and OpenAI reasoning_tokens reach it', () => {
  const wire = { input_tokens: 10, output_tokens: 40, output_tokens_details: { thinking_tokens: 25 } };
  assert.deepEqual(usageFromAnthropic(wire), { input_tokens: 10, output_tokens: 40, reasoning_tokens: 25 });
  assert.deepEqual(usageToAnthropic({ input_tokens: 10, output_tokens: 40, reasoning_tokens: 25 }), wire);
  const fromOpenAI = usageFromOpenAI({
    prompt_tokens: 10,
    completion_tokens: 40,
    completion_tokens_details: { reasoning_tokens: 25 },
  });
  assert.deepEqual(usageToAnthropic(fromOpenAI), wire);
});

test('usage: OpenAI prompt_tokens already include the cached part; cached_tokens carries it both ways', () => {
  const wire = {
    prompt_tokens: 1_200,
    completion_tokens: 50,
    total_tokens: 1_250,
    prompt_tokens_details: { cached_tokens: 1_000 },
  };
  assert.deepEqual(usageFromOpenAI(wire), { input_tokens: 1_200, output_tokens: 50, cache_read_tokens: 1_000 });
  assert.deepEqual(usageToOpenAI(CACHED), wire);
  assert.deepEqual(usageToOpenAI({ input_tokens: 2, output_tokens: 1 }), {
    prompt_tokens: 2,
    completion_tokens: 1,
    total_tokens: 3,
  });
  assert.deepEqual(
    (usageToResponses(CACHED)['input_tokens_details'] as { cached_tokens: number }).cached_tokens,
    1_000,
  );
});

test('usage: an Anthropic answer and stream with a cache hit report the whole prompt', () => {
  const res = fromAnthropicResponse({
    id: 'm',
    model: 'c',
    content: [{ type: 'text', text: 'hi' }],
    stop_reason: 'end_turn',
    usage: { input_tokens: 50, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 150, output_tokens: 50 },
  });
  assert.deepEqual(res?.usage, CACHED);

  const decoder = createAnthropicEventDecoder();
  const all = [
    {
      type: 'message_start',
      message: {
        id: 'm',
        model: 'c',
        usage: { input_tokens: 50, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 150, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 50 } },
    { type: 'message_stop' },
  ].flatMap((data) => decoder.push(data).events);
  all.push(...(decoder.end() ?? []));
  const finish = all.find((e) => e.type === 'finish');
  assert.ok(finish && finish.type === 'finish');
  assert.deepEqual(finish.usage, CACHED);
});

test("usage: an Anthropic stream's prompt usage rides on the start event and reaches the caller's message_start", () => {
  const decoder = createAnthropicEventDecoder();
  const [start] = decoder.push({
    type: 'message_start',
    message: {
      id: 'm',
      model: 'c',
      usage: { input_tokens: 50, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 150, output_tokens: 1 },
    },
  }).events;
  assert.deepEqual(start, { type: 'start', id: 'm', model: 'c', usage: { ...CACHED, output_tokens: 1 } });
  const [messageStart] = createAnthropicEventEncoder()(start!);
  const message = messageStart?.data['message'] as { usage: unknown };
  assert.deepEqual(message.usage, {
    input_tokens: 50,
    cache_read_input_tokens: 1_000,
    cache_creation_input_tokens: 150,
    output_tokens: 1,
  });
  // Zeros are a placeholder (a proxy, or this gateway in front of an OpenAI upstream), not a prompt count.
  const placeholder = createAnthropicEventDecoder().push({
    type: 'message_start',
    message: { id: 'm', model: 'c', usage: { input_tokens: 0, output_tokens: 0 } },
  }).events;
  assert.deepEqual(placeholder, [{ type: 'start', id: 'm', model: 'c' }]);
  // Without a usage on start (an OpenAI upstream) message_start says zeros, as before.
  const [plain] = createAnthropicEventEncoder()({ type: 'start', id: 'x', model: 'm' });
  assert.deepEqual((plain?.data['message'] as { usage: unknown }).usage, { input_tokens: 0, output_tokens: 0 });
});
