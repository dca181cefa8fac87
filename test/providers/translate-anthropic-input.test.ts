// What Claude Code ≥ 2.1.154 sends besides the classic Messages fields: system messages in the middle of `messages`,
// `thinking`, `context_management`, `output_config.effort`. Each reaches an Anthropic route as its model takes it and
// an OpenAI-compatible route as it can (system messages in place, the rest left out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toAnthropicRequest } from '../../src/providers/anthropic/request.ts';
import { parseAnthropicRequest } from '../../src/gateway/wire/anthropic/request.ts';
import { toOpenAIRequest } from '../../src/providers/openai/request.ts';
import type { ChatRequest } from '../../src/providers/types.ts';
import { modelTakes } from '../../src/providers/anthropic/features.ts';

type Obj = Record<string, unknown>;

const parse = (body: Obj): ChatRequest => parseAnthropicRequest({ max_tokens: 100, ...body }).request;
const toAnthropic = (request: ChatRequest, model: string): Obj =>
  toAnthropicRequest({ ...request, model }, { stream: false });
const roles = (body: Obj): unknown[] => (body['messages'] as Obj[]).map((m) => m['role']);

const REMINDER = {
  role: 'system',
  content: [{ type: 'text', text: 'Reminder: be brief.', cache_control: { type: 'ephemeral' } }],
};

test('a system message mid-conversation stays in place for a model that takes it, with its cache mark', () => {
  const request = parse({
    model: 'claude-opus-5-5',
    system: 'You are Claude Code.',
    messages: [{ role: 'user', content: 'hi' }, REMINDER],
  });
  assert.deepEqual(
    request.messages.map((m) => m.role),
    ['system', 'user', 'system'],
  );
  const wire = toAnthropic(request, 'claude-opus-5-5');
  assert.equal(wire['system'], 'You are Claude Code.');
  assert.deepEqual(wire['messages'], [
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    { role: 'system', content: [{ type: 'text', text: 'Reminder: be brief.', cache_control: { type: 'ephemeral' } }] },
  ]);
  assert.deepEqual(roles(toAnthropic(request, 'claude-opus-4-8')), ['user', 'system']);
});

test('where Anthropic would refuse it — an older model, or a place the API does not take — it joins the top-level system', () => {
  const request = parse({
    model: 'm',
    system: 'Base.',
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'Later.' },
    ],
  });
  for (const model of ['claude-sonnet-4-5', 'claude-opus-4-7', 'deepseek-chat', 'sonnet']) {
    const wire = toAnthropic(request, model);
    assert.deepEqual(roles(wire), ['user'], model);
    assert.equal(wire['system'], 'Base.\n\nLater.', model);
  }
  // Followed by a user turn (Anthropic wants it last or before the assistant): the user turns either side merge.
  const between = toAnthropic(
    parse({
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'system', content: 'S' },
        { role: 'user', content: 'b' },
      ],
    }),
    'claude-opus-5-5',
  );
  assert.equal(between['system'], 'S');
  assert.deepEqual(between['messages'], [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ],
    },
  ]);
  // After an assistant turn: hoisted; before one: in place.
  const history = parse({
    model: 'm',
    messages: [
      { role: 'user', content: 'a' },
      { role: 'system', content: 'S1' },
      { role: 'assistant', content: 'ok' },
      { role: 'system', content: 'S2' },
      { role: 'user', content: 'b' },
    ],
  });
  const wire = toAnthropic(history, 'claude-opus-5-5');
  assert.deepEqual(roles(wire), ['user', 'system', 'assistant', 'user']);
  assert.equal(wire['system'], 'S2');
});

test('side-by-side system messages are one; blank ones and those cleared by a later user message are left out', () => {
  const request = parse({
    model: 'm',
    messages: [
      { role: 'user', content: 'a' },
      { role: 'system', content: 'once', clear_at: 'next_user_message' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'b' },
      { role: 'system', content: 'S1' },
      { role: 'system', content: '  ' },
      { role: 'system', content: [{ type: 'text', text: 'S2' }], clear_at: 'next_user_message' },
    ],
  });
  assert.deepEqual(
    request.messages.map((m) => [m.role, m.content]),
    [
      ['user', 'a'],
      ['assistant', 'ok'],
      ['user', 'b'],
      ['system', 'S1'],
      ['system', 'S2'],
    ],
  );
  const wire = toAnthropic(request, 'claude-opus-5-5');
  assert.deepEqual((wire['messages'] as Obj[]).at(-1), {
    role: 'system',
    content: [
      { type: 'text', text: 'S1' },
      { type: 'text', text: 'S2' },
    ],
  });
});

test('an OpenAI-compatible route gets the system messages in place, and none of the Anthropic-only fields', () => {
  const request = parse({
    model: 'm',
    system: 'Base.',
    messages: [{ role: 'user', content: 'hi' }, REMINDER],
    thinking: { type: 'adaptive' },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    output_config: { effort: 'high' },
  });
  const wire = toOpenAIRequest(request, { stream: false });
  assert.deepEqual(
    (wire['messages'] as Obj[]).map((m) => [m['role'], m['content']]),
    [
      ['system', 'Base.'],
      ['user', 'hi'],
      ['system', 'Reminder: be brief.'],
    ],
  );
  for (const field of ['thinking', 'context_management', 'output_config', 'reasoning_effort'])
    assert.equal(wire[field], undefined, field);
});

