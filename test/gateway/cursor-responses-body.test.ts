// Cursor's "Override OpenAI Base URL" posts Responses-shaped bodies (`input` items with content parts,
// `instructions`, Responses tools, no `messages`) to /v1/chat/completions and reads chat completions back
// (src/gateway/wire/chat-responses-body.ts). Sent here through the official `openai` SDK's chat client, which sends
// the body as given and reads the answer as chat.completion JSON or chat.completion.chunk SSE, on an OpenAI-compatible
// route and on an Anthropic one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

const OA = 'sk-cursor-openai-000001';
const ANT = 'sk-cursor-anthropic-0001';
let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { keys: { [OA]: {}, [ANT]: {} } },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', OA),
        ant: simProvider(sim, 'anthropic', ANT),
        resp: simProvider(sim, 'openai', OA, { responses_api: true }),
      },
      main: { provider: 'oa', model: 'sim-large' },
      auxiliary: {
        claude: { provider: 'ant', model: 'sim-large', fallback_to_main: false },
        responses: { provider: 'resp', model: 'sim-large', fallback_to_main: false },
      },
      retry: FAST_RETRY,
      // Cursor sends its own model names (gpt-5.1-codex, …).
      gateway: { aliases: { 'gpt-*': 'main' } },
    }),
  });
});
after(() => h.close());

const client = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });

/** A turn as Cursor sends it for a Responses model: the conversation as input items with content parts, a tool call
 * and its output, its instructions, tools in the Responses shape, reasoning and its other Responses fields. */
function cursorTurn(model: string, lastAsk: string): Record<string, unknown> {
  return {
    model,
    instructions: 'You are a coding assistant in Cursor.',
    input: [
      { role: 'user', content: [{ type: 'input_text', text: 'What is in package.json?' }] },
      { type: 'function_call', call_id: 'call_1', name: 'read_file', arguments: '{"path":"package.json"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"name":"demo"}' },
      { role: 'assistant', content: [{ type: 'output_text', text: 'It names the package demo.' }] },
      { role: 'user', content: [{ type: 'input_text', text: lastAsk }] },
    ],
    tools: [
      {
        type: 'function',
        name: 'read_file',
        description: 'Read a file of the workspace',
        parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        strict: false,
      },
    ],
    tool_choice: 'auto',
    reasoning: { effort: 'medium', summary: 'auto' },
    include: ['reasoning.encrypted_content'],
    store: false,
    prompt_cache_retention: '24h',
    stream_options: { include_usage: true },
    user: 'cursor-user',
  };
}

/** The chunks of a streamed Cursor turn, read by the SDK's chat stream. */
async function streamed(model: string, ask: string) {
  const body = { ...cursorTurn(model, ask), stream: true } as unknown as ChatCompletionCreateParamsStreaming;
  const { data: stream, response } = await client().chat.completions.create(body).withResponse();
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, response };
}

for (const [model, route] of [
  ['gpt-5.1-codex', 'oa/sim-large'],
  ['claude', 'ant/sim-large'],
] as const) {
  test(`a streamed Cursor turn on ${route} is answered in chat completion chunks`, async () => {
    const { chunks, response } = await streamed(model, 'Summarise the project');
    assert.equal(response.headers.get('content-type')?.split(';')[0], 'text/event-stream');
    assert.equal(response.headers.get('x-switchyard-route'), route);
    assert.ok(chunks.length > 1);
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, '[sim-large] reply to: Summarise the project');
    assert.equal(chunks.findLast((c) => c.choices.length > 0)?.choices[0]?.finish_reason, 'stop');
    assert.ok((chunks.at(-1)?.usage?.prompt_tokens ?? 0) > 0, 'stream_options.include_usage: a last usage chunk');
    // What reached the model: the instructions, the conversation with its tool call and output, the tool.
    const sent = h.sim.log().at(-1)!;
    assert.deepEqual(
      sent.roles,
      route.startsWith('oa')
        ? ['system', 'user', 'assistant', 'tool', 'assistant', 'user']
        : ['user', 'assistant', 'user', 'assistant', 'user'],
    );
  });
}

test('a streamed Cursor turn that calls a tool: the call in chat chunks, as Cursor runs it', async () => {
  const { chunks } = await streamed('gpt-5.1-codex', 'call read_file');
  const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  assert.equal(calls[0]?.function?.name, 'read_file');
  const args = calls.map((c) => c.function?.arguments ?? '').join('');
  assert.equal(typeof (JSON.parse(args) as { path?: unknown }).path, 'string');
  assert.equal(chunks.findLast((c) => c.choices.length > 0)?.choices[0]?.finish_reason, 'tool_calls');
});

test('a Cursor turn without stream is answered as one chat.completion', async () => {
  const body = cursorTurn(
    'gpt-5.1-codex',
    'Summarise the project',
  ) as unknown as ChatCompletionCreateParamsNonStreaming;
  const answer = await client().chat.completions.create(body);
  assert.equal(answer.object, 'chat.completion');
  assert.equal(answer.choices[0]?.message.content, '[sim-large] reply to: Summarise the project');
  assert.equal(answer.choices[0]?.finish_reason, 'stop');
});

test('a body with neither messages nor input is still refused, naming messages', async () => {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main' }),
  });
  assert.equal(res.status, 400);
  const { error } = (await res.json()) as { error: { message: string; param: string } };
  assert.equal(error.message, 'invalid request body: messages is required');
  assert.equal(error.param, 'messages');
});

test('a Responses-shaped body with a bad item is refused naming the item', async () => {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', input: [{ type: 'item_reference', id: 'msg_1' }] }),
  });
  assert.equal(res.status, 400);
  const { error } = (await res.json()) as { error: { message: string } };
  assert.match(error.message, /input\[0\]\.type/);
});

test('on a route serving the Responses API too, a Cursor turn is sent translated and its built-in tools said dropped', async () => {
  const turn = cursorTurn('responses', 'Summarise the project');
  const tools = [...(turn['tools'] as object[]), { type: 'web_search' }];
  const body = { ...turn, tools, stream: true } as unknown as ChatCompletionCreateParamsStreaming;
  const { data: stream, response } = await client().chat.completions.create(body).withResponse();
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(
    chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''),
    '[sim-large] reply to: Summarise the project',
  );
  assert.equal(response.headers.get('x-switchyard-route'), 'resp/sim-large');
  assert.equal(response.headers.get('x-switchyard-dropped-tools'), 'web_search');
  assert.equal(h.sim.log().at(-1)!.path, '/v1/chat/completions', 'the translated request, not the Responses body');
});
