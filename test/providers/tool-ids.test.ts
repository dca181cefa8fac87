// Tool-call ids: the ids the gateway makes up for calls an upstream answered without one, and the mapping that
// gives an Anthropic route ids it accepts (valid characters, unique in the conversation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage, ChatRequest, StreamEvent } from '../../src/providers/types.ts';
import { toOpenAIRequest } from '../../src/providers/openai/request.ts';
import { fromOpenAIResponse } from '../../src/providers/openai/answer.ts';
import { createOpenAIChunkDecoder } from '../../src/providers/openai/stream.ts';
import { toAnthropicRequest } from '../../src/providers/anthropic/request.ts';
import { fromAnthropicResponse } from '../../src/providers/anthropic/answer.ts';
import { toAnthropicResponse } from '../../src/gateway/wire/anthropic/answer.ts';
import { withAnthropicToolIds } from '../../src/providers/anthropic/tool-ids.ts';
import { createAnthropicEventDecoder } from '../../src/providers/anthropic/stream.ts';

const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/;

/** An OpenAI answer whose tool calls come without an id, with an empty one, and with one of its own. */
const openAIAnswer = (): unknown => ({
  id: 'x',
  model: 'm',
  choices: [
    {
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { type: 'function', function: { name: 'a', arguments: '{}' } },
          { id: '', type: 'function', function: { name: 'b', arguments: '{}' } },
          { id: 'functions.Bash:0', type: 'function', function: { name: 'c', arguments: '{}' } },
        ],
      },
    },
  ],
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
  const ids = (answer['content'] as { type: string; id?: string }[])
    .filter((block) => block.type === 'tool_use')
    .map((block) => block.id);
  assert.equal(ids.length, 3);
  for (const id of ids.slice(0, 2)) assert.match(id ?? '', ANTHROPIC_ID);
});

test('streamed tool calls without an id get a fresh call_ id, not call_<index> in every turn', () => {
  const idsOfOneStream = (): string[] => {
    const decoder = createOpenAIChunkDecoder();
    const events: StreamEvent[] = [
      ...decoder.push({
        id: 'x',
        model: 'm',
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'a', arguments: '' } }] } }],
      }),
      ...decoder.push({
        id: 'x',
        model: 'm',
        choices: [
          { index: 0, delta: { tool_calls: [{ index: 1, id: '', function: { name: 'b', arguments: '{}' } }] } },
        ],
      }),
      ...decoder.push({ id: 'x', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
    ];
    return events.flatMap((e) => (e.type === 'tool_call_start' ? [e.id] : []));
  };
  const ids = [...idsOfOneStream(), ...idsOfOneStream()];
  assert.equal(ids.length, 4);
  for (const id of ids) assert.match(id, /^call_[0-9a-f]{32}$/);
  assert.equal(new Set(ids).size, 4);
});

test('streamed parallel calls without an index (Gemini: one chunk each, each with its id) are separate calls', () => {
  const decoder = createOpenAIChunkDecoder();
  const delta = (tool: Record<string, unknown>): unknown => ({
    id: 'x',
    model: 'm',
    choices: [{ index: 0, delta: { tool_calls: [tool] } }],
  });
  const events: StreamEvent[] = [
    ...decoder.push(delta({ id: 'call_a', type: 'function', function: { name: 'Bash', arguments: '{"cmd":"ls"}' } })),
    ...decoder.push(delta({ id: 'call_b', type: 'function', function: { name: 'Read', arguments: '{}' } })),
    ...decoder.push(delta({ id: 'call_a', function: { arguments: '' } })),
    ...decoder.push({ id: 'x', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }),
    ...decoder.end(),
  ];
  const starts = events.flatMap((e) => (e.type === 'tool_call_start' ? [[e.index, e.id, e.name]] : []));
  assert.deepEqual(starts, [
    [0, 'call_a', 'Bash'],
    [1, 'call_b', 'Read'],
  ]);
  const args = new Map<number, string>();
  for (const e of events) if (e.type === 'tool_call_delta') args.set(e.index, (args.get(e.index) ?? '') + e.arguments);
  assert.deepEqual(
    [...args],
    [
      [0, '{"cmd":"ls"}'],
      [1, '{}'],
    ],
  );
});

test("an Anthropic upstream's tool_use without an id gets a fresh toolu_ id, whole and streamed", () => {
  const whole = fromAnthropicResponse({
    id: 'm',
    model: 'm',
    content: [
      { type: 'tool_use', name: 'a', input: {} },
      { type: 'tool_use', id: '', name: 'b', input: {} },
    ],
  });
  const [a, b] = whole!.tool_calls.map((c) => c.id);
  assert.match(a ?? '', /^toolu_[0-9a-f]{32}$/);
  assert.match(b ?? '', /^toolu_[0-9a-f]{32}$/);
  assert.notEqual(a, b);
  const decoder = createAnthropicEventDecoder();
  const { events } = decoder.push({
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'tool_use', name: 'a', input: {} },
  });
  const start = events[0];
  assert.ok(start?.type === 'tool_call_start');
  assert.match(start.id, /^toolu_[0-9a-f]{32}$/);
});

