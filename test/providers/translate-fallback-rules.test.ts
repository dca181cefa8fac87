// What one API shape allows and the other refuses: a request is made acceptable to the route's API (tool schemas,
// temperature, tool_choice without tools) instead of being forwarded to a refusal that would end a fallback as a
// bad request, and what no route could serve (Anthropic server tools) is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../src/providers/types.ts';
import { toOpenAIRequest } from '../../src/providers/openai/request.ts';
import { parseOpenAIRequest } from '../../src/gateway/wire/openai/request.ts';
import { toAnthropicRequest } from '../../src/providers/anthropic/request.ts';
import { toAnthropicResponse } from '../../src/gateway/wire/anthropic/answer.ts';
import { parseAnthropicRequest } from '../../src/gateway/wire/anthropic/request.ts';
import { anthropicInputSchema } from '../../src/providers/anthropic/input-schema.ts';
import { WireRequestError } from '../../src/providers/translate/wire-error.ts';

const located =
  (pattern: RegExp) =>
  (e: unknown): boolean =>
    WireRequestError.isInstance(e) && pattern.test(e.message);

const user = [{ role: 'user' as const, content: 'go' }];

test('a tool\'s parameters reach Anthropic as an object schema: missing, {}, or without type: "object"', () => {
  assert.deepEqual(anthropicInputSchema(undefined), { type: 'object', properties: {} });
  assert.deepEqual(anthropicInputSchema({}), { type: 'object', properties: {} });
  assert.deepEqual(anthropicInputSchema({ properties: { a: { type: 'string' } }, required: ['a'] }), {
    type: 'object',
    properties: { a: { type: 'string' } },
    required: ['a'],
  });
  // An object schema is sent as it is: the same object, not a copy.
  const fine = { type: 'object', properties: { a: { type: 'string' } } };
  assert.equal(anthropicInputSchema(fine), fine);
  const bare = { type: 'object' };
  assert.equal(anthropicInputSchema(bare), bare);

  // Through the translation, from an OpenAI caller's function tools.
  const { request } = parseOpenAIRequest({
    model: 'm',
    messages: user,
    tools: [
      { type: 'function', function: { name: 'a' } },
      { type: 'function', function: { name: 'b', parameters: {} } },
      { type: 'function', function: { name: 'c', parameters: { properties: {} } } },
    ],
  });
  const tools = toAnthropicRequest(request, { stream: false })['tools'] as { input_schema: unknown }[];
  assert.deepEqual(
    tools.map((t) => t.input_schema),
    [
      { type: 'object', properties: {} },
      { type: 'object', properties: {} },
      { type: 'object', properties: {} },
    ],
  );
  // An OpenAI-compatible route is sent the parameters as they came.
  const openai = toOpenAIRequest(request, { stream: false })['tools'] as { function: { parameters: unknown } }[];
  assert.deepEqual(openai[1]?.function.parameters, {});
});

test('temperature above 1 (OpenAI allows up to 2) goes to Anthropic as 1; an OpenAI route gets it as it came', () => {
  const { request } = parseOpenAIRequest({ model: 'm', messages: user, temperature: 1.6 });
  assert.equal(toAnthropicRequest(request, { stream: false })['temperature'], 1);
  assert.equal(toOpenAIRequest(request, { stream: false })['temperature'], 1.6);
  assert.equal(toAnthropicRequest({ ...request, temperature: 0.7 }, { stream: false })['temperature'], 0.7);
  assert.equal(toAnthropicRequest({ ...request, temperature: 0 }, { stream: false })['temperature'], 0);
});

