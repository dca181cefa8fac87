// Malformed request bodies over HTTP, against the real gateway in front of the simulator: each is a 400
// invalid_request_error in the caller's API shape, naming the field that is wrong (OpenAI's `param`, and the
// message) and what was expected, and none reaches the upstream or crashes the gateway (a 500 with a stack).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { 'sk-sim-good-valid-00001': {}, 'sk-ant-sim-good-valid-1': {} } },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-good-valid-00001'),
        ant: simProvider(sim, 'anthropic', 'sk-ant-sim-good-valid-1'),
      },
      main: { provider: 'oa', model: 'sim-large' },
      fallback: [{ provider: 'ant', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

type Api = 'chat' | 'messages' | 'count' | 'responses';
const PATHS: Readonly<Record<Api, string>> = {
  chat: '/v1/chat/completions',
  messages: '/v1/messages',
  count: '/v1/messages/count_tokens',
  responses: '/v1/responses',
};

function post(api: Api, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${h.key}` };
  if (api === 'messages' || api === 'count') headers['anthropic-version'] = '2023-06-01';
  return fetch(`${h.url}${PATHS[api]}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The error as the caller's SDK sees it: OpenAI's `{error: {message, type, param, code}}` or Anthropic's
 * `{type: "error", error: {type, message}}`. */
async function errorOf(
  api: Api,
  res: Response,
): Promise<{ type: string; message: string; param?: string | null; code?: string | null }> {
  const body = (await res.json()) as {
    type?: string;
    error: { type: string; message: string; param?: string | null; code?: string | null };
  };
  if (api === 'messages' || api === 'count') assert.equal(body.type, 'error', 'Anthropic error shape');
  else assert.ok('param' in body.error && 'code' in body.error, 'OpenAI error shape');
  return body.error;
}

const chat = (content: unknown, extra: object = {}): object => ({
  model: 'main',
  messages: [{ role: 'user', content }],
  ...extra,
});
const user = (content: unknown, extra: object = {}): object => ({
  model: 'main',
  max_tokens: 50,
  messages: [{ role: 'user', content }],
  ...extra,
});
const assistant = (content: unknown): object => ({
  model: 'main',
  max_tokens: 50,
  messages: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content },
    { role: 'user', content: 'go on' },
  ],
});
const toolResult = (content: unknown): object => user([{ type: 'tool_result', tool_use_id: 't1', content }]);
const toolUse = (block: object): object =>
  assistant([{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {}, ...block }]);
const input = (items: unknown, extra: object = {}): object => ({ model: 'main', input: items, ...extra });
const FN_TOOL = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];
const ANT_TOOL = [{ name: 'lookup', input_schema: { type: 'object', properties: {} } }];

