// A prompt's estimate when its messages are shared with earlier turns (src/shared-value.ts): each shared message's
// tokens are counted once and kept, and the estimate is the one its unshared copy gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promptTokensLater } from '../../src/calls/prompt-tokens.ts';
import { share } from '../../src/shared-value.ts';
import type { ChatMessage } from '../../src/providers/types.ts';

test("a shared conversation's prompt is estimated as its copy is, turn after turn", async () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a careful coding agent. '.repeat(40) },
    { role: 'user', content: 'Why does the build fail on `node --test`? — café ☕' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', name: 'read', arguments: '{"path":"a.ts"}' }] },
    { role: 'tool', tool_call_id: 'c1', content: 'export const a = 1;\n'.repeat(300) },
  ];
  const shared = share(structuredClone(messages));
  const expected = await promptTokensLater(messages);
  assert.ok(expected > 100);
  assert.equal(await promptTokensLater(shared), expected);
  assert.equal(await promptTokensLater(shared), expected, 'the second count, from what was kept');
  const next = [...shared, { role: 'user' as const, content: 'and now?' }];
  assert.equal(
    await promptTokensLater(next),
    await promptTokensLater([...messages, { role: 'user', content: 'and now?' }]),
  );
});
