// An Anthropic caller's turns translated for an OpenAI route: the messages a turn shares with an earlier one are
// translated once and their bytes kept (parsed-spans.ts, json-bytes.ts). What goes upstream is byte for byte what a
// fresh translation of the same body writes: on the first turn, the repeated one and the one with messages more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseBody } from '../../src/gateway/request/json-body.ts';
import { parseAnthropicRequest } from '../../src/gateway/wire/anthropic/request.ts';
import { toOpenAIRequest } from '../../src/providers/openai/request.ts';
import { jsonBytes } from '../../src/providers/translate/json-bytes.ts';
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

const upstreamBytes = (req: ChatRequest): string => jsonBytes(toOpenAIRequest(req, { stream: true })).toString();

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
