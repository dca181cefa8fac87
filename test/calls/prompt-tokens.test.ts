// A prompt's tokens counted blocking or awaited, each shared message's count kept for later turns, and the uncounted
// bound a parse tries first (Anthropic compaction's trigger).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promptTokensAtMost, promptTokensLater, promptTokensNow } from '../../src/calls/prompt-tokens.ts';
import { countTextTokens } from '../../src/calls/count-tokens.ts';
import { share } from '../../src/shared-value.ts';
import type { ChatMessage } from '../../src/providers/types.ts';

const conversation = (): ChatMessage[] => [
  { role: 'system', content: 'You are a careful coding agent. '.repeat(40) },
  { role: 'user', content: '为什么构建失败？ — café ☕ 🧪🧪 <|endoftext|>' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'c1', name: 'read', arguments: '{"path":"a.ts"}' }] },
  { role: 'tool', tool_call_id: 'c1', content: 'export const a = 1;\n'.repeat(300) },
];

test('a prompt counts the same blocking and awaited, shared or not, turn after turn', async () => {
  const plain = conversation();
  const expected = plain.reduce((n, m) => n + (m.content === null ? 0 : countTextTokens(m.content)), 0);
  assert.equal(promptTokensNow(plain), expected);
  assert.equal(await promptTokensLater(plain), expected);
  const shared = share(conversation());
  assert.equal(promptTokensNow(shared), expected, 'counted, and kept');
  assert.equal(await promptTokensLater(shared), expected, 'the kept counts, awaited');
  const next = [...shared, { role: 'user' as const, content: 'and now?' }];
  assert.equal(await promptTokensLater(next), expected + countTextTokens('and now?'));
  assert.equal(promptTokensNow(next), expected + countTextTokens('and now?'));
});

test('the uncounted bound is never under the count, whatever the script', () => {
  const messages = conversation();
  assert.ok(promptTokensAtMost(messages) >= promptTokensNow(messages));
  const emoji: ChatMessage[] = [{ role: 'user', content: '🧪'.repeat(1000) + '为什么'.repeat(1000) }];
  assert.ok(promptTokensAtMost(emoji) >= promptTokensNow(emoji));
  assert.equal(promptTokensAtMost([{ role: 'assistant', content: null }]), 1);
});