test('temperature and top_p to a Claude model that takes only one: the one that changes nothing stays out, else top_p', () => {
  const sampling = (model: string, extra: Partial<ChatRequest>): Record<string, unknown> => {
    const body = toAnthropicRequest({ model, messages: user, ...extra }, { stream: false });
    return Object.fromEntries(['temperature', 'top_p', 'top_k'].filter((k) => k in body).map((k) => [k, body[k]]));
  };
  for (const model of [
    'claude-sonnet-4-5',
    'claude-opus-4-1-20250805',
    'claude-haiku-4-5-20251001',
    'claude-sonnet-4-6',
    'us.anthropic.claude-opus-4-5-20251101-v1:0',
    'claude-sonnet-4-5@20250929',
  ]) {
    assert.deepEqual(sampling(model, { temperature: 0.7, top_p: 0.9 }), { temperature: 0.7 }, model);
    // Anthropic's default temperature beside a real top_p: the temperature is what changes nothing.
    assert.deepEqual(sampling(model, { temperature: 1, top_p: 0.9 }), { top_p: 0.9 }, model);
    assert.deepEqual(sampling(model, { temperature: 1.5, top_p: 0.9 }), { top_p: 0.9 }, model);
    // Alone, each goes as it came.
    assert.deepEqual(sampling(model, { top_p: 0.9, top_k: 40 }), { top_p: 0.9, top_k: 40 }, model);
    assert.deepEqual(sampling(model, { temperature: 0.2 }), { temperature: 0.2 }, model);
  }
  // Models that take both get both; top_p 1 (the whole distribution) beside a temperature changes nothing and
  // stays out for every model, an alias the table cannot know included.
  for (const model of [
    'claude-sonnet-4-20250514',
    'claude-opus-4-20250514',
    'claude-3-5-sonnet-20241022',
    'claude-3-7-sonnet-latest',
    'glm-4.6',
    'my-alias',
  ]) {
    assert.deepEqual(sampling(model, { temperature: 0.7, top_p: 0.9 }), { temperature: 0.7, top_p: 0.9 }, model);
    assert.deepEqual(sampling(model, { temperature: 0.7, top_p: 1 }), { temperature: 0.7 }, model);
  }
  // Models that take no sampling settings are sent none (they would refuse the temperature).
  for (const model of ['claude-opus-4-7', 'claude-opus-4-8-20260601', 'claude-sonnet-5', 'claude-fable-5']) {
    assert.deepEqual(sampling(model, { temperature: 0.7, top_p: 0.9, top_k: 40 }), {}, model);
  }
  // Through the OpenAI caller's shape, as an SDK with defaults sends it; an OpenAI route gets both as they came.
  const { request } = parseOpenAIRequest({ model: 'claude-sonnet-4-5', messages: user, temperature: 0.7, top_p: 1 });
  assert.deepEqual(sampling(request.model, request), { temperature: 0.7 });
  const openai = toOpenAIRequest(request, { stream: false });
  assert.deepEqual([openai['temperature'], openai['top_p']], [0.7, 1]);
});

test('an empty or whitespace-only stop sequence (Anthropic refuses it) is left out for an Anthropic route, not for an OpenAI one', () => {
  const { request } = parseOpenAIRequest({ model: 'm', messages: user, stop: ['\n', 'END', '', ' \t'] });
  assert.deepEqual(toAnthropicRequest(request, { stream: false })['stop_sequences'], ['END']);
  assert.deepEqual(toOpenAIRequest(request, { stream: false })['stop'], ['\n', 'END', '', ' \t']);
  const only = parseOpenAIRequest({ model: 'm', messages: user, stop: '\n' }).request;
  assert.equal('stop_sequences' in toAnthropicRequest(only, { stream: false }), false);
});

test('tool_choice without tools is not sent to an OpenAI route (OpenAI refuses it), as parallel_tool_calls is not', () => {
  for (const tools of [undefined, []]) {
    const { request } = parseAnthropicRequest({
      model: 'm',
      max_tokens: 5,
      messages: user,
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      ...(tools ? { tools } : {}),
    });
    const wire = toOpenAIRequest(request, { stream: false });
    assert.equal(wire['tool_choice'], undefined);
    assert.equal(wire['parallel_tool_calls'], undefined);
  }
  const none: ChatRequest = { model: 'm', messages: user, tool_choice: 'none' };
  assert.equal(toOpenAIRequest(none, { stream: false })['tool_choice'], undefined);
  // With tools it goes as before.
  const withTools: ChatRequest = { ...none, tools: [{ name: 'f', parameters: { type: 'object' } }] };
  assert.equal(toOpenAIRequest(withTools, { stream: false })['tool_choice'], 'none');
});

