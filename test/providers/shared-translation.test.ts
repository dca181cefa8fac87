// An agent's turns translated for a route of the other shape (Anthropic caller → OpenAI route, and the reverse): the
// messages a turn shares with an earlier one are translated once and their bytes kept (shared-value.ts,
// json-bytes.ts). What goes upstream is byte for byte what a fresh translation of the same body writes: on the first
// turn, the repeated one and the one with messages more; with a prefill to trim and more cache marks than Anthropic
// takes, which change a shared block only in a copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseBody } from '../../src/gateway/request/json-body.ts';
import { parseAnthropicRequest } from '../../src/gateway/wire/anthropic/request.ts';
import { toOpenAIRequest } from '../../src/providers/openai/request.ts';
import { parseOpenAIRequest } from '../../src/gateway/wire/openai/request.ts';
import { toAnthropicRequest } from '../../src/providers/anthropic/request.ts';
import { jsonBody } from '../../src/providers/translate/json-bytes.ts';
import { wholeBody } from '../../src/providers/translate/body-pieces.ts';
import type { ChatRequest } from '../../src/providers/types.ts';

type Json = Record<string, unknown>;

/** A request Claude Code sent (about 20 KB: its messages are shared), made unique to the run. */
function claudeCodeTurn(): Json {
  const captured = JSON.parse(
    readFileSync(new URL('../fixtures/clients/claude-code-2.1.331/tool-1.json', import.meta.url), 'utf8'),
  ) as { request: { body: Json } };
  const body = captured.request.body;
  const messages = body['messages'] as Json[];
  return { ...body, messages: [{ role: 'user', content: `run ${randomUUID()}` }, ...messages] };
}

/** The turn after: the model called a tool, and its result came back. */
function nextTurn(body: Json): Json {
  const id = `toolu_${randomUUID().replaceAll('-', '')}`;
  const more = [
    { role: 'assistant', content: [{ type: 'tool_use', id, name: 'Read', input: { file_path: '/src/a.ts' } }] },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: id, content: 'export const a = 1;\n'.repeat(200) },
        { type: 'text', text: 'go on' },
      ],
    },
  ];
  return { ...body, messages: [...(body['messages'] as Json[]), ...more] };
}

function sharedRequest(text: string): ChatRequest {
  return parseAnthropicRequest(parseBody(Buffer.from(text), undefined, true)).request;
}

const upstreamBytes = (req: ChatRequest): string =>
  Buffer.from(wholeBody(jsonBody(toOpenAIRequest(req, { stream: true })))).toString();

/** What a translation made from scratch, sharing nothing, sends. */
const freshBytes = (text: string): string =>
  JSON.stringify(toOpenAIRequest(parseAnthropicRequest(JSON.parse(text)).request, { stream: true }));

test("an agent's turns reach an OpenAI route as a fresh translation's bytes, its earlier messages translated once", () => {
  const first = JSON.stringify(claudeCodeTurn());
  const firstReq = sharedRequest(first);
  assert.equal(upstreamBytes(firstReq), freshBytes(first), 'the first turn');

  const again = sharedRequest(first);
  assert.equal(upstreamBytes(again), freshBytes(first), 'the same turn again');
  assert.equal(again.messages[1], firstReq.messages[1], "a shared turn's canonical message is the one made before");

  const second = JSON.stringify(nextTurn(JSON.parse(first) as Json));
  const secondReq = sharedRequest(second);
  assert.equal(upstreamBytes(secondReq), freshBytes(second), 'the turn with a tool call and its result more');
  assert.equal(upstreamBytes(sharedRequest(second)), freshBytes(second), 'and that turn repeated');
});

test('a shared translation cannot be changed by a reader of one request', () => {
  const text = JSON.stringify(claudeCodeTurn());
  sharedRequest(text);
  const req = sharedRequest(text);
  const message = req.messages[1]!;
  assert.ok(Object.isFrozen(message));
  assert.throws(() => {
    (message as { content: string }).content = 'changed';
  }, TypeError);
  assert.ok(!Object.isFrozen(req.messages), "the request's list of messages is its own");
});

/** OpenCode's turn (test/fixtures/clients/), grown past the size whose messages are shared: more tool calls and
 * results, each user question marked for the prompt cache (five marks: one more than Anthropic takes). */
function openCodeTurn(marks = true): Json {
  const captured = JSON.parse(
    readFileSync(new URL('../fixtures/clients/opencode-1.18.33/tool-3.json', import.meta.url), 'utf8'),
  ) as { request: { body: Json } };
  const body = captured.request.body;
  const more = Array.from({ length: 5 }, (_, k) => {
    const id = `call_${randomUUID().replaceAll('-', '')}`;
    return [
      {
        role: 'user',
        content: [{ type: 'text', text: `and file ${k}?`, ...(marks ? { cache_control: { type: 'ephemeral' } } : {}) }],
      },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id, type: 'function', function: { name: 'read', arguments: `{"filePath":"/src/${k}.ts"}` } }],
      },
      { role: 'tool', tool_call_id: id, content: `export const n${k} = ${k};\n`.repeat(80) },
    ];
  }).flat();
  return { ...body, messages: [...(body['messages'] as Json[]), ...more] };
}