test('thinking, context_management and effort reach an Anthropic route whose model takes them, as sent', () => {
  const fields = {
    thinking: { type: 'adaptive', display: 'omitted' },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    output_config: { effort: 'high' },
  };
  const request = parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...fields });
  assert.deepEqual(request.anthropic_fields, fields);
  const wire = toAnthropic(request, 'claude-opus-5-5');
  for (const [k, v] of Object.entries(fields)) assert.deepEqual(wire[k], v, k);
  // Unknown ids (another vendor's Anthropic-compatible API, an alias) get them as sent too.
  assert.deepEqual(toAnthropic(request, 'glm-5.1')['thinking'], fields.thinking);
  // A model without adaptive thinking or effort: those stay out, and clear_thinking (which needs thinking) with them.
  const haiku = toAnthropic(request, 'claude-haiku-4-5');
  for (const k of ['thinking', 'context_management', 'output_config']) assert.equal(haiku[k], undefined, k);
  const opus45 = toAnthropic(request, 'claude-opus-4-5');
  assert.deepEqual(opus45['output_config'], { effort: 'high' });
  assert.equal(opus45['thinking'], undefined);
  // Thinking that is not adaptive goes as the caller set it; `disabled` too.
  assert.deepEqual(
    toAnthropic(
      parse({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        thinking: { type: 'enabled', budget_tokens: 2048 },
      }),
      'claude-haiku-4-5',
    )['thinking'],
    { type: 'enabled', budget_tokens: 2048 },
  );
});

const toolTurn = (asked: Obj[]): ChatRequest =>
  parse({
    model: 'm',
    messages: [
      { role: 'user', content: 'list files' },
      { role: 'assistant', content: [...asked, { type: 'tool_use', id: 'toolu_1', name: 'ls', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
      REMINDER,
    ],
    tools: [{ name: 'ls', input_schema: { type: 'object' } }],
    thinking: { type: 'adaptive' },
    context_management: {
      edits: [{ type: 'clear_thinking_20251015', keep: 'all' }, { type: 'clear_tool_uses_20250919' }],
    },
  });

test('tool results for a turn that opened with its thinking block go with thinking and the block as sent', () => {
  const blocks = [
    { type: 'thinking', thinking: 'Listing.', signature: 'sig-1' },
    { type: 'redacted_thinking', data: 'opaque' },
  ];
  const wire = toAnthropic(toolTurn(blocks), 'claude-opus-5-5');
  assert.deepEqual(wire['thinking'], { type: 'adaptive' });
  assert.deepEqual(wire['context_management'], {
    edits: [{ type: 'clear_thinking_20251015', keep: 'all' }, { type: 'clear_tool_uses_20250919' }],
  });
  const asked = (wire['messages'] as Obj[])[1]!;
  assert.deepEqual(asked['content'], [...blocks, { type: 'tool_use', id: 'toolu_1', name: 'ls', input: {} }]);
  // An OpenAI-compatible route never gets them.
  const openai = toOpenAIRequest({ ...toolTurn(blocks), model: 'gpt-x' }, { stream: false });
  assert.doesNotMatch(JSON.stringify(openai), /sig-1|opaque|thinking/);
});

test('a request sent without thinking goes without the thinking blocks, which Anthropic refuses then', () => {
  const blocks = [{ type: 'thinking', thinking: 'Listing.', signature: 'sig-1' }];
  // Adaptive thinking to a model without it (Haiku 4.5), and a caller that turned thinking off.
  const haiku = toAnthropic(toolTurn(blocks), 'claude-haiku-4-5');
  const off = toAnthropic(
    { ...toolTurn(blocks), anthropic_fields: { thinking: { type: 'disabled' } } },
    'claude-opus-5-5',
  );
  for (const wire of [haiku, off]) {
    assert.notDeepEqual(wire['thinking'], { type: 'adaptive' });
    assert.deepEqual((wire['messages'] as Obj[])[1], {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'ls', input: {} }],
    });
  }
  assert.deepEqual(off['thinking'], { type: 'disabled' });
});

test('tool results for a turn without a thinking block (an OpenAI route answered it) go without thinking, keeping other edits', () => {
  const wire = toAnthropic(toolTurn([]), 'claude-opus-5-5');
  assert.equal(wire['thinking'], undefined);
  assert.deepEqual(wire['context_management'], { edits: [{ type: 'clear_tool_uses_20250919' }] });
  assert.deepEqual(roles(wire), ['user', 'assistant', 'user', 'system']);
});

test('the model table: mid-conversation system messages, adaptive thinking and effort by model id', () => {
  const cases: [string, boolean, boolean, boolean][] = [
    ['claude-opus-5-5', true, true, true],
    ['claude-sonnet-5', true, true, true],
    ['claude-opus-4-8', true, true, true],
    ['claude-opus-4-7', false, true, true],
    ['claude-opus-4-6', false, true, true],
    ['claude-sonnet-4-6', false, true, true],
    ['claude-opus-4-5-20251101', false, false, true],
    ['claude-sonnet-4-5', false, false, false],
    ['claude-haiku-4-5', false, false, false],
    ['anthropic.claude-opus-4-8-v1:0', true, true, true],
    ['glm-5.1', false, true, true],
  ];
  for (const [model, mid, adaptive, effort] of cases) {
    assert.deepEqual(
      [
        modelTakes(model, 'mid_conversation_system'),
        modelTakes(model, 'adaptive_thinking'),
        modelTakes(model, 'effort'),
      ],
      [mid, adaptive, effort],
      model,
    );
  }
});