test('Anthropic server tools are refused by name, saying the gateway does not support them; custom tools pass', () => {
  const body = (tools: unknown[]): unknown => ({ model: 'm', max_tokens: 5, messages: user, tools });
  const lookup = { name: 'lookup', input_schema: { type: 'object' } };
  assert.throws(
    () => parseAnthropicRequest(body([lookup, { type: 'web_search_20250305', name: 'web_search', max_uses: 5 }])),
    (e: unknown) =>
      WireRequestError.isInstance(e) &&
      e.path === 'tools[1].type' &&
      /^tools\[1\]\.type: "web_search_20250305" is one of Anthropic's own tools \(server tools such as web search and code execution, and tools such as bash, text editor and computer use\), which other providers do not have, so the gateway does not route them/.test(
        e.message,
      ),
  );
  assert.throws(
    () => parseAnthropicRequest(body([{ type: 'code_execution_20250825', name: 'code_execution' }])),
    located(/^tools\[0\]\.type: "code_execution_20250825" is one of Anthropic's own tools/),
  );
  // A custom tool, typed or not, is a tool of the caller's own; one without input_schema still says so.
  const { request } = parseAnthropicRequest(
    body([lookup, { type: 'custom', name: 'other', input_schema: { type: 'object' } }]),
  );
  assert.deepEqual(
    request.tools?.map((t) => t.name),
    ['lookup', 'other'],
  );
  assert.throws(
    () => parseAnthropicRequest(body([{ name: 'x' }])),
    located(/^tools\[0\]\.input_schema is required \(an object\)/),
  );
  assert.throws(
    () => parseAnthropicRequest(body([{ type: 'custom', name: 'x' }])),
    located(/^tools\[0\]\.input_schema is required \(an object\)/),
  );
});

test('an empty message in the middle is left out for Anthropic; an empty last question is refused, never sent as a prefill', () => {
  const ask = (last: ChatRequest['messages'][number]): ChatRequest => ({
    model: 'm',
    messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, last],
  });
  assert.throws(
    () => toAnthropicRequest(ask({ role: 'user', content: '' }), { stream: false }),
    located(/^messages: the last message has no content/),
  );
  assert.throws(
    () =>
      toAnthropicRequest(ask({ role: 'user', content: '', parts: [{ type: 'text', text: '' }] }), { stream: false }),
    located(/last message has no content/),
  );
  // Nothing but an empty question (a Responses `input: ""`): nothing to send either.
  assert.throws(
    () => toAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: '' }] }, { stream: false }),
    located(/last message has no content/),
  );
  // An empty assistant message last is just nothing to continue from.
  const prefill = toAnthropicRequest(ask({ role: 'assistant', content: '' }), { stream: false });
  assert.equal((prefill['messages'] as unknown[]).length, 2);
  const middle = toAnthropicRequest(
    {
      model: 'm',
      messages: [
        { role: 'user', content: '' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
    },
    { stream: false },
  );
  // The empty first question is left out; the assistant's turn that then opens the history gets a user turn before it.
  assert.deepEqual(
    (middle['messages'] as { role: string }[]).map((m) => m.role),
    ['user', 'assistant', 'user'],
  );
});

test('a history that opens with the assistant reaches Anthropic after a "." user turn (Anthropic wants the user first)', () => {
  const opening = { role: 'user', content: [{ type: 'text', text: '.' }] };
  const greeting = { role: 'assistant', content: [{ type: 'text', text: 'Welcome!' }] };
  const thanks = { role: 'user', content: [{ type: 'text', text: 'thanks' }] };
  const wire = (messages: ChatRequest['messages']): unknown =>
    toAnthropicRequest({ model: 'm', messages }, { stream: false })['messages'];
  assert.deepEqual(
    wire([
      { role: 'assistant', content: 'Welcome!' },
      { role: 'user', content: 'thanks' },
    ]),
    [opening, greeting, thanks],
  );
  // After the system prompt (which goes apart), and when a blank first question left out leaves the assistant first.
  const { request } = parseOpenAIRequest({
    model: 'm',
    messages: [
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: ' \n' },
      { role: 'assistant', content: 'Welcome!' },
      { role: 'user', content: 'thanks' },
    ],
  });
  const body = toAnthropicRequest(request, { stream: false });
  assert.equal(body['system'], 'Be kind.');
  assert.deepEqual(body['messages'], [opening, greeting, thanks]);
  // An assistant's tool call first: its results still follow in the next user turn.
  const call = { role: 'assistant' as const, content: null, tool_calls: [{ id: 'c1', name: 'f', arguments: '{}' }] };
  const roles = (wire([call, { role: 'tool', tool_call_id: 'c1', content: 'ok' }]) as { role: string }[]).map(
    (m) => m.role,
  );
  assert.deepEqual(roles, ['user', 'assistant', 'user']);
  // A history that opens with the user is sent as it came.
  assert.deepEqual(wire([{ role: 'user', content: 'thanks' }]), [thanks]);
});

