// Anthropic's server-side compaction through the gateway (`compact-2026-01-12`, `context_management.edits`
// `compact_20260112`, `compaction` blocks), against a canned upstream that records what it was sent: an Anthropic
// route gets the beta, the edit and the block as they came, and its answer's compaction block reaches the caller; an
// OpenAI-compatible route gets the block's summary in its place, without what it replaced. A streamed block paused
// after (`pause_after_compaction`, stop reason `compaction`) reaches the Anthropic SDK as the block with that stop
// reason, and a Responses caller as a compaction item.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCannedUpstream, type CannedUpstream } from '../helpers/canned-upstream.ts';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

const ANT = 'sk-ant-compaction-00001';
const OA = 'sk-oa-compaction-000001';

let up: CannedUpstream;
let h: Harness;

/** An Anthropic answer that compacted the conversation before replying. */
const compactedAnswer = {
  id: 'msg_canned',
  type: 'message',
  role: 'assistant',
  model: 'claude-canned',
  content: [
    {
      type: 'compaction',
      content: 'Summary: the user is building a website.',
      encrypted_content: 'opaque-answer-1',
      signature: 'sig-answer-1',
      tool_changes: [],
    },
    { type: 'text', text: 'Next, the footer.' },
  ],
  stop_reason: 'end_turn',
  usage: { input_tokens: 10, output_tokens: 5 },
};

const SUMMARY = 'Summary: a website with home and about pages, the footer next.';

/** What Anthropic streams for a request that compacts and pauses (`pause_after_compaction`): the block alone. */
const pausedStream = [
  {
    type: 'message_start',
    message: {
      id: 'msg_paused',
      type: 'message',
      role: 'assistant',
      model: 'claude-canned',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 0 },
    },
  },
  {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'compaction', content: null, encrypted_content: null, signature: 'sig-stream-1' },
  },
  {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'compaction_delta', content: SUMMARY, encrypted_content: 'opaque-stream-1' },
  },
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'compaction', stop_sequence: null }, usage: { output_tokens: 30 } },
  { type: 'message_stop' },
]
  .map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
  .join('');

before(async () => {
  up = await startCannedUpstream([], (request, sent) =>
    sent.url.endsWith('/v1/messages')
      ? request.stream
        ? { status: 200, body: pausedStream, headers: { 'content-type': 'text/event-stream' } }
        : { status: 200, body: compactedAnswer }
      : {
          status: 200,
          body: {
            id: 'chatcmpl-canned',
            object: 'chat.completion',
            created: 0,
            model: 'gpt-canned',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          },
        },
  );
  h = await startHarness({
    scenario: {},
    config: () => ({
      providers: {
        ant: simProvider(up.origin, 'anthropic', ANT),
        oa: simProvider(up.origin, 'openai', OA),
      },
      main: { provider: 'ant', model: 'claude-canned' },
      auxiliary: { compat: { provider: 'oa', model: 'gpt-canned', fallback_to_main: false } },
      retry: { ...FAST_RETRY, max_retries: 0 },
    }),
  });
});
after(async () => {
  await h.close();
  await up.close();
});

const MESSAGES = [
  { role: 'user', content: 'Help me build a website' },
  { role: 'assistant', content: 'Sure: what pages?' },
  { role: 'user', content: 'home and about' },
  {
    role: 'assistant',
    content: [
      {
        type: 'compaction',
        content: 'Summary: a website with home and about pages.',
        encrypted_content: 'opaque-history-1',
        signature: 'sig-history-1',
      },
      { type: 'text', text: 'Done with both.' },
    ],
  },
  { role: 'user', content: 'now the footer' },
];

