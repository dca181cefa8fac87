// The Responses API's tools as agents send them, through the real gateway with the official `openai` SDK: namespace
// tools (Codex's MCP servers, the Agents SDK's toolNamespace()) flattened on the way up and answered inside their
// namespace, streaming and not, on OpenAI and Anthropic routes; built-in tools (web_search, …) left out and said so,
// or refused under gateway.hosted_tools: refuse; and the stateful fields a gateway that keeps nothing refuses with
// the codes clients act on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

let h: Harness;
let strict: Harness;

const config = (hostedTools: 'drop' | 'refuse') => (sim: string) => ({
  providers: {
    oa: simProvider(sim, 'openai', 'sk-sim-good-tools-00001'),
    ant: simProvider(sim, 'anthropic', 'sk-ant-good-tools-00001'),
  },
  main: { provider: 'oa', model: 'sim-large' },
  auxiliary: { claude: { provider: 'ant', model: 'sim-small', fallback_to_main: false } },
  retry: FAST_RETRY,
  gateway: { hosted_tools: hostedTools },
});

const scenario = {
  models: { 'sim-large': {}, 'sim-small': {} },
  keys: { 'sk-sim-good-tools-00001': {}, 'sk-ant-good-tools-00001': {} },
};

before(async () => {
  h = await startHarness({ scenario, config: config('drop') });
  strict = await startHarness({ scenario, config: config('refuse') });
});
after(async () => {
  await h.close();
  await strict.close();
});

const client = (harness = h): OpenAI =>
  new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: harness.key, maxRetries: 0 });

/** The request's log line, once written (it is written when the response has gone out). */
async function requestLine(id: string | null): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 500; i++) {
    const line = h.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['req_id'] === id && l['msg'] === 'request');
    if (line) return line;
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

/** A Codex-style request's tools: an MCP server's tools in a namespace beside a plain function and web_search. */
const docsNamespace = {
  type: 'namespace' as const,
  name: 'mcp__docs__',
  description: 'Tools of the docs MCP server',
  tools: [
    {
      type: 'function' as const,
      name: 'search',
      description: 'Search the docs',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string' } },
        required: ['query'],
        additionalProperties: false,
      },
      strict: false,
    },
  ],
};
const shell = {
  type: 'function' as const,
  name: 'shell',
  description: 'Run a command',
  parameters: { type: 'object', properties: { command: { type: 'string' } } },
  strict: false,
};
const tools = [shell, docsNamespace, { type: 'web_search' as const }] as OpenAI.Responses.Tool[];

test('a namespaced function is called inside its namespace, streaming and not, on an OpenAI and an Anthropic route', async () => {
  for (const model of ['main', 'claude']) {
    const res = await client().responses.create({ model, tools, input: 'call mcp__docs__search for the install page' });
    const call = res.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call', `${model}: ${JSON.stringify(res.output)}`);
    assert.deepEqual([call.namespace, call.name], ['mcp__docs__', 'search'], model);
    assert.doesNotThrow(() => JSON.parse(call.arguments));

    const stream = client().responses.stream({ model, tools, input: 'call mcp__docs__search again' });
    const added: unknown[] = [];
    stream.on('response.output_item.added', (e) =>
      added.push(e.item.type === 'function_call' ? [e.item.namespace, e.item.name] : e.item.type),
    );
    const final = await stream.finalResponse();
    const streamed = final.output.find((o) => o.type === 'function_call');
    assert.ok(streamed && streamed.type === 'function_call', `${model}: ${JSON.stringify(final.output)}`);
    assert.deepEqual([streamed.namespace, streamed.name], ['mcp__docs__', 'search'], model);
    assert.deepEqual(added, [['mcp__docs__', 'search']], model);

    // The call and its output go back in the next request, as Codex sends them.
    const next = await client().responses.create({
      model,
      tools,
      input: [
        { role: 'user', content: 'call mcp__docs__search for the install page' },
        {
          type: 'function_call',
          call_id: call.call_id,
          name: 'search',
          namespace: 'mcp__docs__',
          arguments: call.arguments,
        },
        { type: 'function_call_output', call_id: call.call_id, output: 'install with npm' },
      ],
    });
    assert.match(next.output_text, /got tool result: install with npm/, model);
  }
});

test('a plain tool keeps its name when a flattened one would take it: the namespaced one gets a suffix', async () => {
  const clash = [{ ...shell, name: 'mcp__docs__search' }, docsNamespace] as OpenAI.Responses.Tool[];
  const plain = await client().responses.create({ model: 'main', tools: clash, input: 'call mcp__docs__search' });
  const plainCall = plain.output.find((o) => o.type === 'function_call');
  assert.ok(plainCall && plainCall.type === 'function_call');
  assert.deepEqual([plainCall.namespace, plainCall.name], [undefined, 'mcp__docs__search']);
  const namespaced = await client().responses.create({
    model: 'main',
    tools: clash,
    input: 'call mcp__docs__search_2',
  });
  const namespacedCall = namespaced.output.find((o) => o.type === 'function_call');
  assert.ok(namespacedCall && namespacedCall.type === 'function_call');
  assert.deepEqual([namespacedCall.namespace, namespacedCall.name], ['mcp__docs__', 'search']);
});

