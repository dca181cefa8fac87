// The OpenAI Responses API (POST /v1/responses) with the official `openai` SDK as the client: responses.create and
// responses.stream, function calls and their outputs round-tripping, a chain that falls back to an Anthropic
// provider, mid-stream failures, and what a stateless gateway refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'sim-large': {}, 'sim-small': {} },
      keys: {
        'sk-sim-good-resp-000001': {},
        'sk-sim-dead-resp-000001': { valid: false },
        'sk-ant-good-resp-000001': {},
        'sk-sim-cut-resp-0000001': { script: ['cut'], loop_script: true, stream_delay: '20ms' },
      },
    },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-good-resp-000001', { models: { 'sim-large': {}, 'sim-small': {} } }),
        dead: simProvider(sim, 'openai', 'sk-sim-dead-resp-000001'),
        ant: simProvider(sim, 'anthropic', 'sk-ant-good-resp-000001'),
        cut: simProvider(sim, 'openai', 'sk-sim-cut-resp-0000001'),
      },
      main: { provider: 'oa', model: 'sim-large' },
      auxiliary: {
        crossover: {
          provider: 'dead',
          model: 'sim-large',
          fallback_chain: [{ provider: 'ant', model: 'sim-small' }],
          fallback_to_main: false,
        },
        broken: { provider: 'cut', model: 'sim-large', fallback_to_main: false },
      },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

const client = (key = h.key): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });

const lookup = {
  type: 'function' as const,
  name: 'lookup',
  description: 'Look a word up',
  parameters: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] },
  strict: false,
};

test('responses.create: output_text, usage and the route headers', async () => {
  const { data, response } = await client()
    .responses.create({ model: 'main', instructions: 'Be brief.', input: 'Hello responses' })
    .withResponse();
  assert.equal(data.object, 'response');
  assert.equal(data.status, 'completed');
  assert.match(data.id, /^resp_/);
  assert.match(data.output_text, /\[sim-large\] reply to: Hello responses/);
  assert.ok(data.usage && data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
  assert.equal(response.headers.get('x-switchyard-route'), 'oa/sim-large');
  assert.equal(response.headers.get('x-switchyard-attempts'), '1');
});

test('responses.stream: the SDK rebuilds the response from the events', async () => {
  const stream = client().responses.stream({
    model: 'main',
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'stream the responses' }] }],
  });
  const deltas: string[] = [];
  stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
  const final = await stream.finalResponse();
  assert.equal(final.status, 'completed');
  assert.match(final.output_text, /reply to: stream the responses/);
  assert.equal(deltas.join(''), final.output_text);
  assert.ok(deltas.length > 1, 'streamed in pieces');
});

/** An output item's type and status (a custom tool call's type has no status in the SDK, though the API sends one). */
const typeAndStatus = (item: OpenAI.Responses.ResponseOutputItem): [string, string] => [
  item.type,
  'status' in item ? String(item.status) : '',
];

test('an answer cut by max_output_tokens is incomplete, and so is its message item, streaming and not', async () => {
  // OpenAI marks the item the answer was cut in "incomplete" too; the SDK's callers read either.
  for (const model of ['main', 'crossover']) {
    const request = { model, input: 'a question long enough for the answer to be cut short', max_output_tokens: 4 };
    const whole = await client().responses.create(request);
    assert.deepEqual([whole.status, whole.incomplete_details?.reason], ['incomplete', 'max_output_tokens'], model);
    assert.deepEqual(whole.output.map(typeAndStatus), [['message', 'incomplete']], model);
    const stream = client().responses.stream(request);
    const done: string[] = [];
    stream.on('response.output_item.done', (e) => done.push(typeAndStatus(e.item)[1]));
    const streamed = await stream.finalResponse();
    assert.deepEqual(
      [streamed.status, streamed.incomplete_details?.reason],
      ['incomplete', 'max_output_tokens'],
      model,
    );
    assert.deepEqual(streamed.output.map(typeAndStatus), [['message', 'incomplete']], model);
    assert.deepEqual(done, ['incomplete'], model);
    assert.equal(streamed.output_text, whole.output_text);
  }
});