async function messages(model: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${h.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': h.key,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'compact-2026-01-12',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      model,
      max_tokens: 100,
      system: 'be brief',
      messages: MESSAGES,
      context_management: { edits: [{ type: 'compact_20260112' }] },
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test("an Anthropic route gets the compaction beta, edit and block as they came, and its answer's block reaches the caller", async () => {
  const res = await messages('main');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const sent = up.calls.at(-1)!;
  assert.equal(sent.path, '/v1/messages');
  assert.deepEqual(sent.body['context_management'], { edits: [{ type: 'compact_20260112' }] });
  const turns = sent.body['messages'] as { role: string; content: unknown }[];
  // Its opaque fields go back verbatim, as Anthropic asks.
  assert.deepEqual((turns[3]!.content as unknown[])[0], {
    type: 'compaction',
    content: 'Summary: a website with home and about pages.',
    encrypted_content: 'opaque-history-1',
    signature: 'sig-history-1',
  });
  assert.deepEqual((res.body['content'] as unknown[])[0], {
    type: 'compaction',
    content: 'Summary: the user is building a website.',
    encrypted_content: 'opaque-answer-1',
    signature: 'sig-answer-1',
    tool_changes: [],
  });
});

test('compact-… betas are among those forwarded to Anthropic routes', async () => {
  // The canned upstream records bodies only; the header is checked through the simulator's record elsewhere
  // (anthropic-beta.test.ts): here, that the beta is one the gateway forwards.
  const { forwardedBetas } = await import('../../src/gateway/wire/anthropic/beta.ts');
  assert.deepEqual(forwardedBetas('compact-2026-01-12, compact-2026-09-04, files-api-2025-04-14'), [
    'compact-2026-01-12',
    'compact-2026-09-04',
  ]);
});

test('an OpenAI-compatible route gets the summary in place of what it replaced', async () => {
  const res = await messages('compat');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const sent = up.calls.at(-1)!;
  assert.equal(sent.path, '/v1/chat/completions');
  assert.deepEqual(sent.body['messages'], [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: '[summary of the earlier conversation]\nSummary: a website with home and about pages.' },
    { role: 'assistant', content: 'Done with both.' },
    { role: 'user', content: 'now the footer' },
  ]);
});

test("a compaction edit over its trigger on a route that is not Anthropic's is refused, never sent on uncompacted", async () => {
  const ask = (trigger: number) =>
    fetch(`${h.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': h.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'compat',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hello there, a short conversation' }],
        context_management: {
          edits: [{ type: 'compact_20260112', trigger: { type: 'input_tokens', value: trigger } }],
        },
      }),
    });
  assert.equal((await ask(50_000)).status, 200);
  const over = await ask(3);
  assert.equal(over.status, 400);
  const error = ((await over.json()) as { error: { message: string } }).error;
  assert.match(error.message, /context_management\.edits\[0\].*over this compaction's trigger of 3.*oa\/gpt-canned/);
});

test('a streamed compaction block paused after reaches the Anthropic SDK as the block, with stop reason compaction', async () => {
  const client = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
  const stream = client.beta.messages.stream({
    model: 'main',
    max_tokens: 100,
    betas: ['compact-2026-01-12'],
    messages: [{ role: 'user', content: 'now the footer' }],
    context_management: { edits: [{ type: 'compact_20260112', pause_after_compaction: true }] },
  });
  const message = await stream.finalMessage();
  assert.equal(message.stop_reason, 'compaction');
  // Its opaque fields as the upstream streamed them: Claude Code sends the block back verbatim.
  assert.deepEqual(message.content, [
    { type: 'compaction', content: SUMMARY, encrypted_content: 'opaque-stream-1', signature: 'sig-stream-1' },
  ]);
});

test('a streamed compaction block reaches a Responses caller as a compaction item holding its summary', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const stream = client.responses.stream({ model: 'main', input: 'now the footer' });
  const added: string[] = [];
  stream.on('response.output_item.added', (e) => added.push(e.item.type));
  const response = await stream.finalResponse();
  assert.equal(response.status, 'completed');
  assert.deepEqual(added, ['compaction']);
  assert.deepEqual(
    response.output.map((i) => i.type),
    ['compaction'],
  );
  // The item is the gateway's own: any route reads it back as the summary it holds.
  const item = response.output[0] as { encrypted_content: string };
  assert.match(item.encrypted_content, /^switchyard-compaction-v1\./);
  const next = await client.responses.create({
    model: 'compat',
    input: [response.output[0]!, { role: 'user', content: 'go on' }] as OpenAI.Responses.ResponseInput,
  });
  assert.equal(next.status, 'completed');
  const sent = up.calls.at(-1)!.body['messages'] as { role: string; content: string }[];
  assert.equal(sent[0]!.content, `[summary of the earlier conversation]\n${SUMMARY}`);
});
