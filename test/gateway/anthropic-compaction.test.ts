// Anthropic's server-side compaction through the gateway (`compact-2026-01-12`, `context_management.edits`
// `compact_20260112`, `compaction` blocks), against a canned upstream that records what it was sent: an Anthropic
// route gets the beta, the edit and the block as they came, and its answer's compaction block reaches the caller; an
// OpenAI-compatible route gets the block's summary in its place, without what it replaced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCannedUpstream, type CannedUpstream } from '../helpers/canned-upstream.ts';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

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
    { type: 'compaction', content: 'Summary: the user is building a website.' },
    { type: 'text', text: 'Next, the footer.' },
  ],
  stop_reason: 'end_turn',
  usage: { input_tokens: 10, output_tokens: 5 },
};

before(async () => {
  up = await startCannedUpstream([], (_request, sent) =>
    sent.url.endsWith('/v1/messages')
      ? { status: 200, body: compactedAnswer }
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
      { type: 'compaction', content: 'Summary: a website with home and about pages.' },
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
  assert.deepEqual((turns[3]!.content as unknown[])[0], {
    type: 'compaction',
    content: 'Summary: a website with home and about pages.',
  });
  assert.deepEqual((res.body['content'] as unknown[])[0], {
    type: 'compaction',
    content: 'Summary: the user is building a website.',
  });
});

test('compact-… betas are among those forwarded to Anthropic routes', async () => {
  // The canned upstream records bodies only; the header is checked through the simulator's record elsewhere
  // (anthropic-beta.test.ts): here, that the beta is one the gateway forwards.
  const { forwardedBetas } = await import('../../src/gateway/anthropic-beta.ts');
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
