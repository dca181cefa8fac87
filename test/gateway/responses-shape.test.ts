// The Responses API's response object and stream order, with the official `openai` SDK: the response repeats the
// request's settings (instructions, tools, tool_choice, …) as OpenAI's does, whole and in the stream's events; and
// parallel function calls are streamed one item after another, each finished before the next is added, even when the
// upstream interleaves their argument pieces. A canned upstream: the simulator answers one tool call at a time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startCannedUpstream, type CannedReply, type CannedUpstream } from '../helpers/canned-upstream.ts';
import { startCannedHarness, type Harness } from './harness.ts';

let up: CannedUpstream;
let h: Harness;

before(async () => {
  up = await startCannedUpstream();
  h = await startCannedHarness(up, { type: 'openai', key: 'sk-canned-responses-0001', model: 'm' });
});
after(async () => {
  await h.close();
  await up.close();
});

const client = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });

/** An OpenAI chat stream of these deltas, then the finish. */
function sse(deltas: unknown[], finish: string): CannedReply {
  const chunk = (delta: unknown, finish_reason: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason }] })}\n\n`;
  return {
    status: 200,
    body: `${deltas.map((d) => chunk(d)).join('')}${chunk({}, finish)}data: [DONE]\n\n`,
    headers: { 'content-type': 'text/event-stream' },
  };
}

const TOOL = { type: 'function' as const, name: 'f', parameters: { type: 'object', properties: {} }, strict: false };
const SETTINGS = {
  model: 'main',
  instructions: 'Be terse.',
  temperature: 0.3,
  top_p: 0.9,
  max_output_tokens: 100,
  parallel_tool_calls: false,
  tool_choice: 'required' as const,
  metadata: { run: '42' },
  tools: [TOOL],
  input: 'hi',
};

function assertEcho(res: OpenAI.Responses.Response, where: string): void {
  assert.equal(res.instructions, 'Be terse.', where);
  assert.equal(res.temperature, 0.3, where);
  assert.equal(res.top_p, 0.9, where);
  assert.equal(res.max_output_tokens, 100, where);
  assert.equal(res.parallel_tool_calls, false, where);
  assert.equal(res.tool_choice, 'required', where);
  assert.deepEqual(res.metadata, { run: '42' }, where);
  assert.deepEqual(res.tools, [TOOL], where);
}

test("the response repeats the request's settings, whole and in response.created / response.completed", async () => {
  assertEcho(await client().responses.create(SETTINGS), 'whole');
  up.script([sse([{ role: 'assistant', content: 'ok' }], 'stop')]);
  const stream = client().responses.stream(SETTINGS);
  const created: OpenAI.Responses.Response[] = [];
  stream.on('response.created', (e) => created.push(e.response));
  const final = await stream.finalResponse();
  assertEcho(created[0]!, 'response.created');
  assertEcho(final, 'response.completed');
});

test("a request that sets none of them: OpenAI's defaults, sampling unset", async () => {
  const res = await client().responses.create({ model: 'main', input: 'hi' });
  assert.equal(res.instructions, null);
  assert.equal(res.temperature, null);
  assert.equal(res.max_output_tokens, null);
  assert.equal(res.parallel_tool_calls, true);
  assert.equal(res.tool_choice, 'auto');
  assert.deepEqual(res.tools, []);
  assert.deepEqual(res.metadata, {});
});

test("metadata over OpenAI's limits is refused, naming the field", async () => {
  await assert.rejects(
    client().responses.create({ model: 'main', input: 'hi', metadata: { run: 'x'.repeat(513) } }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.match(err.message, /metadata/);
      return true;
    },
  );
});

test('parallel function calls stream one item after another, each done before the next is added, interleaved upstream', async () => {
  const call = (index: number, fields: object) => ({ tool_calls: [{ index, ...fields }] });
  up.script([
    sse(
      [
        { role: 'assistant', content: null },
        call(0, { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":' } }),
        call(1, { id: 'call_b', type: 'function', function: { name: 'f', arguments: '{"y":' } }),
        call(0, { function: { arguments: '1}' } }),
        call(1, { function: { arguments: '2}' } }),
      ],
      'tool_calls',
    ),
  ]);
  const stream = client().responses.stream({ model: 'main', tools: [TOOL], input: 'two calls' });
  const order: string[] = [];
  for await (const e of stream) {
    if (
      e.type === 'response.output_item.added' ||
      e.type === 'response.output_item.done' ||
      e.type === 'response.function_call_arguments.done'
    )
      order.push(`${e.type.replace('response.', '')}#${e.output_index}`);
  }
  assert.deepEqual(order, [
    'output_item.added#0',
    'function_call_arguments.done#0',
    'output_item.done#0',
    'output_item.added#1',
    'function_call_arguments.done#1',
    'output_item.done#1',
  ]);
  const final = await stream.finalResponse();
  assert.deepEqual(
    final.output.map((o) => (o.type === 'function_call' ? [o.call_id, o.arguments, o.status] : o.type)),
    [
      ['call_a', '{"x":1}', 'completed'],
      ['call_b', '{"y":2}', 'completed'],
    ],
  );
});

test('parallel calls cut by the token limit: only the last item is incomplete', async () => {
  up.script([
    sse(
      [
        { role: 'assistant', content: null },
        { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] },
        { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'f', arguments: '{"y":' } }] },
      ],
      'length',
    ),
  ]);
  const final = await client()
    .responses.stream({ model: 'main', tools: [TOOL], input: 'two calls' })
    .finalResponse();
  assert.equal(final.status, 'incomplete');
  assert.deepEqual(
    final.output.map((o) => (o.type === 'function_call' ? o.status : o.type)),
    ['completed', 'incomplete'],
  );
});
