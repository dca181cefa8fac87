// The Anthropic fast path (wire/anthropic/fast.ts) takes an agent's turn — Claude Code's captured requests, tools,
// tool calls and results, thinking, cache marks — without zod, and takes nothing the schema would refuse: anything
// unsure is left to zod, which words the error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fastAnthropicRequest } from '../../../src/gateway/wire/anthropic/fast.ts';
import { anthropicRequest } from '../../../src/gateway/wire/anthropic/schema.ts';

const mark = { type: 'ephemeral' };
const agentTurn = {
  model: 'main',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'rules', cache_control: mark }],
  messages: [
    { role: 'user', content: 'go' },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'hm', signature: 'sig' },
        { type: 'tool_use', id: 'toolu_1', name: 'read', input: { path: 'a.ts' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'text', cache_control: mark }] },
  ],
  tools: [{ name: 'read', description: 'Reads', input_schema: { type: 'object' } }],
  tool_choice: { type: 'auto' },
  thinking: { type: 'adaptive' },
  context_management: { edits: [] },
  output_config: { effort: 'medium' },
  metadata: { user_id: 'u' },
  stream: true,
};

test("an agent's turn and every Claude Code request captured take the fast path", () => {
  assert.equal(fastAnthropicRequest(agentTurn), agentTurn);
  const dir = new URL('../../fixtures/clients/claude-code-2.1.331/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length > 10);
  for (const f of files) {
    const body = (JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { request: { body: unknown } }).request.body;
    assert.equal(fastAnthropicRequest(body), body, f);
  }
});

test('a body the schema refuses never takes the fast path', () => {
  const [user, assistant, result] = agentTurn.messages;
  const variants: unknown[] = [
    { ...agentTurn, model: '' },
    { ...agentTurn, max_tokens: 0 },
    { ...agentTurn, max_tokens: 1.5 },
    { ...agentTurn, temperature: 1.5 },
    { ...agentTurn, top_p: -1 },
    { ...agentTurn, top_k: 0 },
    { ...agentTurn, stream: 'yes' },
    { ...agentTurn, system: [{ type: 'image' }] },
    { ...agentTurn, system: 7 },
    { ...agentTurn, messages: [] },
    { ...agentTurn, messages: [{ role: 'tool', content: 'x' }] },
    { ...agentTurn, messages: [{ role: 'user', content: [{ text: 'no type' }] }] },
    { ...agentTurn, messages: [{ role: 'user', content: [{ type: 'text', text: 3 }] }] },
    { ...agentTurn, messages: [user, { role: 'assistant', content: [{ type: 'tool_use', id: '', name: 'x' }] }] },
    {
      ...agentTurn,
      messages: [user, { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'x', input: [] }] }],
    },
    { ...agentTurn, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: '' }] }] },
    {
      ...agentTurn,
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: [{ type: 'doc' }] }] }],
    },
    {
      ...agentTurn,
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', is_error: 'no' }] }],
    },
    { ...agentTurn, messages: [user, assistant, result, { role: 'system', content: 'x', clear_at: 5 }] },
    { ...agentTurn, tools: [{ name: '', input_schema: {} }] },
    { ...agentTurn, tools: [{ name: 'x', input_schema: [] }] },
    { ...agentTurn, tools: [{ name: 'x', description: null, input_schema: {} }] },
    { ...agentTurn, tools: [{ type: 3, name: 'x' }] },
    { ...agentTurn, tools: {} },
    { ...agentTurn, tool_choice: { type: 'function' } },
    { ...agentTurn, tool_choice: { type: 'tool', name: 3 } },
    { ...agentTurn, stop_sequences: ['a', 1] },
    { ...agentTurn, betas: 'x' },
    { ...agentTurn, metadata: { user_id: 5 } },
    { ...agentTurn, output_config: { effort: '' } },
    { ...agentTurn, output_config: { format: { type: 'json_schema', schema: {} } } },
    { ...agentTurn, thinking: { budget: 5 } },
    { ...agentTurn, context_management: [] },
  ];
  for (const [i, body] of variants.entries()) {
    const fast = fastAnthropicRequest(body);
    if (fast !== undefined) assert.ok(anthropicRequest.safeParse(body).success, `variant ${i} passed the fast path`);
  }
  assert.equal(fastAnthropicRequest(variants[0]), undefined);
});

test('what zod leaves to the translator takes the fast path too: blocks of other types, server tools', () => {
  for (const body of [
    { ...agentTurn, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] },
    { ...agentTurn, tools: [{ type: 'web_search_20250305', name: 'web_search' }] },
  ]) {
    assert.equal(fastAnthropicRequest(body), body);
    assert.ok(anthropicRequest.safeParse(body).success);
  }
});
