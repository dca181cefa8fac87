// What Claude Code ≥ 2.1.154 sends with its default settings, through the official `@anthropic-ai/sdk` (as Claude
// Code sends it: the beta endpoint, its betas): system messages inside `messages`, adaptive thinking,
// context_management, output_config.effort, fields the gateway has never heard of — to an Anthropic route whose model
// takes them, to one whose model does not, and to an OpenAI-compatible route. The simulator refuses what the real API
// would, and its call log says what each upstream received.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import type { SimCallRecord } from '../../src/sim/types.ts';

const ANT_KEY = 'sk-ant-claude-code-0001';
const OAI_KEY = 'sk-oai-claude-code-0001';
let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'claude-opus-5-5': {}, 'claude-sonnet-4-5': {}, 'sim-large': {} },
      keys: { [ANT_KEY]: {}, [OAI_KEY]: {} },
    },
    config: (sim) => ({
      providers: { ant: simProvider(sim, 'anthropic', ANT_KEY), oai: simProvider(sim, 'openai', OAI_KEY) },
      main: { provider: 'ant', model: 'claude-opus-5-5' },
      auxiliary: {
        compression: { enabled: false },
        older: { provider: 'ant', model: 'claude-sonnet-4-5', fallback_to_main: false },
        openai: { provider: 'oai', model: 'sim-large', fallback_to_main: false },
      },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

const client = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });

function lastCall(key: string): SimCallRecord {
  const call = h.sim
    .log()
    .filter((c) => c.key === key)
    .at(-1);
  assert.ok(call, `no call reached ${key}`);
  return call;
}

const BETAS: Anthropic.Beta.AnthropicBeta[] = [
  'claude-code-20250219',
  'context-management-2025-06-27',
  'interleaved-thinking-2025-05-14',
];

/** A first turn as Claude Code sends it: the system prompt, the question, then a system message after it. */
function claudeCodeTurn(model: string, question: string): Anthropic.Beta.MessageCreateParamsNonStreaming {
  return {
    model,
    max_tokens: 4096,
    betas: BETAS,
    system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: question }] },
      { role: 'system', content: [{ type: 'text', text: 'Today is Tuesday.' }] },
    ],
    thinking: { type: 'adaptive' },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    output_config: { effort: 'high' },
    metadata: { user_id: '{"device_id":"d1","session_id":"s1"}' },
  };
}

test('to a Claude model that takes them: the system message stays in place, thinking, context_management and effort go as sent', async () => {
  const message = await client().beta.messages.create(claudeCodeTurn('main', 'hi there'));
  assert.equal(message.content[0]?.type, 'thinking');
  const text = message.content[1];
  assert.ok(text && text.type === 'text');
  assert.match(text.text, /reply to: hi there/);
  const call = lastCall(ANT_KEY);
  assert.equal(call.model, 'claude-opus-5-5');
  assert.deepEqual(call.roles, ['user', 'system']);
  assert.deepEqual(call.fields, [
    'context_management',
    'max_tokens',
    'metadata',
    'output_config',
    'system',
    'thinking',
  ]);
  assert.match(call.anthropic_beta ?? '', /context-management-2025-06-27/);
  assert.doesNotMatch(call.anthropic_beta ?? '', /claude-code|interleaved-thinking/);

  const streamed = await client()
    .beta.messages.stream({ ...claudeCodeTurn('main', 'stream it'), stream: true })
    .finalMessage();
  assert.equal(streamed.stop_reason, 'end_turn');
  assert.deepEqual(lastCall(ANT_KEY).roles, ['user', 'system']);
});

test('to an older Claude model: the system message joins `system`, and what the model would refuse stays out', async () => {
  await client().beta.messages.create(claudeCodeTurn('older', 'hi older'));
  const call = lastCall(ANT_KEY);
  assert.equal(call.model, 'claude-sonnet-4-5');
  assert.deepEqual(call.roles, ['user']);
  assert.deepEqual(call.fields, ['max_tokens', 'metadata', 'system']);
});

test('to an OpenAI-compatible route: system messages in place, the Anthropic-only fields left out', async () => {
  const message = await client().beta.messages.create(claudeCodeTurn('openai', 'hi openai'));
  const text = message.content[0];
  assert.ok(text && text.type === 'text');
  assert.match(text.text, /\[sim-large\] reply to: hi openai/);
  const call = lastCall(OAI_KEY);
  assert.deepEqual(call.roles, ['system', 'user', 'system']);
  assert.deepEqual(call.fields, ['max_tokens', 'user']);
});

test("a tool turn with thinking on is answered: the tool result goes back with thinking and the turn's thinking block", async () => {
  const tools: Anthropic.Beta.BetaTool[] = [
    {
      name: 'lookup',
      description: 'look up',
      input_schema: { type: 'object', properties: { echo: { type: 'string' } } },
    },
  ];
  const first = await client().beta.messages.create({ ...claudeCodeTurn('main', 'please call lookup now'), tools });
  const use = first.content.find((b) => b.type === 'tool_use');
  assert.ok(use && use.type === 'tool_use', JSON.stringify(first.content));
  const second = await client().beta.messages.create({
    ...claudeCodeTurn('main', 'please call lookup now'),
    tools,
    messages: [
      { role: 'user', content: 'please call lookup now' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'found it' }] },
      { role: 'system', content: 'Keep going.' },
    ],
  });
  const text = second.content.find((b) => b.type === 'text');
  assert.ok(text && text.type === 'text', JSON.stringify(second.content));
  assert.match(text.text, /got tool result: found it/);
  const call = lastCall(ANT_KEY);
  assert.deepEqual(call.roles, ['user', 'assistant', 'user', 'system']);
  // The simulator refuses thinking here unless the assistant turn opens with the block it signed.
  assert.ok(call.fields.includes('thinking') && call.fields.includes('context_management'), call.fields.join());
});

test('fields the gateway does not know never fail a request', async () => {
  const res = await fetch(`${h.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': h.key, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'main',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hello' }],
      speed: 'fast',
      service_tier: 'auto',
      diagnostics: { previous_message_id: 'msg_1' },
      cache_control: { type: 'ephemeral' },
      a_field_from_2027: { anything: [1, 2, 3] },
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(lastCall(ANT_KEY).fields, ['max_tokens']);
});
