// A JSON object's bytes with some top-level members changed and the rest left as they came (translate/splice.ts),
// and what an OpenAI route is sent of a caller's body (openai/splice-body.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splice, topMembers } from '../../src/providers/translate/splice.ts';
import { splicedOpenAIBody } from '../../src/providers/openai/splice-body.ts';
import type { ChatRequest } from '../../src/providers/types.ts';

function edited(text: string, edits: Record<string, unknown>): string | undefined {
  const bytes = Buffer.from(text);
  const members = topMembers(bytes);
  return members && splice(bytes, members, new Map(Object.entries(edits))).toString();
}

test('members are found past strings with escaped quotes, nested values and spacing', () => {
  const text = ' { "a" : "x\\"}]," , "b":[{"c":"}"}, 2] ,"c\\u0064":true,"e":-1.5e3 } ';
  const members = topMembers(Buffer.from(text));
  assert.deepEqual(
    members?.list.map((m) => [m.key, text.slice(m.valueStart, m.valueEnd)]),
    [
      ['a', '"x\\"}],"'],
      ['b', '[{"c":"}"}, 2]'],
      ['cd', 'true'],
      ['e', '-1.5e3'],
    ],
  );
});

test('a value is replaced, a member taken out with its comma, a new one added after the last, the rest as it came', () => {
  const text = '{"model": "main",\n "messages": [ {"role":"user"} ],\n "n": 1\n}';
  assert.equal(
    edited(text, { model: 'gpt', n: undefined, stream: true }),
    '{"model": "gpt",\n "messages": [ {"role":"user"} ],"stream":true\n}',
  );
  assert.equal(edited(text, { model: undefined }), '{"messages": [ {"role":"user"} ],\n "n": 1\n}');
  assert.equal(edited(text, { messages: undefined }), '{"model": "main",\n "n": 1\n}');
  assert.equal(edited('{}', { a: 1, b: 'x' }), '{"a":1,"b":"x"}');
  assert.equal(edited('{"a":1}', { a: undefined, b: 2 }), '{"b":2}');
});

test('a body with a key twice is not passed on: parsers differ on which one counts', () => {
  assert.equal(topMembers(Buffer.from('{"model":"a","messages":[],"model":"b"}')), undefined);
  assert.equal(topMembers(Buffer.from('[1,2]')), undefined);
});

function request(body: Record<string, unknown>, extra: Partial<ChatRequest> = {}): ChatRequest {
  const text = JSON.stringify(body);
  const base: ChatRequest = { model: String(body['model']), messages: [{ role: 'user', content: 'hi' }] };
  if (Array.isArray(body['stop'])) base.stop = body['stop'] as string[];
  const wire = { shape: 'openai_chat' as const, bytes: Buffer.from(text), body, request: { ...base } };
  return { ...base, ...extra, wire_body: wire };
}

test('an OpenAI route gets the max_tokens name it knows, no tool_choice without tools, four stops at most', () => {
  const body = {
    model: 'main',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 900,
    tool_choice: 'auto',
    stop: ['1', '2', '3', '4', '5'],
    stream_options: { include_usage: false, include_obfuscation: false },
  };
  const req = request(body, { model: 'gpt-x', max_tokens: 500 });
  const sent = JSON.parse(
    splicedOpenAIBody(req, { stream: true, maxTokensField: 'max_completion_tokens' })!.toString(),
  ) as Record<string, unknown>;
  assert.deepEqual(sent, {
    model: 'gpt-x',
    messages: [{ role: 'user', content: 'hi' }],
    stop: ['1', '2', '3', '4'],
    stream_options: { include_usage: true },
    max_completion_tokens: 500,
    stream: true,
  });
  const plain = JSON.parse(splicedOpenAIBody(req, { stream: false, maxTokensField: 'max_tokens' })!.toString());
  assert.deepEqual(plain, {
    model: 'gpt-x',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 500,
    stop: ['1', '2', '3', '4'],
  });
});

test('an attempt whose request a route changed beyond what is spliced is translated instead', () => {
  const body = { model: 'main', messages: [{ role: 'user', content: 'hi' }] };
  const req = request(body, { model: 'gpt-x' });
  assert.ok(splicedOpenAIBody(req, { stream: false, maxTokensField: 'max_tokens' }));
  const changed = { ...req, messages: [...req.messages] };
  assert.equal(splicedOpenAIBody(changed, { stream: false, maxTokensField: 'max_tokens' }), undefined);
});

test('a body nested deeper than any real one is translated, so one too deep to serialise is refused, not sent on', () => {
  assert.equal(topMembers(Buffer.from('{"a":[[1]],"b":{}}'))?.depth, 3);
  const deep = JSON.parse(`{"model":"main","messages":[],"tools":${'['.repeat(300)}${']'.repeat(300)}}`) as Record<
    string,
    unknown
  >;
  assert.equal(splicedOpenAIBody(request(deep), { stream: false, maxTokensField: 'max_tokens' }), undefined);
});