const anthropicBytes = (req: ChatRequest): string =>
  Buffer.from(wholeBody(jsonBody(toAnthropicRequest(req, { stream: true })))).toString();

const freshAnthropicBytes = (text: string): string =>
  JSON.stringify(toAnthropicRequest(parseOpenAIRequest(JSON.parse(text)).request, { stream: true }));

const openaiShared = (text: string): ChatRequest =>
  parseOpenAIRequest(parseBody(Buffer.from(text), undefined, true)).request;

test("an agent's turns reach an Anthropic route as a fresh translation's bytes, a prefill trimmed and marks limited in copies", () => {
  const first = JSON.stringify(openCodeTurn());
  assert.ok(first.length > 16 * 1024, 'large enough to be shared');
  assert.equal(anthropicBytes(openaiShared(first)), freshAnthropicBytes(first), 'the first turn');
  const again = openaiShared(first);
  assert.equal(anthropicBytes(again), freshAnthropicBytes(first), 'the same turn again');
  assert.equal(again.messages[1], openaiShared(first).messages[1], 'its canonical messages are shared');
  assert.equal(
    (JSON.parse(anthropicBytes(again)) as { messages: { content: { cache_control?: unknown }[] }[] }).messages
      .flatMap((m) => m.content)
      .filter((b) => b.cache_control !== undefined).length,
    4,
    'marks limited to four',
  );

  // A prefill: the turn ends with the assistant's text, trailing space and all; the next turn has it earlier.
  const prefill = { ...(JSON.parse(first) as Json) };
  prefill['messages'] = [...(prefill['messages'] as Json[]), { role: 'assistant', content: 'The files say:  ' }];
  const prefilled = JSON.stringify(prefill);
  assert.equal(anthropicBytes(openaiShared(prefilled)), freshAnthropicBytes(prefilled), 'a prefill, trimmed');
  assert.equal(anthropicBytes(openaiShared(prefilled)), freshAnthropicBytes(prefilled), 'the prefill again');
  const after = { ...prefill, messages: [...(prefill['messages'] as Json[]), { role: 'user', content: 'go on' }] };
  const continued = JSON.stringify(after);
  const got = anthropicBytes(openaiShared(continued));
  assert.equal(got, freshAnthropicBytes(continued), 'the turn after it keeps the text as it was');
  assert.ok(got.includes('The files say:  '), 'the earlier prefill as it was sent');
});

const anthropicTurns = (text: string): Json[] =>
  toAnthropicRequest(openaiShared(text), { stream: false })['messages'] as Json[];

test('a repeated turn’s Anthropic turns are the ones made before, shared, but never a trimmed prefill', () => {
  // Without marks past Anthropic's four: limiting them makes the request's turns its own copies.
  const first = JSON.stringify(openCodeTurn(false));
  const before = anthropicTurns(first);
  const again = anthropicTurns(first);
  assert.ok(before.length > 4);
  for (let i = 0; i < before.length; i++) {
    assert.equal(again[i], before[i], `turn ${i} is the one made before`);
    assert.ok(Object.isFrozen(again[i]), `turn ${i} cannot be changed by one request for the others`);
  }
  const prefill = { ...(JSON.parse(first) as Json) };
  prefill['messages'] = [...(prefill['messages'] as Json[]), { role: 'assistant', content: 'Sure:  ' }];
  const trimmed = anthropicTurns(JSON.stringify(prefill)).at(-1)!;
  assert.ok(!Object.isFrozen(trimmed), 'the trimmed prefill is this request’s own');
});

test('user turns joined around a hoisted system message are that request’s own, not the same messages’ turn', () => {
  const body = JSON.parse(JSON.stringify(openCodeTurn(false))) as Json;
  const id = 'call_hoisted';
  const history = [
    ...(body['messages'] as Json[]),
    {
      role: 'assistant',
      content: '',
      tool_calls: [{ id, type: 'function', function: { name: 'read', arguments: '{}' } }],
    },
    { role: 'user', content: `a question ${'padding '.repeat(3000)}` },
  ];
  const result = { role: 'tool', tool_call_id: id, content: `the result ${'x'.repeat(20_000)}` };
  // A system message between the question and the tool's result is hoisted, and the two user turns around it join:
  // the result goes after the question. Without it, the result leads its turn, as Anthropic requires.
  const withSystem = JSON.stringify({
    ...body,
    messages: [...history, { role: 'system', content: 'Be brief.' }, result],
  });
  const without = JSON.stringify({ ...body, messages: [...history, result] });
  for (const text of [withSystem, without, withSystem, without])
    assert.equal(anthropicBytes(openaiShared(text)), freshAnthropicBytes(text));
  const last = anthropicTurns(without).at(-1)!;
  assert.equal((last['content'] as Json[])[0]!['type'], 'tool_result', 'the result first');
});