test('built-in tools a client merely offers are left out, said in x-switchyard-dropped-tools', async () => {
  const { data, response } = await client()
    .responses.create({ model: 'main', tools: [...tools, { type: 'image_generation' }], input: 'hello' })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-dropped-tools'), 'web_search, image_generation');
  const line = await requestLine(response.headers.get('x-request-id'));
  assert.equal(line?.['dropped_tools'], 'web_search,image_generation');
  assert.match(data.output_text, /reply to: hello/);
  const plain = await client()
    .responses.create({ model: 'main', tools: [shell], input: 'hello' })
    .withResponse();
  assert.equal(plain.response.headers.get('x-switchyard-dropped-tools'), null);
  // Streaming too: the header comes with the stream's.
  const streamed = await client()
    .responses.create({ model: 'main', tools, input: 'hello', stream: true })
    .withResponse();
  assert.equal(streamed.response.headers.get('x-switchyard-dropped-tools'), 'web_search');
  for await (const event of streamed.data) void event;
});

test('forcing a built-in tool is refused, naming the tool and the setting', async () => {
  await assert.rejects(
    client().responses.create({ model: 'main', tools, tool_choice: { type: 'web_search_preview' }, input: 'search' }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === 'hosted_tool_unsupported' &&
      err.param === 'tool_choice.type' &&
      /forces the built-in "web_search_preview" tool.*gateway\.hosted_tools/.test(err.message),
  );
});

test('under gateway.hosted_tools: refuse, a built-in tool is refused in the Responses shape, naming it and the setting', async () => {
  await assert.rejects(
    client(strict).responses.create({ model: 'main', tools, input: 'search the web' }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === 'hosted_tool_unsupported' &&
      err.param === 'tools[2].type' &&
      /"web_search" is a built-in tool that OpenAI runs on its side.*gateway\.hosted_tools: refuse/.test(err.message),
  );
  const res = await client(strict).responses.create({ model: 'main', tools: [shell, docsNamespace], input: 'hello' });
  assert.equal(res.status, 'completed');
});

test('a previous_response_id the gateway has no record of is previous_response_not_found, so clients send the whole conversation', async () => {
  await assert.rejects(
    client().responses.create({ model: 'main', previous_response_id: 'resp_abc', input: 'continue', store: true }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === 'previous_response_not_found' &&
      err.param === 'previous_response_id' &&
      /'resp_abc' not found/.test(err.message),
  );
  await assert.rejects(
    client().responses.create({ model: 'main', conversation: 'conv_1', input: 'continue' }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError && err.code === 'unsupported_parameter' && err.param === 'conversation',
  );
});

test('store: true and store: false are both answered; only the kept one is read back, and nothing is cancelled', async () => {
  const stored = await client().responses.create({ model: 'main', store: true, input: 'keep this' });
  assert.equal(stored.status, 'completed');
  assert.equal((stored as unknown as { store: boolean }).store, true);
  const notStored = await client().responses.create({ model: 'main', store: false, input: 'do not keep this' });
  assert.equal(notStored.status, 'completed');
  assert.equal((notStored as unknown as { store: boolean }).store, false);
  assert.equal((await client().responses.retrieve(stored.id)).id, stored.id);
  await assert.rejects(
    client().responses.retrieve(notStored.id),
    (err: unknown) => err instanceof OpenAI.NotFoundError && /no record of it/.test(err.message),
  );
  await assert.rejects(
    client().responses.cancel(stored.id),
    (err: unknown) => err instanceof OpenAI.NotFoundError && /no background responses/.test(err.message),
  );
});

test('the Agents SDK\'s toolNamespace() request: "call weather" reaches forecast.weather, answered inside its namespace', async () => {
  // As @openai/agents 0.20 sends it (the replay suite's capture): one namespace, a strict function with a draft-07 schema.
  const forecast = {
    type: 'namespace',
    name: 'forecast',
    description: 'Weather tools',
    tools: [
      {
        type: 'function',
        name: 'weather',
        description: 'The weather in a city',
        strict: true,
        parameters: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          properties: { city: { type: 'string', description: 'the city' } },
          required: ['city'],
          additionalProperties: false,
        },
      },
    ],
  } as unknown as OpenAI.Responses.Tool;
  for (const model of ['main', 'claude']) {
    const res = await client().responses.create({
      model,
      instructions: 'You answer briefly.',
      include: [],
      tools: [forecast],
      input: [{ role: 'user', content: 'call weather for Paris' }],
    });
    const call = res.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call', `${model}: ${JSON.stringify(res.output)}`);
    assert.deepEqual(
      [call.namespace, call.name, JSON.parse(call.arguments)],
      ['forecast', 'weather', { city: 'call weather for Paris' }],
      model,
    );
  }
});
