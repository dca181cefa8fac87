// Tool-call ids: the ids the gateway makes up for calls an upstream answered without one, and the mapping that
// gives an Anthropic route ids it accepts (valid characters, unique in the conversation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamEvent } from '../../src/providers/types.ts';
import { fromOpenAIResponse } from '../../src/providers/translate/openai-wire.ts';
import { createOpenAIChunkDecoder } from '../../src/providers/translate/openai-stream.ts';
import { fromAnthropicResponse, toAnthropicResponse } from '../../src/providers/translate/anthropic-wire.ts';
import { createAnthropicEventDecoder } from '../../src/providers/translate/anthropic-stream.ts';

const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/;

/** An OpenAI answer whose tool calls come without an id, with an empty one, and with one of its own. */
const openAIAnswer = (): unknown => ({
  id: 'x', model: 'm',
  choices: [{ finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [
    { type: 'function', function: { name: 'a', arguments: '{}' } },
    { id: '', type: 'function', function: { name: 'b', arguments: '{}' } },
    { id: 'functions.Bash:0', type: 'function', function: { name: 'c', arguments: '{}' } },
  ] } }],
});

test('tool calls answered without an id (or an empty one) get a fresh call_ id each time; an upstream id is kept', () => {
  const first = fromOpenAIResponse(openAIAnswer())!.tool_calls.map((c) => c.id);
  const second = fromOpenAIResponse(openAIAnswer())!.tool_calls.map((c) => c.id);
  for (const id of [...first.slice(0, 2), ...second.slice(0, 2)]) assert.match(id, /^call_[0-9a-f]{32}$/);
  assert.equal(new Set([...first.slice(0, 2), ...second.slice(0, 2)]).size, 4, 'unique across calls and turns');
  // The upstream's own id goes back to it on the next turn as it was (only an Anthropic route needs it mapped).
  assert.equal(first[2], 'functions.Bash:0');
  // An Anthropic caller never sees an empty tool_use id (the gateway would refuse its next turn).
  const answer = toAnthropicResponse(fromOpenAIResponse(openAIAnswer())!);
  const ids = (answer['content'] as { type: string; id?: string }[]).filter((block) => block.type === 'tool_use').map((block) => block.id);
  assert.equal(ids.length, 3);
  for (const id of ids.slice(0, 2)) assert.match(id ?? '', ANTHROPIC_ID);
});

test('streamed tool calls without an id get a fresh call_ id, not call_<index> in every turn', () => {
  const idsOfOneStream = (): string[] => {
    const decoder = createOpenAIChunkDecoder();
    const events: StreamEvent[] = [
      ...decoder.push({ id: 'x', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'a', arguments: '' } }] } }] }),
      ...decoder.push({ id: 'x', model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: '', function: { name: 'b', arguments: '{}' } }] } }] }),
      ...decoder.push({ id: 'x', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
    ];
    return events.flatMap((e) => (e.type === 'tool_call_start' ? [e.id] : []));
  };
  const ids = [...idsOfOneStream(), ...idsOfOneStream()];
  assert.equal(ids.length, 4);
  for (const id of ids) assert.match(id, /^call_[0-9a-f]{32}$/);
  assert.equal(new Set(ids).size, 4);
});

test('an Anthropic upstream\'s tool_use without an id gets a fresh toolu_ id, whole and streamed', () => {
  const whole = fromAnthropicResponse({ id: 'm', model: 'm', content: [{ type: 'tool_use', name: 'a', input: {} }, { type: 'tool_use', id: '', name: 'b', input: {} }] });
  const [a, b] = whole!.tool_calls.map((c) => c.id);
  assert.match(a ?? '', /^toolu_[0-9a-f]{32}$/);
  assert.match(b ?? '', /^toolu_[0-9a-f]{32}$/);
  assert.notEqual(a, b);
  const decoder = createAnthropicEventDecoder();
  const { events } = decoder.push({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', name: 'a', input: {} } });
  const start = events[0];
  assert.ok(start?.type === 'tool_call_start');
  assert.match(start.id, /^toolu_[0-9a-f]{32}$/);
});