test('function calls: a call comes back (streaming and not) and its output round-trips', async () => {
  const first = await client().responses.create({ model: 'main', tools: [lookup], input: 'call lookup for me' });
  const call = first.output.find((o) => o.type === 'function_call');
  assert.ok(call && call.type === 'function_call');
  assert.equal(call.name, 'lookup');
  assert.deepEqual(JSON.parse(call.arguments), { word: 'call lookup for me' });

  const streamed = await client()
    .responses.stream({ model: 'main', tools: [lookup], input: 'call lookup again' })
    .finalResponse();
  const streamedCall = streamed.output.find((o) => o.type === 'function_call');
  assert.ok(streamedCall && streamedCall.type === 'function_call' && streamedCall.name === 'lookup');
  assert.deepEqual(JSON.parse(streamedCall.arguments), { word: 'call lookup again' });

  const second = await client().responses.create({
    model: 'main',
    tools: [lookup],
    input: [
      { role: 'user', content: 'call lookup for me' },
      { type: 'function_call', call_id: call.call_id, name: 'lookup', arguments: call.arguments },
      { type: 'function_call_output', call_id: call.call_id, output: 'lookup says: 42' },
    ],
  });
  assert.match(second.output_text, /got tool result: lookup says: 42/);
});

test("custom (free-form) tools, as Codex's apply_patch: called as custom_tool_call, streaming and not, through an Anthropic fallback too", async () => {
  const applyPatch = { type: 'custom' as const, name: 'apply_patch', description: 'Edit files with a patch' };
  for (const model of ['main', 'crossover']) {
    const res = await client().responses.create({ model, tools: [applyPatch], input: 'call apply_patch on main.ts' });
    const call = res.output.find((o) => o.type === 'custom_tool_call');
    assert.ok(call && call.type === 'custom_tool_call', `${model}: ${JSON.stringify(res.output)}`);
    assert.equal(call.name, 'apply_patch');
    assert.match(call.input, /call apply_patch on main\.ts/);

    const streamed = await client()
      .responses.stream({ model, tools: [applyPatch], input: 'call apply_patch again' })
      .finalResponse();
    const streamedCall = streamed.output.find((o) => o.type === 'custom_tool_call');
    assert.ok(
      streamedCall && streamedCall.type === 'custom_tool_call' && /call apply_patch again/.test(streamedCall.input),
      JSON.stringify(streamed.output),
    );

    const next = await client().responses.create({
      model,
      tools: [applyPatch],
      input: [
        { role: 'user', content: 'call apply_patch on main.ts' },
        { type: 'custom_tool_call', call_id: call.call_id, name: 'apply_patch', input: call.input },
        { type: 'custom_tool_call_output', call_id: call.call_id, output: 'patched 1 file' },
      ],
    });
    assert.match(next.output_text, /got tool result: patched 1 file/);
  }
});

test('a chain that crosses to an Anthropic provider answers in the Responses shape, image included', async () => {
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
  const { data, response } = await client()
    .responses.create({
      model: 'crossover',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'what is this' },
            { type: 'input_image', image_url: `data:image/png;base64,${png}`, detail: 'auto' },
          ],
        },
      ],
    })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-route'), 'ant/sim-small');
  assert.match(data.output_text, /\[sim-small\] reply to: what is this \[1 image\]/);
});

test("Codex's prompt_cache_key reaches an OpenAI-compatible route, not an Anthropic one", async () => {
  const fieldsOf = (key: string): string[] =>
    h.sim
      .log()
      .filter((c) => c.key === key)
      .at(-1)?.fields ?? [];
  await client().responses.create({ model: 'main', input: 'cache me', prompt_cache_key: 'thread-42' });
  assert.ok(
    fieldsOf('sk-sim-good-resp-000001').includes('prompt_cache_key'),
    fieldsOf('sk-sim-good-resp-000001').join(','),
  );
  await client().responses.create({ model: 'crossover', input: 'cache me', prompt_cache_key: 'thread-42' });
  assert.ok(
    !fieldsOf('sk-ant-good-resp-000001').includes('prompt_cache_key'),
    fieldsOf('sk-ant-good-resp-000001').join(','),
  );
});

test('a stream cut after the first delta ends with an error the SDK raises', async () => {
  const stream = client().responses.stream({ model: 'broken', input: 'this will break' });
  await assert.rejects(
    stream.finalResponse(),
    (err: unknown) => err instanceof OpenAI.APIError && /broke off after it had started/.test(err.message),
  );
});

test('what the gateway cannot answer is refused, naming the field', async () => {
  await assert.rejects(
    client().responses.create({ model: 'main', previous_response_id: 'resp_123', input: 'continue' }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === 'previous_response_not_found' &&
      err.param === 'previous_response_id' &&
      /the gateway has no record of it/.test(err.message),
  );
  await assert.rejects(
    client().responses.create({ model: 'nope', input: 'x' }),
    (err: unknown) => err instanceof OpenAI.NotFoundError,
  );
  await assert.rejects(
    client('sy-0000000000000000000000000000000000000000').responses.create({ model: 'main', input: 'x' }),
    (err: unknown) => err instanceof OpenAI.AuthenticationError,
  );
});
