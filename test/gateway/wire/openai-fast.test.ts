// The OpenAI fast path (wire/openai/fast.ts) takes an agent's turn — tools, tool calls, tool results, text parts —
// without zod, and takes nothing the schema would refuse: anything unsure is left to zod, which words the error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastOpenAIRequest } from '../../../src/gateway/wire/openai/fast.ts';
import { openaiRequest } from '../../../src/gateway/wire/openai/schema.ts';

const tool = { type: 'function', function: { name: 'read', description: 'Reads', parameters: { type: 'object' } } };
const call = { id: 'call_1', type: 'function', function: { name: 'read', arguments: '{}' } };
const agentTurn = {
  model: 'main',
  messages: [
    { role: 'system', content: [{ type: 'text', text: 'rules', cache_control: { type: 'ephemeral' } }] },
    { role: 'user', content: 'go' },
    { role: 'assistant', content: null, tool_calls: [call] },
    { role: 'tool', tool_call_id: 'call_1', content: 'file text' },
  ],
  tools: [tool],
  tool_choice: 'auto',
  max_tokens: 100,
};

test("an agent's turn takes the fast path", () => {
  assert.equal(fastOpenAIRequest(agentTurn), agentTurn);
});

test('a body the schema refuses never takes the fast path', () => {
  const variants: unknown[] = [
    { ...agentTurn, tools: [{ ...tool, type: 'custom' }] },
    { ...agentTurn, tools: [{ type: 'function', function: { ...tool.function, name: '' } }] },
    { ...agentTurn, tools: [{ type: 'function', function: { ...tool.function, parameters: [] } }] },
    { ...agentTurn, tools: [{ type: 'function', function: { ...tool.function, description: null } }] },
    { ...agentTurn, tools: [{ type: 'function', function: { ...tool.function, strict: 'yes' } }] },
    { ...agentTurn, tools: {} },
    { ...agentTurn, tool_choice: 'any' },
    { ...agentTurn, tool_choice: { type: 'function', function: { name: '' } } },
    { ...agentTurn, messages: [{ role: 'assistant', tool_calls: [{ ...call, type: 'tool' }] }] },
    { ...agentTurn, messages: [{ role: 'assistant', tool_calls: [{ ...call, function: { name: 'read' } }] }] },
    { ...agentTurn, messages: [{ role: 'assistant', tool_calls: [{ ...call, id: 1 }] }] },
    { ...agentTurn, messages: [{ role: 'assistant', tool_calls: call }] },
    { ...agentTurn, messages: [{ role: 'tool', tool_call_id: 7, content: 'x' }] },
    { ...agentTurn, messages: [{ role: 'user', content: [{ type: 'text' }] }] },
    { ...agentTurn, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
    { ...agentTurn, messages: [{ role: 'user', content: 'x', name: null }] },
    { ...agentTurn, messages: [{ role: 'function', content: 'x' }] },
  ];
  for (const [i, body] of variants.entries()) {
    const fast = fastOpenAIRequest(body);
    if (fast !== undefined) assert.ok(openaiRequest.safeParse(body).success, `variant ${i} passed the fast path`);
  }
  assert.equal(fastOpenAIRequest(variants[0]), undefined);
});
