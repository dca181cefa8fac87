// A provider that serves OpenAI's Responses API (`responses_api: true`) is sent a Responses request as it came —
// built-in tools, namespaces and all — and its answer reaches the official `openai` SDK as it came, streaming and
// not; a chain that falls back to a chat-completions route leaves the built-in tools out there and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, simProvider, type Harness } from './harness.ts';
import { startCannedUpstream, type CannedReply, type CannedUpstream } from '../helpers/canned-upstream.ts';

const KEY = 'sk-canned-responses-0001';
let up: CannedUpstream;
let h: Harness;

const citation = {
  type: 'url_citation',
  url: 'https://example.com/switchyard',
  title: 'Switchyard',
  start_index: 0,
  end_index: 5,
};
const searchItem = (status: string) => ({
  type: 'web_search_call',
  id: 'ws_1',
  status,
  action: { type: 'search', query: 'switchyard' },
});
const messageItem = (text: string, status: string) => ({
  type: 'message',
  id: 'msg_1',
  status,
  role: 'assistant',
  content: status === 'in_progress' ? [] : [{ type: 'output_text', text, annotations: [citation], logprobs: [] }],
});
const usage = {
  input_tokens: 12,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 4,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 16,
};
const response = (model: string, status: string, output: unknown[]) => ({
  id: 'resp_upstream_1',
  object: 'response',
  created_at: 1,
  status,
  error: null,
  incomplete_details: null,
  model,
  output,
  usage: status === 'completed' ? usage : null,
  store: true,
  tools: [],
  tool_choice: 'auto',
  parallel_tool_calls: true,
});