/** [api, body, the field named, what the message must say about it]. */
const MESSAGES_CASES: [string, object, string, RegExp][] = [
  [
    'tool_result.content 5',
    toolResult(5),
    'messages[0].content[0].content',
    /expected a string or an array of text and image blocks/,
  ],
  [
    'tool_result.content {}',
    toolResult({}),
    'messages[0].content[0].content',
    /expected a string or an array of text and image blocks/,
  ],
  ['tool_result.content null', toolResult(null), 'messages[0].content[0].content', /expected a string or an array/],
  ['tool_result.content true', toolResult(true), 'messages[0].content[0].content', /expected a string or an array/],
  [
    'tool_result.content [null]',
    toolResult([null]),
    'messages[0].content[0].content[0]',
    /expected an object, got null/,
  ],
  [
    'tool_result.content [audio]',
    toolResult([{ type: 'audio' }]),
    'messages[0].content[0].content[0].type',
    /block "audio" is not supported in a tool_result/,
  ],
  [
    'tool_use without name',
    assistant([{ type: 'tool_use', id: 'toolu_1', input: {} }]),
    'messages[1].content[0].name',
    /is required \(a string\)/,
  ],
  ['tool_use name null', toolUse({ name: null }), 'messages[1].content[0].name', /expected a string, got null/],
  ['tool_use name 5', toolUse({ name: 5 }), 'messages[1].content[0].name', /expected a string, got a number/],
  [
    'tool_use without id',
    assistant([{ type: 'tool_use', name: 'f', input: {} }]),
    'messages[1].content[0].id',
    /is required/,
  ],
  ['tool_use input "str"', toolUse({ input: 'str' }), 'messages[1].content[0].input', /expected an object/],
  [
    'tool_result.tool_use_id 5',
    user([{ type: 'tool_result', tool_use_id: 5, content: 'x' }]),
    'messages[0].content[0].tool_use_id',
    /expected a string, got a number/,
  ],
  ['text block without text', user([{ type: 'text' }]), 'messages[0].content[0].text', /is required \(a string\)/],
  [
    'text block text 7',
    user([{ type: 'text', text: 7 }]),
    'messages[0].content[0].text',
    /expected a string, got a number/,
  ],
  ['system 5', user('hi', { system: 5 }), 'system', /expected a string or an array of text blocks/],
  [
    'tool_choice "bogus"',
    user('hi', { tools: ANT_TOOL, tool_choice: 'bogus' }),
    'tool_choice',
    /expected an object \{type: "auto" \| "any" \| "tool" \| "none"/,
  ],
  [
    'tool_choice naming no tool',
    user('hi', { tools: ANT_TOOL, tool_choice: { type: 'tool', name: 'nope' } }),
    'tool_choice',
    /"nope", which is not in tools \(the request's tools are "lookup"\)/,
  ],
  [
    'tool_choice without tools',
    user('hi', { tool_choice: { type: 'tool', name: 'nope' } }),
    'tool_choice',
    /the request has no tools/,
  ],
  [
    'tool_choice "any" without tools',
    user('hi', { tool_choice: { type: 'any' } }),
    'tool_choice',
    /asks for a tool call, but the request has no tools/,
  ],
  [
    'unknown block type',
    user([{ type: 'audio' }]),
    'messages[0].content[0].type',
    /block "audio" is not supported in a user message/,
  ],
];

const CHAT_CASES: [string, object, string, RegExp][] = [
  [
    'image_url a string',
    chat([{ type: 'image_url', image_url: 'x' }]),
    'messages[0].content[0].image_url',
    /expected an object \{url, detail\?\}/,
  ],
  [
    'image_url.url missing',
    chat([{ type: 'image_url', image_url: {} }]),
    'messages[0].content[0].image_url.url',
    /is required \(a string\)/,
  ],
  [
    'image_url.url 5',
    chat([{ type: 'image_url', image_url: { url: 5 } }]),
    'messages[0].content[0].image_url.url',
    /expected a string, got a number/,
  ],
  [
    'text part text 5',
    chat([{ type: 'text', text: 5 }]),
    'messages[0].content[0].text',
    /expected a string, got a number/,
  ],
  ['stop 5', chat('hi', { stop: 5 }), 'stop', /expected a string or an array of strings/],
  [
    'tool_choice "bogus"',
    chat('hi', { tools: FN_TOOL, tool_choice: 'bogus' }),
    'tool_choice',
    /expected "auto", "none", "required" or \{type: "function"/,
  ],
  [
    'tool_choice naming no tool',
    chat('hi', { tools: FN_TOOL, tool_choice: { type: 'function', function: { name: 'nope' } } }),
    'tool_choice',
    /"nope", which is not in tools/,
  ],
  [
    'tool_choice "required" without tools',
    chat('hi', { tool_choice: 'required' }),
    'tool_choice',
    /asks for a tool call, but the request has no tools/,
  ],
  [
    'tool_choice without tools',
    chat('hi', { tool_choice: { type: 'function', function: { name: 'nope' } } }),
    'tool_choice',
    /the request has no tools/,
  ],
  [
    'unknown part type',
    chat([{ type: 'audio' }]),
    'messages[0].content[0].type',
    /content part "audio" is not supported/,
  ],
  [
    'role not a string',
    { model: 'main', messages: [{ role: 5, content: 'x' }] },
    'messages[0].role',
    /messages\[0\]\.role/,
  ],
];

const RESPONSES_CASES: [string, object, string, RegExp][] = [
  [
    'function_call without name',
    input([{ type: 'function_call', call_id: 'c1', arguments: '{}' }]),
    'input[0].name',
    /is required \(a string\)/,
  ],
  [
    'function_call name null',
    input([{ type: 'function_call', call_id: 'c1', name: null, arguments: '{}' }]),
    'input[0].name',
    /expected a string, got null/,
  ],
  [
    'function_call without arguments',
    input([{ type: 'function_call', call_id: 'c1', name: 'f' }]),
    'input[0].arguments',
    /is required \(a string of JSON text\)/,
  ],
  [
    'function_call arguments null',
    input([{ type: 'function_call', call_id: 'c1', name: 'f', arguments: null }]),
    'input[0].arguments',
    /expected a string of JSON text/,
  ],
  [
    'function_call arguments 5',
    input([{ type: 'function_call', call_id: 'c1', name: 'f', arguments: 5 }]),
    'input[0].arguments',
    /expected a string of JSON text/,
  ],
  [
    'function_call_output without output',
    input([{ type: 'function_call_output', call_id: 'c1' }]),
    'input[0].output',
    /is required \(a string or an array of content parts\)/,
  ],
  [
    'function_call_output [null]',
    input([{ type: 'function_call_output', call_id: 'c1', output: [null] }]),
    'input[0].output[0]',
    /expected an object, got null/,
  ],
  [
    'input_text without text',
    input([{ role: 'user', content: [{ type: 'input_text' }] }]),
    'input[0].content[0].text',
    /is required \(a string\)/,
  ],
  [
    'message content 5',
    input([{ role: 'user', content: 5 }]),
    'input[0].content',
    /expected a string or an array of content parts/,
  ],
  [
    'tool_choice "bogus"',
    input('hi', { tool_choice: 'bogus' }),
    'tool_choice',
    /expected "auto", "none", "required" or \{type: "function" \| "custom", name\}/,
  ],
  [
    'tool_choice naming no tool',
    input('hi', { tools: [{ type: 'function', name: 'lookup' }], tool_choice: { type: 'function', name: 'nope' } }),
    'tool_choice',
    /"nope", which is not in tools/,
  ],
  [
    'tool_choice without tools',
    input('hi', { tool_choice: { type: 'custom', name: 'apply_patch' } }),
    'tool_choice',
    /the request has no tools/,
  ],
  [
    'unknown item type',
    input([{ type: 'item_reference', id: 'msg_1' }]),
    'input[0].type',
    /item "item_reference" is not supported/,
  ],
];

/** Sends each case, checks the 400 and its field, and that the upstream was never called. */
async function expectRefused(api: Api, cases: readonly [string, object, string, RegExp][]): Promise<void> {
  const calls = h.sim.calls();
  for (const [name, body, field, pattern] of cases) {
    const res = await post(api, body);
    assert.equal(res.status, 400, `${api} ${name}: status`);
    const err = await errorOf(api, res);
    assert.equal(err.type, 'invalid_request_error', `${api} ${name}: type`);
    if (err.param !== undefined) assert.equal(err.param, field, `${api} ${name}: param`);
    assert.ok(err.message.includes(field), `${api} ${name}: the message names ${field}: ${err.message}`);
    assert.match(err.message, pattern, `${api} ${name}`);
  }
  assert.equal(h.sim.calls(), calls, `${api}: no malformed request reached the upstream`);
  assert.ok(!h.logs.some((l) => l.includes('unexpected gateway error')), 'no 500, no stack in the log');
}

test('/v1/messages: malformed blocks, system and tool_choice are 400s naming the field', () =>
  expectRefused('messages', MESSAGES_CASES));

test('/v1/messages/count_tokens: the same bodies are 400s, as is a tool_use name that is not a string', async () => {
  await expectRefused('count', MESSAGES_CASES);
  await expectRefused('count', [
    ['tool_use name {}', toolUse({ name: {} }), 'messages[1].content[0].name', /expected a string, got an object/],
  ]);
});

test('/v1/chat/completions: malformed parts, stop and tool_choice are 400s naming the field', () =>
  expectRefused('chat', CHAT_CASES));

test('/v1/responses: malformed items, parts and tool_choice are 400s naming the field', () =>
  expectRefused('responses', RESPONSES_CASES));

test('a body that is not a JSON object says so, in each shape', async () => {
  for (const api of ['chat', 'messages', 'responses'] as const) {
    for (const body of ['null', '[]', '5', '']) {
      const res = await post(api, body);
      assert.equal(res.status, 400, `${api} ${JSON.stringify(body)}`);
      const err = await errorOf(api, res);
      assert.equal(err.type, 'invalid_request_error');
      assert.match(
        err.message,
        /body (must be|is empty; expected) a JSON object/,
        `${api} ${JSON.stringify(body)}: ${err.message}`,
      );
      if (api !== 'messages') assert.equal(err.code, 'invalid_json');
    }
  }
});

test("fastify's own checks name the field in the bracket form too", async () => {
  const res = await post('chat', { model: 'main', messages: [{ role: 'user', content: 'x' }, 5] });
  assert.equal(res.status, 400);
  const err = await errorOf('chat', res);
  assert.equal(err.param, 'messages[1]');
  assert.match(err.message, /messages\[1\] must be object/);
});

test('well-formed bodies with images, cache marks, thinking blocks, tool results and custom tools still pass', async () => {
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } };
  const ok: [Api, object][] = [
    [
      'messages',
      {
        model: 'main',
        max_tokens: 50,
        tools: ANT_TOOL,
        tool_choice: { type: 'tool', name: 'lookup' },
        system: [{ type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'look' }, image] },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hm', signature: 's' },
              { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 1 } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'found' }, image] },
              { type: 'text', text: 'and?' },
            ],
          },
        ],
      },
    ],
    [
      'count',
      {
        model: 'main',
        messages: [
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup' }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] },
        ],
      },
    ],
    [
      'chat',
      chat(
        [
          { type: 'text', text: 'look', cache_control: { type: 'ephemeral' } },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}`, detail: 'low' } },
        ],
        { tools: FN_TOOL, tool_choice: { type: 'function', function: { name: 'lookup' } }, stop: ['END'] },
      ),
    ],
    [
      'responses',
      input(
        [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'patch it' },
              { type: 'input_image', image_url: `data:image/png;base64,${png}` },
            ],
          },
          { type: 'custom_tool_call', call_id: 'c1', name: 'apply_patch', input: '*** Begin Patch' },
          { type: 'custom_tool_call_output', call_id: 'c1', output: 'done' },
          { type: 'function_call', call_id: 'c2', name: 'lookup', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'found' }] },
        ],
        {
          tools: [
            { type: 'custom', name: 'apply_patch' },
            { type: 'function', name: 'lookup' },
          ],
          tool_choice: { type: 'custom', name: 'apply_patch' },
        },
      ),
    ],
  ];
  for (const [api, body] of ok) {
    const res = await post(api, body);
    assert.equal(res.status, 200, `${api}: ${await res.clone().text()}`);
  }
});
