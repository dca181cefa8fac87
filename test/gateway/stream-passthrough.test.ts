// Same-shape passthrough (docs/gateway.md#streams-of-the-same-shape): a caller of the upstream's own shape is sent the
// upstream's text frames as they came, while the router still reads them (the text, the usage, the clocks); anything
// that needs rewriting (another shape, a stop sequence cut here) is encoded by the gateway as before. Through the real
// gateway in front of a loopback upstream writing one frame per read, and the official SDKs reading what it sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { startCannedHarness, type Harness } from './harness.ts';

const PIECES = ['Once', ' upon', ' a', ' time', ' there', ' was', ' a', ' frame.'];

const HEAD = {
  id: 'chatcmpl-passthrough1',
  object: 'chat.completion.chunk',
  created: 1755007032,
  model: 'gpt-4o-2024-08-06',
  system_fingerprint: 'fp_passthrough',
};

function openaiChunk(delta: object, more: object = {}, finish: string | null = null): string {
  return `data: ${JSON.stringify({ ...HEAD, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...more })}\n\n`;
}

/** OpenAI's frames, each text piece with padding of its own, as OpenAI sends them. */
const OPENAI_FRAMES = [
  openaiChunk({ role: 'assistant', content: '', refusal: null }),
  ...PIECES.map((p, i) => openaiChunk({ content: p }, { obfuscation: `pad${i}` })),
  openaiChunk({}, {}, 'stop'),
  `data: ${JSON.stringify({ ...HEAD, choices: [], usage: { prompt_tokens: 5, completion_tokens: 8, total_tokens: 13 } })}\n\ndata: [DONE]\n\n`,
];

function anthropicEvent(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Anthropic's events, each text delta with its fields in an order the gateway never writes (so a frame sent on as
 * it came is told from one written here). */
const ANTHROPIC_FRAMES = [
  anthropicEvent('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_passthrough1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 1 },
    },
  }) +
    anthropicEvent('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
  ...PIECES.map((p) =>
    anthropicEvent('content_block_delta', {
      delta: { type: 'text_delta', text: p },
      index: 0,
      type: 'content_block_delta',
    }),
  ),
  anthropicEvent('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    anthropicEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 8 },
    }) +
    anthropicEvent('message_stop', { type: 'message_stop' }),
];

/** Writes the frames one at a time, a few milliseconds apart, so each is a read of its own at the gateway. */
function paced(frames: string[]): (res: ServerResponse) => void {
  return (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let at = 0;
    const next = (): void => {
      if (res.destroyed) return;
      if (at === frames.length - 1) return void res.end(frames[at]);
      res.write(frames[at++]);
      setTimeout(next, 5);
    };
    next();
  };
}

async function gatewayFor(type: 'openai' | 'anthropic', frames: string[]) {
  const up = await startCannedUpstream([], () => ({ status: 200, body: '', send: paced(frames) }));
  const h = await startCannedHarness(up, { type, key: 'sk-test-passthrough-0001', model: 'm' });
  return { up, h };
}

/** The body of a streamed answer as the caller reads it. */
async function rawStream(h: Harness, path: string, body: object): Promise<string> {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', stream: true, max_tokens: 100, ...body }),
  });
  assert.equal(res.status, 200);
  return res.text();
}

/** The frames of the upstream's text pieces that reached the caller byte for byte. */
function sentOn(body: string, frames: string[]): string[] {
  return frames.slice(1, -1).filter((f) => body.includes(f));
}

test('an OpenAI caller of an OpenAI upstream is sent its text chunks as they came, in one stream with ours', async () => {
  const { up, h } = await gatewayFor('openai', OPENAI_FRAMES);
  await using _up = up;
  await using _h = h;
  const body = await rawStream(h, '/v1/chat/completions', {
    messages: [{ role: 'user', content: 'hi' }],
    stream_options: { include_usage: true },
  });
  assert.ok(sentOn(body, OPENAI_FRAMES).length > 0, body);
  // Ours and the upstream's agree: one id, one model, one time.
  const chunks = body
    .split('\n\n')
    .filter((f) => f.startsWith('data: {'))
    .map((f) => JSON.parse(f.slice(6)) as { id: string; model: string; created: number });
  assert.deepEqual(
    new Set(chunks.map((c) => `${c.id} ${c.model} ${c.created}`)),
    new Set([`${HEAD.id} ${HEAD.model} ${HEAD.created}`]),
  );
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const stream = client.chat.completions.stream({
    model: 'main',
    messages: [{ role: 'user', content: 'hi' }],
    stream_options: { include_usage: true },
  });
  const done = await stream.finalChatCompletion();
  assert.equal(done.choices[0]?.message.content, PIECES.join(''));
  assert.equal(done.usage?.completion_tokens, 8);
});

test('an Anthropic caller of an Anthropic upstream is sent its text deltas as they came', async () => {
  const { up, h } = await gatewayFor('anthropic', ANTHROPIC_FRAMES);
  await using _up = up;
  await using _h = h;
  const body = await rawStream(h, '/v1/messages', { messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(sentOn(body, ANTHROPIC_FRAMES).length > 0, body);
  const client = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
  const message = await client.messages
    .stream({ model: 'main', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    .finalMessage();
  assert.deepEqual(
    message.content.map((b) => (b.type === 'text' ? b.text : b.type)),
    [PIECES.join('')],
  );
  assert.equal(message.usage.output_tokens, 8);
});

test('a caller of another shape, a stop sequence cut here or a caller refusing padding gets frames the gateway wrote', async () => {
  const { up, h } = await gatewayFor('openai', OPENAI_FRAMES);
  await using _up = up;
  await using _h = h;
  const anthropic = await rawStream(h, '/v1/messages', { messages: [{ role: 'user', content: 'hi' }] });
  assert.deepEqual(sentOn(anthropic, OPENAI_FRAMES), []);
  assert.match(anthropic, /"text":" frame\."/);
  const stopped = await rawStream(h, '/v1/chat/completions', {
    messages: [{ role: 'user', content: 'hi' }],
    // Past the four OpenAI takes, the rest are cut here (providers/stop-sequences.ts).
    stop: ['s1', 's2', 's3', 's4', 'zzz'],
  });
  assert.deepEqual(sentOn(stopped, OPENAI_FRAMES), []);
  assert.doesNotMatch(stopped, /obfuscation/);
  assert.match(stopped, /"content":" frame\."/);
  // OpenAI pads its chunks unless asked not to; the gateway does not pass the option on, so it writes them itself.
  const unpadded = await rawStream(h, '/v1/chat/completions', {
    messages: [{ role: 'user', content: 'hi' }],
    stream_options: { include_obfuscation: false },
  });
  assert.deepEqual(sentOn(unpadded, OPENAI_FRAMES), []);
  assert.doesNotMatch(unpadded, /obfuscation/);
});