/** What OpenAI streams for a searched answer: the search's own events, then the cited text. */
function searchedStream(model: string): string {
  const events: [string, Record<string, unknown>][] = [
    ['response.created', { response: response(model, 'in_progress', []) }],
    ['response.in_progress', { response: response(model, 'in_progress', []) }],
    ['response.output_item.added', { output_index: 0, item: searchItem('in_progress') }],
    ['response.web_search_call.in_progress', { output_index: 0, item_id: 'ws_1' }],
    ['response.web_search_call.searching', { output_index: 0, item_id: 'ws_1' }],
    ['response.web_search_call.completed', { output_index: 0, item_id: 'ws_1' }],
    ['response.output_item.done', { output_index: 0, item: searchItem('completed') }],
    ['response.output_item.added', { output_index: 1, item: messageItem('', 'in_progress') }],
    [
      'response.content_part.added',
      {
        output_index: 1,
        item_id: 'msg_1',
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      },
    ],
    [
      'response.output_text.delta',
      { output_index: 1, item_id: 'msg_1', content_index: 0, delta: 'Found ', logprobs: [] },
    ],
    ['response.output_text.delta', { output_index: 1, item_id: 'msg_1', content_index: 0, delta: 'it.', logprobs: [] }],
    [
      'response.output_text.annotation.added',
      { output_index: 1, item_id: 'msg_1', content_index: 0, annotation_index: 0, annotation: citation },
    ],
    [
      'response.output_text.done',
      { output_index: 1, item_id: 'msg_1', content_index: 0, text: 'Found it.', logprobs: [] },
    ],
    [
      'response.content_part.done',
      { output_index: 1, item_id: 'msg_1', content_index: 0, part: messageItem('Found it.', 'completed').content[0] },
    ],
    ['response.output_item.done', { output_index: 1, item: messageItem('Found it.', 'completed') }],
    [
      'response.completed',
      { response: response(model, 'completed', [searchItem('completed'), messageItem('Found it.', 'completed')]) },
    ],
  ];
  return events
    .map(([type, data], i) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: i, ...data })}\n\n`)
    .join('');
}

/** The Responses route answers the Responses way; the chat route as chat completions do. */
function answer(request: { model?: string; stream?: boolean }, { url: path }: { url: string }): CannedReply {
  const model = String(request.model);
  if (path.endsWith('/responses')) {
    if (request.stream)
      return { status: 200, body: searchedStream(model), headers: { 'content-type': 'text/event-stream' } };
    return {
      status: 200,
      body: response(model, 'completed', [
        searchItem('completed'),
        messageItem('Found it.', 'completed'),
        {
          type: 'function_call',
          id: 'fc_1',
          call_id: 'call_1',
          name: 'search',
          namespace: 'mcp__docs__',
          arguments: '{"query":"x"}',
          status: 'completed',
        },
      ]),
    };
  }
  return {
    status: 200,
    body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 0,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'chat answer' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    },
  };
}

before(async () => {
  up = await startCannedUpstream([], answer);
  h = await startHarness({
    scenario: {},
    config: () => ({
      providers: {
        resp: simProvider(up.origin, 'openai', KEY, { responses_api: true }),
        plain: simProvider(up.origin, 'openai', KEY),
      },
      main: { provider: 'resp', model: 'gpt-up' },
      auxiliary: {
        mixed: {
          provider: 'resp',
          model: 'gpt-up',
          fallback_chain: [{ provider: 'plain', model: 'chat-up' }],
          fallback_to_main: false,
        },
      },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
    }),
  });
});
after(async () => {
  await h.close();
  await up.close();
});

const client = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });

const docsNamespace = {
  type: 'namespace' as const,
  name: 'mcp__docs__',
  description: 'Docs',
  tools: [
    {
      type: 'function' as const,
      name: 'search',
      parameters: { type: 'object', properties: { query: { type: 'string' } } },
      strict: false,
    },
  ],
};
const tools = [{ type: 'web_search' as const }, docsNamespace] as OpenAI.Responses.Tool[];

test("a Responses route is sent the request as it came, with the route's model, and its answer comes back as it was", async () => {
  const { data, response: res } = await client()
    .responses.create({
      model: 'main',
      tools,
      include: ['web_search_call.action.sources'],
      input: 'search the web for switchyard',
      store: false,
    })
    .withResponse();
  const sent = up.calls.at(-1)!;
  assert.equal(sent.path, '/v1/responses');
  assert.deepEqual(sent.body['tools'], tools);
  assert.deepEqual(
    [sent.body['model'], sent.body['stream'], sent.body['store'], sent.body['input']],
    ['gpt-up', false, false, 'search the web for switchyard'],
  );
  assert.deepEqual(sent.body['include'], ['web_search_call.action.sources']);
  assert.equal(res.headers.get('x-switchyard-route'), 'resp/gpt-up');
  assert.equal(res.headers.get('x-switchyard-dropped-tools'), null);
  assert.match(data.id, /^resp_[0-9a-f]{32}$/, "under the gateway's own id, which its conversation record keeps");
  assert.deepEqual(
    data.output.map((o) => o.type),
    ['web_search_call', 'message', 'function_call'],
  );
  const message = data.output[1];
  assert.ok(message?.type === 'message' && message.content[0]?.type === 'output_text');
  assert.deepEqual(message.content[0].annotations, [citation]);
  const call = data.output[2];
  assert.ok(call?.type === 'function_call');
  assert.deepEqual([call.namespace, call.name], ['mcp__docs__', 'search']);
  assert.equal(data.output_text, 'Found it.');
});

test("streamed, the Responses route's own events reach the SDK, the search's included", async () => {
  const stream = client().responses.stream({
    model: 'main',
    tools,
    tool_choice: { type: 'web_search_preview' } as unknown as OpenAI.Responses.ToolChoiceTypes,
    input: 'search again',
  });
  const types: string[] = [];
  stream.on('event', (e) => types.push(e.type));
  const final = await stream.finalResponse();
  assert.equal(up.calls.at(-1)?.body['stream'], true);
  assert.ok(types.includes('response.web_search_call.searching'), types.join(' '));
  assert.ok(types.includes('response.output_text.annotation.added'), types.join(' '));
  assert.deepEqual(
    final.output.map((o) => o.type),
    ['web_search_call', 'message'],
  );
  assert.equal(final.output_text, 'Found it.');
  assert.equal(final.usage?.input_tokens, 12);
});

test('a fallback to a chat-completions route leaves the built-in tools out there, and says so', async () => {
  up.script([{ status: 500, body: { error: { message: 'upstream broke', type: 'server_error' } } }]);
  const { data, response: res } = await client()
    .responses.create({ model: 'mixed', tools, input: 'search or not' })
    .withResponse();
  assert.equal(res.headers.get('x-switchyard-route'), 'plain/chat-up');
  assert.equal(res.headers.get('x-switchyard-dropped-tools'), 'web_search');
  assert.equal(data.output_text, 'chat answer');
  const [first, second] = up.calls.slice(-2);
  assert.equal(first?.path, '/v1/responses');
  assert.equal(second?.path, '/v1/chat/completions');
  assert.deepEqual(
    (second?.body['tools'] as { function: { name: string } }[]).map((t) => t.function.name),
    ['mcp__docs__search'],
  );
});
