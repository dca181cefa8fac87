// Same-shape passthrough (docs/gateway.md#streams-of-the-same-shape): a caller of the upstream's own shape is sent the
// upstream's text frames (a Responses route's own events) as they came, while the router still reads them (the text, the usage, the clocks); anything
// that needs rewriting (another shape, a stop sequence cut here) is encoded by the gateway as before. Through the real
// gateway in front of a loopback upstream writing one frame per read, and the official SDKs reading what it sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { FAST_RETRY, simProvider, startCannedHarness, startHarness, type Harness } from './harness.ts';

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

/** A Responses route's own events, spaced after each colon as the gateway never writes JSON (so a frame sent on as it
 * came is told from one written here), numbered from 0 as OpenAI numbers them. */
function responsesFrames(): string[] {
  const at = { item_id: 'msg_passthrough1', output_index: 0, content_index: 0 };
  const message = (status: string, content: object[]) => ({
    id: at.item_id,
    type: 'message',
    status,
    role: 'assistant',
    content,
  });
  const response = (status: string, output: object[], usage: object | null) => ({
    id: 'resp_passthrough1',
    object: 'response',
    created_at: 1755007032,
    status,
    model: 'gpt-5-2025-08-07',
    output,
    usage,
  });
  const text = { type: 'output_text', text: PIECES.join(''), annotations: [] };
  const events: [string, object][] = [
    ['response.created', { response: response('in_progress', [], null) }],
    ['response.in_progress', { response: response('in_progress', [], null) }],
    [
      'response.output_item.added',
      {
        output_index: 0,
        item: message('in_progress', []),
      },
    ],
    ['response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }],
    ...PIECES.map((p): [string, object] => ['response.output_text.delta', { ...at, delta: p, logprobs: [] }]),
    ['response.output_text.done', { ...at, text: PIECES.join(''), logprobs: [] }],
    [
      'response.completed',
      {
        response: response('completed', [message('completed', [text])], {
          input_tokens: 5,
          output_tokens: 8,
          total_tokens: 13,
        }),
      },
    ],
  ];
  return events.map(
    ([type, data], i) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: i, ...data }).replaceAll('":', '": ')}\n\n`,
  );
}

test("a Responses caller of a Responses route is sent the route's own events as they came", async () => {
  const frames = responsesFrames();
  await using up = await startCannedUpstream([], () => ({ status: 200, body: '', send: paced(frames) }));
  await using h = await startHarness({
    scenario: {},
    config: () => ({
      providers: {
        compat: simProvider(up.origin, 'openai', 'sk-test-passthrough-0001', { responses_api: true }),
      },
      main: { provider: 'compat', model: 'm' },
      retry: { ...FAST_RETRY, max_retries: 0 },
    }),
  });
  const body = await rawStream(h, '/v1/responses', { input: 'hi' });
  // The deltas after the first (held until the stream was committed to the route) went on as the route wrote them.
  const deltas = frames.filter((f) => f.includes('output_text.delta')).slice(1);
  assert.deepEqual(
    deltas.filter((f) => body.includes(f)),
    deltas,
    body,
  );
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const stream = client.responses.stream({ model: 'main', input: 'hi' });
  const done = await stream.finalResponse();
  assert.equal(done.output_text, PIECES.join(''));
  assert.equal(done.usage?.output_tokens, 8);
});

test("OpenAI's usage: null chunks go on as they came to a caller that asked for usage, without it to one that did not", async () => {
  // As OpenAI writes them when asked for usage (the gateway always asks): every chunk has `usage: null`.
  const frames = [
    openaiChunk({ role: 'assistant', content: '', refusal: null }, { usage: null }),
    ...PIECES.map((p, i) => openaiChunk({ content: p }, { usage: null, obfuscation: `pad${i}` })),
    openaiChunk({}, { usage: null }, 'stop'),
    OPENAI_FRAMES.at(-1)!,
  ];
  const { up, h } = await gatewayFor('openai', frames);
  await using _up = up;
  await using _h = h;
  const messages = [{ role: 'user', content: 'hi' }];
  const asked = await rawStream(h, '/v1/chat/completions', { messages, stream_options: { include_usage: true } });
  assert.ok(sentOn(asked, frames).length > 0, asked);
  const unasked = await rawStream(h, '/v1/chat/completions', { messages });
  const without = frames.map((f) => f.replace(',"usage":null', ''));
  assert.ok(sentOn(unasked, without).length > 0, unasked);
  assert.doesNotMatch(unasked, /"usage"/);
  assert.match(unasked, /"content":" frame\."/);
});
