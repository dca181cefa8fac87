// Prompt-cache hints across API shapes (docs/credentials.md#cache-hints-across-api-shapes): an Anthropic route gets at
// most four cache_control breakpoints (the last of tools and system, the last three of the messages), and an OpenAI request a prompt_cache_key
// derived from its conversation when the caller gave none.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toAnthropicRequest } from '../../src/providers/anthropic/request.ts';
import { requestFor } from '../../src/routing/adjust.ts';
import { prefixHashes } from '../../src/credentials/affinity.ts';
import type { ChatMessage, ChatRequest } from '../../src/providers/types.ts';

const mark = { type: 'ephemeral' as const };

function marksOf(body: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'cache_control') out.push(where);
        else walk(x, `${where}.${k}`);
      }
  };
  for (const k of ['tools', 'system', 'messages']) walk(body[k], k);
  return out;
}

const text = (t: string, marked = false): ChatMessage['parts'] => [
  { type: 'text', text: t, ...(marked ? { cache_control: mark } : {}) },
];

describe('cache_control on an Anthropic route', () => {
  it('keeps up to four marks where the caller put them', () => {
    const req: ChatRequest = {
      model: 'claude-sonnet-4-5',
      tools: [{ name: 'read', parameters: { type: 'object' }, cache_control: mark }],
      messages: [
        { role: 'system', content: 'sys', parts: text('sys', true) },
        { role: 'user', content: 'a', parts: text('a', true) },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c', parts: text('c', true) },
      ],
    };
    assert.deepEqual(marksOf(toAnthropicRequest(req, { stream: false })), [
      'tools[0]',
      'system[0]',
      'messages[0].content[0]',
      'messages[2].content[0]',
    ]);
  });

  it('past four, keeps the last mark of tools and system and the last three of the messages', () => {
    const req: ChatRequest = {
      model: 'claude-sonnet-4-5',
      tools: [{ name: 'read', parameters: { type: 'object' }, cache_control: mark }],
      messages: [
        { role: 'system', content: 'sys', parts: text('sys', true) },
        { role: 'user', content: 'a', parts: text('a', true) },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c', parts: text('c', true) },
        { role: 'assistant', content: 'd' },
        { role: 'user', content: 'e', parts: text('e', true) },
        { role: 'assistant', content: 'f' },
        { role: 'tool', content: 'g', tool_call_id: 'x', cache_control: mark },
      ],
    };
    assert.deepEqual(marksOf(toAnthropicRequest(req, { stream: false })), [
      'system[0]',
      'messages[2].content[0]',
      'messages[4].content[0]',
      'messages[6].content[0]',
    ]);
  });
});

describe('prompt_cache_key', () => {
  const turn1: ChatMessage[] = [
    { role: 'system', content: 'You are an agent.' },
    { role: 'user', content: 'fix the bug' },
  ];
  const turn2: ChatMessage[] = [...turn1, { role: 'assistant', content: 'done' }, { role: 'user', content: 'thanks' }];

  it('is derived from the conversation opening: the same on every turn, another for another conversation', () => {
    const a = prefixHashes('main', turn1, undefined).conversation;
    assert.equal(prefixHashes('main', turn2, undefined).conversation, a);
    const other = [turn1[0]!, { role: 'user' as const, content: 'write docs' }];
    assert.notEqual(prefixHashes('main', other, undefined).conversation, a);
    assert.notEqual(prefixHashes('title_generation', turn1, undefined).conversation, a);
  });

  it("never replaces the caller's own, and reaches a Responses body sent as it came", () => {
    const route = { provider: 'oa', model: 'gpt-5', origin: 'main' };
    const derived = requestFor({ messages: turn1 }, route, { promptCacheKey: 'sy-x' });
    assert.equal(derived.prompt_cache_key, 'sy-x');
    const own = requestFor({ messages: turn1, prompt_cache_key: 'mine' }, route, { promptCacheKey: 'sy-x' });
    assert.equal(own.prompt_cache_key, 'mine');
    const body = { input: 'hi' };
    const responses = requestFor({ messages: turn1, responses_body: body }, route, { promptCacheKey: 'sy-x' });
    assert.equal(responses.responses_body?.['prompt_cache_key'], 'sy-x');
    assert.deepEqual(body, { input: 'hi' }, "the caller's body is not changed");
  });
});

describe('prefix hashes', () => {
  it('a turn looks up the prompt the turn before it sent, and never keeps its text', () => {
    const t1 = prefixHashes('main', [{ role: 'user', content: 'secret plan' }], undefined);
    const t2 = prefixHashes(
      'main',
      [
        { role: 'user', content: 'secret plan' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'go on' },
      ],
      undefined,
    );
    assert.equal(t1.lookups.length, 0);
    assert.equal(t2.lookups[0]?.hash, t1.whole.hash);
    assert.doesNotMatch(JSON.stringify([t1, t2]), /secret/);
  });
});
