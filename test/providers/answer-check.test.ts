// Upstream answers read leniently where compatible servers differ, and refused (a `server` failure naming the
// field) where a field cannot be read — never passed on with blanked fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromOpenAIResponse } from '../../src/providers/openai/answer.ts';
import { fromAnthropicResponse } from '../../src/providers/anthropic/answer.ts';
import { readAnswer } from '../../src/providers/http.ts';
import { UpstreamError } from '../../src/errors/upstream-error.ts';
import { shapedId } from '../../src/providers/translate/ids.ts';

const openai = (message: Record<string, unknown>, finish: unknown = 'stop'): unknown => ({
  id: 'x',
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
});

test('openai answers: what compatible servers vary in is read', () => {
  const parts = fromOpenAIResponse(
    openai({
      content: [
        { type: 'text', text: 'a' },
        { type: 'thinking', thinking: 'x' },
        { type: 'text', text: 'b' },
      ],
    }),
  );
  assert.equal(parts?.content, 'ab');
  const objectArgs = fromOpenAIResponse(
    openai(
      { content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: { a: 1 } } }] },
      'stop',
    ),
  );
  assert.deepEqual(objectArgs?.tool_calls, [{ id: 'c', name: 'f', arguments: '{"a":1}' }]);
  assert.equal(objectArgs?.finish_reason, 'tool_calls', 'a tool call with finish "stop" ends the turn for its tools');
  const noId = fromOpenAIResponse({ choices: [{ message: { content: 'hi' }, finish_reason: 'eos' }] });
  assert.equal(noId?.content, 'hi');
  assert.equal(noId?.finish_reason, 'stop');
});

test('openai answers: a field of a type that cannot be read is a server failure naming it', () => {
  const cases: [unknown, RegExp][] = [
    [openai({ content: 5 }), /choices\[0\]\.message\.content is a number, expected a string/],
    [
      openai({ content: null, tool_calls: [{ id: 'c', function: { name: 5, arguments: '{}' } }] }),
      /tool_calls\[0\]\.function\.name is a number/,
    ],
    [
      openai({ content: null, tool_calls: [{ id: 'c', function: { arguments: '{}' } }] }),
      /tool_calls\[0\]\.function\.name is missing, expected a function name/,
    ],
    [
      openai({ content: null, tool_calls: [{ id: 'c', function: { name: 'f', arguments: 7 } }] }),
      /function\.arguments is a number, expected JSON text/,
    ],
    [openai({ content: null, tool_calls: 'f' }), /tool_calls is a string, expected an array/],
    [{ choices: [{ message: 'hi' }] }, /choices\[0\]\.message is a string/],
  ];
  for (const [body, message] of cases) {
    assert.throws(
      () => readAnswer(() => fromOpenAIResponse(body), 'prov'),
      (e: unknown) => {
        assert.ok(UpstreamError.isInstance(e));
        assert.equal(e.kind, 'server');
        assert.equal(e.code, 'invalid_response');
        assert.match(e.providerMessage ?? '', message);
        return true;
      },
    );
  }
});

test('anthropic answers: tool_use needs a name and an object input; text must be text', () => {
  const ok = fromAnthropicResponse({
    id: 'm1',
    model: 'c',
    content: [
      { type: 'thinking', thinking: '…' },
      { type: 'text', text: 'hi' },
      { type: 'tool_use', id: 't', name: 'f', input: { a: 1 } },
    ],
    stop_reason: 'tool_use',
  });
  assert.equal(ok?.content, 'hi');
  assert.deepEqual(ok?.tool_calls, [{ id: 't', name: 'f', arguments: '{"a":1}' }]);
  const cases: [unknown, RegExp][] = [
    [{ content: [{ type: 'text', text: 5 }] }, /content\[0\]\.text is a number/],
    [{ content: [{ type: 'tool_use', id: 't', input: {} }] }, /content\[0\]\.name is missing/],
    [
      { content: [{ type: 'tool_use', id: 't', name: 'f', input: 'x' }] },
      /content\[0\]\.input is a string, expected an object/,
    ],
    [{ content: [5] }, /content\[0\] is a number/],
  ];
  for (const [body, message] of cases) {
    assert.throws(
      () => readAnswer(() => fromAnthropicResponse(body), 'prov'),
      (e: unknown) => UpstreamError.isInstance(e) && e.kind === 'server' && message.test(e.providerMessage ?? ''),
    );
  }
});

test("answer ids take the caller's API shape and keep the upstream id after the prefix", () => {
  assert.equal(shapedId('msg_', 'chatcmpl-abc'), 'msg_chatcmpl-abc');
  assert.equal(shapedId('msg_', 'msg_01X'), 'msg_01X');
  assert.equal(shapedId('chatcmpl-', 'msg_01X'), 'chatcmpl-msg_01X');
  assert.equal(shapedId('msg_', 'a b/c'), 'msg_abc');
  assert.match(shapedId('chatcmpl-', ''), /^chatcmpl-[0-9a-f]{32}$/);
});
