// Whether an Anthropic route is sent the caller's thinking: not when the last turn answers tool calls made without a
// thinking block, which Anthropic refuses; judged by the last two turns, system messages and non-objects passed over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../src/providers/types.ts';
import { thinkingToSend } from '../../src/providers/anthropic/thinking.ts';

const THINKING = { type: 'enabled', budget_tokens: 1024 };
const request = { model: 'claude-opus-4-1', messages: [], anthropic_fields: { thinking: THINKING } } as ChatRequest;

const call = (opensWithThinking: boolean) => ({
  role: 'assistant',
  content: [
    ...(opensWithThinking ? [{ type: 'thinking', thinking: 'Read it.', signature: 'EqQB' }] : []),
    { type: 'tool_use', id: 'toolu_1', name: 'read', input: {} },
  ],
});
const results = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] };
const note = { role: 'system', content: 'Be brief.' };
const ask = { role: 'user', content: 'Read a.ts.' };

test('thinking goes with results for a call that opened with thinking, and not for one that did not', () => {
  assert.deepEqual(thinkingToSend(request, [ask, call(true), results]), THINKING);
  assert.equal(thinkingToSend(request, [ask, call(false), results]), undefined);
});

test('a system message or a non-object between or after the turns does not change which two are read', () => {
  assert.deepEqual(thinkingToSend(request, [ask, call(true), note, 7, results, note]), THINKING);
  assert.equal(thinkingToSend(request, [ask, call(false), null, note, results, 'x']), undefined);
});

test('a last turn of text keeps the thinking; results with no call before them do not', () => {
  assert.deepEqual(thinkingToSend(request, [ask, call(false), results, call(false), ask]), THINKING);
  assert.equal(thinkingToSend(request, [note, results]), undefined);
  assert.deepEqual(thinkingToSend(request, []), THINKING);
});
