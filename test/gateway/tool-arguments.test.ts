// Tool-call arguments an OpenAI-type upstream sent that are not a JSON object, served to an Anthropic caller, whose
// `tool_use.input` must be an object: a finished call is the upstream's malformed answer (502, or the stream's error
// event), a call cut by the token limit gets what its complete part holds — the same whole and streamed. An OpenAI
// caller gets the text as it came. A canned upstream: the simulator writes only valid arguments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startCannedUpstream, type CannedReply, type CannedUpstream } from '../helpers/canned-upstream.ts';
import { startCannedHarness, type Harness } from './harness.ts';

let up: CannedUpstream;
let h: Harness;

before(async () => {
  up = await startCannedUpstream();
  h = await startCannedHarness(up, { type: 'openai', key: 'sk-canned-tool-args-0001', model: 'm' });
});
after(async () => {
  await h.close();
  await up.close();
});

const anthropic = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
const openai = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
const ASK = {
  model: 'main',
  max_tokens: 100,
  messages: [{ role: 'user' as const, content: 'time?' }],
  tools: [{ name: 'get_time', input_schema: { type: 'object' as const, properties: {} } }],
};

function whole(args: string, finish: string): CannedReply {
  return {
    status: 200,
    body: {
      id: 'chatcmpl-x',
      object: 'chat.completion',
      created: 0,
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_time', arguments: args } }],
          },
          finish_reason: finish,
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
    },
  };
}

/** The same answer streamed, the arguments in two pieces. */
function streamed(args: string, finish: string): CannedReply {
  const chunk = (delta: unknown, finish_reason: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason }] })}\n\n`;
  const cut = Math.floor(args.length / 2);
  const body =
    chunk({
      role: 'assistant',
      content: null,
      tool_calls: [
        { index: 0, id: 'call_1', type: 'function', function: { name: 'get_time', arguments: args.slice(0, cut) } },
      ],
    }) +
    chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(cut) } }] }) +
    chunk({}, finish) +
    'data: [DONE]\n\n';
  return { status: 200, body, headers: { 'content-type': 'text/event-stream' } };
}

test('arguments that are not JSON in a finished answer: the Anthropic caller gets a 502 naming the call, whole and streamed', async () => {
  up.script([whole('not json{', 'tool_calls')]);
  await assert.rejects(anthropic().messages.create(ASK), (err: unknown) => {
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, 502);
    assert.match(err.message, /tool call call_1 \(get_time\) has arguments that are not a JSON object: .*not json\{/);
    return true;
  });
  up.script([streamed('not json{', 'tool_calls')]);
  await assert.rejects(anthropic().messages.stream(ASK).finalMessage(), (err: unknown) => {
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.match(err.message, /tool call call_1 \(get_time\) has arguments that are not a JSON object/);
    return true;
  });
});

test('arguments that are JSON but no object (an array) are malformed too', async () => {
  up.script([whole('[1,2]', 'stop')]);
  await assert.rejects(anthropic().messages.create(ASK), { status: 502 });
});

test('arguments cut by the token limit: the object their complete part holds, the same whole and streamed', async () => {
  for (const [args, input] of [
    ['{"city":"Par', { city: 'Par' }],
    ['{"city":"Paris","days":', { city: 'Paris' }],
    ['not json{', {}],
  ] as const) {
    up.script([whole(args, 'length')]);
    const message = await anthropic().messages.create(ASK);
    assert.equal(message.stop_reason, 'max_tokens');
    assert.deepEqual(message.content, [{ type: 'tool_use', id: 'call_1', name: 'get_time', input }]);
    up.script([streamed(args, 'length')]);
    const final = await anthropic().messages.stream(ASK).finalMessage();
    assert.equal(final.stop_reason, 'max_tokens');
    assert.deepEqual(final.content, [{ type: 'tool_use', id: 'call_1', name: 'get_time', input }], args);
  }
});

test('valid arguments come through whole and streamed', async () => {
  up.script([streamed('{"tz":"UTC"}', 'tool_calls')]);
  const final = await anthropic().messages.stream(ASK).finalMessage();
  assert.deepEqual(final.content, [{ type: 'tool_use', id: 'call_1', name: 'get_time', input: { tz: 'UTC' } }]);
  assert.equal(final.stop_reason, 'tool_use');
});

test('an OpenAI caller gets arguments that are not JSON as they came, as OpenAI passes them on', async () => {
  up.script([whole('not json{', 'tool_calls')]);
  const answer = await openai().chat.completions.create({
    model: 'main',
    messages: [{ role: 'user', content: 'time?' }],
  });
  const call = answer.choices[0]?.message.tool_calls?.[0];
  assert.equal(call?.type === 'function' ? call.function.arguments : undefined, 'not json{');
});
