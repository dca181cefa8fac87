// The OpenAI and Anthropic streams' text frames are spelt directly rather than built as an object and stringified:
// they must be the same bytes the object would have been, for any text, id, model and block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAIChunkEncoder, openAISseFrame } from '../../../src/gateway/wire/openai/stream.ts';
import { anthropicWire, openaiWire } from '../../../src/gateway/wire.ts';
import { AnthropicEventEncoder } from '../../../src/gateway/wire/anthropic/stream.ts';
import { namedSseFrame } from '../../../src/providers/sse.ts';
import type { StreamEvent } from '../../../src/providers/types.ts';

const TEXTS = [
  'hello',
  '',
  ' token',
  'quote " and \\ backslash',
  'line\nbreak\ttab',
  'émoji 🚂 and \u2028',
  '\ud800 lone',
  '</script>',
];

test('a text frame is the bytes of the chunk it stands for, whatever the text, id and model', () => {
  for (const start of [
    { id: 'chatcmpl-abc', model: 'gpt-4o-mini' },
    { id: 'msg_"odd"\\id', model: 'claude "quoted" model' },
  ]) {
    const encoder = new OpenAIChunkEncoder({ created: 1_700_000_123 });
    encoder.start({ type: 'start', ...start });
    for (const text of TEXTS)
      assert.equal(encoder.textFrame(text), openAISseFrame(encoder.text({ type: 'text', text })[0]));
  }
});

test("the gateway's OpenAI stream writes text deltas as the chunk encoder would, before and after its start", () => {
  const events: StreamEvent[] = [
    { type: 'text', text: 'first, with no start before it' },
    ...TEXTS.map((text): StreamEvent => ({ type: 'text', text })),
    { type: 'finish', finish_reason: 'stop' },
  ];
  const frames = events.map(openaiWire.streamEncoder({ request: { model: 'm', messages: [] } }).encode).join('');
  const chunks = frames
    .split('\n\n')
    .filter((f) => f !== '')
    .map((f) => JSON.parse(f.replace(/^data: /, '')) as { id: string; choices: { delta: { content?: string } }[] });
  assert.equal(chunks[0]?.choices[0]?.delta.content, '');
  assert.deepEqual(
    chunks.slice(1, -1).map((c) => c.choices[0]?.delta.content),
    ['first, with no start before it', ...TEXTS],
  );
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'one id for every chunk');
});

test('an Anthropic text frame is the bytes of the content_block_delta it stands for, in any block', () => {
  const encoder = new AnthropicEventEncoder({});
  encoder.start({ type: 'start', id: 'msg_1', model: 'claude' });
  for (let block = 0; block < 3; block++) {
    encoder.text_start();
    for (const text of TEXTS)
      assert.equal(encoder.textFrame(text), namedSseFrame(encoder.text({ type: 'text', text })[0]!));
    encoder.text_end();
  }
});

test("the gateway's Anthropic stream writes text deltas in their block, before and after its start", () => {
  const events: StreamEvent[] = [
    { type: 'text_start', id: 'txt-0' },
    { type: 'text', text: 'first', id: 'txt-0' },
    ...TEXTS.map((text): StreamEvent => ({ type: 'text', text, id: 'txt-0' })),
    { type: 'text_end', id: 'txt-0' },
    { type: 'finish', finish_reason: 'stop' },
  ];
  const frames = events.map(anthropicWire.streamEncoder({ request: { model: 'm', messages: [] } }).encode).join('');
  const deltas = frames
    .split('\n\n')
    .filter((f) => f.startsWith('event: content_block_delta'))
    .map((f) => JSON.parse(f.split('\ndata: ')[1]!) as { index: number; delta: { text: string } });
  assert.deepEqual(
    deltas.map((d) => d.delta.text),
    ['first', ...TEXTS],
  );
  assert.ok(deltas.every((d) => d.index === 0));
});