const call = (id: string, name = 'Bash'): { id: string; name: string; arguments: string } => ({
  id,
  name,
  arguments: '{}',
});
const calls = (...ids: string[]): ChatMessage => ({
  role: 'assistant',
  content: null,
  tool_calls: ids.map((id) => call(id)),
});
const result = (id: string, content = 'ok'): ChatMessage => ({ role: 'tool', tool_call_id: id, content });

test('ids that are valid and unique pass unchanged: the very same array, not a copy', () => {
  const messages: ChatMessage[] = [
    { role: 'user', content: 'go' },
    calls('toolu_01A', 'call_x-1'),
    result('toolu_01A'),
    result('call_x-1'),
    calls('c2'),
    result('c2'),
  ];
  assert.equal(withAnthropicToolIds(messages), messages);
  const noTools: ChatMessage[] = [{ role: 'user', content: 'hi' }];
  assert.equal(withAnthropicToolIds(noTools), noTools);
});

test('Kimi-style ids get their invalid characters replaced, in the call and in the result that answers it', () => {
  const out = withAnthropicToolIds([
    { role: 'user', content: 'go' },
    calls('functions.Bash:0', 'functions.Read:1'),
    result('functions.Bash:0'),
    result('functions.Read:1'),
  ]);
  assert.deepEqual(out.slice(1), [
    calls('functions_Bash_0', 'functions_Read_1'),
    result('functions_Bash_0'),
    result('functions_Read_1'),
  ]);
});

test('an id repeated in every turn is made unique; each result answers the most recent call sent with its id', () => {
  const out = withAnthropicToolIds([
    { role: 'user', content: 'go' },
    calls('call_0'),
    result('call_0', 'first'),
    calls('call_0', 'call_1'),
    result('call_0', 'second'),
    result('call_1', 'other'),
    calls('call_0'),
    result('call_0', 'third'),
  ]);
  assert.deepEqual(out.slice(1), [
    calls('call_0'),
    result('call_0', 'first'),
    calls('call_0_2', 'call_1'),
    result('call_0_2', 'second'),
    result('call_1', 'other'),
    calls('call_0_3'),
    result('call_0_3', 'third'),
  ]);
});

test('an id repeated within one turn (parallel calls with empty ids, call_0 twice): the k-th result answers the k-th call', () => {
  const out = withAnthropicToolIds([
    { role: 'user', content: 'go' },
    calls('', ''),
    result('', 'a'),
    result('', 'b'),
    calls('call_0', 'call_0'),
    result('call_0', 'c'),
    result('call_0', 'd'),
  ]);
  assert.deepEqual(out.slice(1), [
    calls('tool_call', 'tool_call_2'),
    result('tool_call', 'a'),
    result('tool_call_2', 'b'),
    calls('call_0', 'call_0_2'),
    result('call_0', 'c'),
    result('call_0_2', 'd'),
  ]);
});

test('empty ids get one; a made-up id never takes an id that a call of the conversation was sent with', () => {
  const out = withAnthropicToolIds([
    calls('', ''),
    result('', 'b'),
    // `call_0_2` is some later call's own id: the repeat of `call_0` must not take it.
    calls('call_0'),
    result('call_0'),
    calls('call_0'),
    result('call_0'),
    calls('call_0_2'),
    result('call_0_2'),
    // A sanitized id that is some call's own id is skipped too.
    calls('a.b'),
    result('a.b'),
    calls('a_b'),
    result('a_b'),
  ]);
  assert.deepEqual(out, [
    calls('tool_call', 'tool_call_2'),
    result('tool_call', 'b'),
    calls('call_0'),
    result('call_0'),
    calls('call_0_3'),
    result('call_0_3'),
    calls('call_0_2'),
    result('call_0_2'),
    calls('a_b_2'),
    result('a_b_2'),
    calls('a_b'),
    result('a_b'),
  ]);
});

test('only the messages whose ids change are copied; the input is not modified', () => {
  const user: ChatMessage = { role: 'user', content: 'go' };
  const fine = calls('ok_1');
  const fineResult = result('ok_1');
  const bad = calls('bad:1');
  const input = [user, fine, fineResult, bad, result('bad:1')];
  const snapshot = structuredClone(input);
  const out = withAnthropicToolIds(input);
  assert.equal(out[0], user);
  assert.equal(out[1], fine);
  assert.equal(out[2], fineResult);
  assert.notEqual(out[3], bad);
  assert.deepEqual(input, snapshot);
});

test('an Anthropic route is sent the mapped ids; an OpenAI-compatible route the ids as they came', () => {
  const request: ChatRequest = {
    model: 'm',
    messages: [
      { role: 'user', content: 'go' },
      calls('functions.Bash:0'),
      result('functions.Bash:0'),
      calls('functions.Bash:0'),
      result('functions.Bash:0'),
    ],
  };
  const wire = toAnthropicRequest(request, { stream: false })['messages'] as { content: Record<string, unknown>[] }[];
  assert.deepEqual(
    wire.slice(1).map((m) => m.content.map((b) => b['id'] ?? b['tool_use_id'])),
    [['functions_Bash_0'], ['functions_Bash_0'], ['functions_Bash_0_2'], ['functions_Bash_0_2']],
  );
  const openai = toOpenAIRequest(request, { stream: false })['messages'] as Record<string, unknown>[];
  assert.equal(openai[2]?.['tool_call_id'], 'functions.Bash:0');
});