test('whitespace-only text (as OpenAI-compatible models write beside tool calls) is left out for Anthropic; a prefill loses its trailing whitespace', () => {
  const body = toAnthropicRequest(
    {
      model: 'm',
      messages: [
        { role: 'system', content: '  \n' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: '\n\n', tool_calls: [{ id: 'c1', name: 'f', arguments: '{}' }] },
        { role: 'tool', tool_call_id: 'c1', content: 'done' },
        {
          role: 'user',
          content: 'go',
          parts: [
            { type: 'text', text: 'go' },
            { type: 'text', text: ' \n ' },
          ],
        },
        { role: 'assistant', content: 'Sure: ' },
      ],
    },
    { stream: false },
  );
  assert.equal(body['system'], undefined);
  assert.deepEqual(body['messages'], [
    { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'f', input: {} }] },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'c1', content: 'done' },
        { type: 'text', text: 'go' },
      ],
    },
    { role: 'assistant', content: [{ type: 'text', text: 'Sure:' }] },
  ]);
  // A blank text beside tool calls in an answer is not handed to an Anthropic caller, who would send it back.
  const answer = toAnthropicResponse({
    id: 'x',
    model: 'm',
    content: '\n\n',
    tool_calls: [{ id: 'c2', name: 'f', arguments: '{}' }],
    finish_reason: 'tool_calls',
    usage: { input_tokens: 1, output_tokens: 1 },
  });
  assert.deepEqual(
    (answer['content'] as { type: string }[]).map((b) => b.type),
    ['tool_use'],
  );
});

test('a top-level anyOf/oneOf/allOf (MCP tools) is merged into one object schema for Anthropic, which refuses them', () => {
  assert.deepEqual(
    anthropicInputSchema({
      type: 'object',
      properties: { mode: { type: 'string' } },
      anyOf: [
        { properties: { path: { type: 'string' } }, required: ['path', 'mode'] },
        { properties: { url: { type: 'string' } }, required: ['url', 'mode'] },
      ],
    }),
    {
      type: 'object',
      properties: { mode: { type: 'string' }, path: { type: 'string' }, url: { type: 'string' } },
      required: ['mode'],
    },
  );
  assert.deepEqual(
    anthropicInputSchema({
      allOf: [{ properties: { a: { type: 'number' } }, required: ['a'] }, { properties: { b: {} } }],
    }),
    { type: 'object', properties: { a: { type: 'number' }, b: {} }, required: ['a'] },
  );
  assert.deepEqual(anthropicInputSchema({ type: 'object', properties: null }), { type: 'object', properties: {} });
  const plain = { type: 'object', properties: { q: { type: 'string' } } };
  assert.equal(anthropicInputSchema(plain), plain, 'an object schema without combinators is sent as it is');
});

test('tool_choice none with parallel_tool_calls false goes to Anthropic as plain none (the flag belongs to auto/any/tool)', () => {
  const tools = [{ name: 'f', parameters: { type: 'object', properties: {} } }];
  assert.deepEqual(
    toAnthropicRequest(
      { model: 'm', messages: user, tools, tool_choice: 'none', parallel_tool_calls: false },
      { stream: false },
    )['tool_choice'],
    { type: 'none' },
  );
  assert.deepEqual(
    toAnthropicRequest({ model: 'm', messages: user, tools, parallel_tool_calls: false }, { stream: false })[
      'tool_choice'
    ],
    { type: 'auto', disable_parallel_tool_use: true },
  );
});
