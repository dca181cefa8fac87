// Images and the settings beyond sampling (user, parallel tool calls, response format, seed, penalties, top_k, …)
// across both wire shapes: what each side accepts, what it sends, and what it refuses rather than drop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatRequest } from '../../src/providers/types.ts';
import { maxTokensFieldFor, toOpenAIRequest } from '../../src/providers/openai/request.ts';
import { parseOpenAIRequest } from '../../src/gateway/wire/openai/request.ts';
import { toAnthropicRequest } from '../../src/providers/anthropic/request.ts';
import { parseAnthropicRequest } from '../../src/gateway/wire/anthropic/request.ts';
import { WireRequestError } from '../../src/providers/translate/wire-error.ts';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const DATA_URL = `data:image/png;base64,${PNG}`;
const HTTP_URL = 'https://example.com/cat.jpg';

const VISION: ChatRequest = {
  model: 'm',
  messages: [
    {
      role: 'user',
      content: 'What is in these?',
      parts: [
        { type: 'text', text: 'What is in ' },
        { type: 'image', url: DATA_URL, detail: 'low' },
        { type: 'text', text: 'these?' },
        { type: 'image', url: HTTP_URL },
      ],
    },
  ],
};

test('images: OpenAI image_url parts → canonical parts (text joined into content) → OpenAI again', () => {
  const body = {
    model: 'm',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in ' },
          { type: 'image_url', image_url: { url: DATA_URL, detail: 'low' } },
          { type: 'text', text: 'these?' },
          { type: 'image_url', image_url: { url: HTTP_URL } },
        ],
      },
    ],
  };
  const { request } = parseOpenAIRequest(body);
  assert.deepEqual(request, VISION);
  assert.deepEqual(toOpenAIRequest(request, { stream: false })['messages'], body.messages);
});

test('images: canonical → Anthropic image blocks (base64 and url sources) → canonical', () => {
  const wire = toAnthropicRequest(VISION, { stream: false });
  assert.deepEqual(wire['messages'], [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in ' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        { type: 'text', text: 'these?' },
        { type: 'image', source: { type: 'url', url: HTTP_URL } },
      ],
    },
  ]);
  const back = parseAnthropicRequest(wire).request;
  // `detail` is OpenAI's alone: it does not survive a trip through Anthropic's shape.
  const withoutDetail = VISION.messages[0]!.parts!.map((p) =>
    p.type === 'image' ? { type: 'image' as const, url: p.url } : p,
  );
  assert.deepEqual(back.messages, [{ role: 'user', content: 'What is in these?', parts: withoutDetail }]);
});

test('images: a tool result with an image (Anthropic) → OpenAI tool message text, then the image in a user message', () => {
  const { request } = parseAnthropicRequest({
    model: 'c',
    max_tokens: 10,
    messages: [
      { role: 'user', content: 'Take a screenshot' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'screenshot', input: {} }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 't1',
            content: [
              { type: 'text', text: 'here' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            ],
          },
        ],
      },
    ],
  });
  assert.deepEqual(request.messages[2], {
    role: 'tool',
    tool_call_id: 't1',
    content: 'here',
    parts: [
      { type: 'text', text: 'here' },
      { type: 'image', url: DATA_URL },
    ],
  });
  const openai = toOpenAIRequest(request, { stream: false })['messages'] as Record<string, unknown>[];
  assert.deepEqual(openai.slice(2), [
    { role: 'tool', content: 'here', tool_call_id: 't1' },
    {
      role: 'user',
      content: [
        { type: 'text', text: '(images returned by tool call t1)' },
        { type: 'image_url', image_url: { url: DATA_URL } },
      ],
    },
  ]);
  // And back to Anthropic, the image stays inside the tool result.
  const anthropic = toAnthropicRequest(request, { stream: false })['messages'] as { content: unknown }[];
  assert.deepEqual(anthropic[2]!.content, [
    {
      type: 'tool_result',
      tool_use_id: 't1',
      content: [
        { type: 'text', text: 'here' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      ],
    },
  ]);
});

test('images: what cannot be carried is refused with the field named', () => {
  const openai: [unknown, RegExp][] = [
    [
      {
        model: 'x',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }],
      },
      /^messages\[0\]\.content\[0\]\.image_url\.url: expected an http\(s\) URL or a base64 data: URL/,
    ],
    [
      {
        model: 'x',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] },
        ],
      },
      /^messages\[0\]\.content\[0\]\.image_url\.url: image type image\/tiff is not supported/,
    ],
    [
      { model: 'x', messages: [{ role: 'assistant', content: [{ type: 'image_url', image_url: { url: HTTP_URL } }] }] },
      /^messages\[0\]\.content\[0\]\.type: image parts are allowed in user messages only/,
    ],
  ];
  for (const [body, pattern] of openai) {
    assert.throws(
      () => parseOpenAIRequest(body),
      (e: unknown) => WireRequestError.isInstance(e) && pattern.test(e.message),
      String(pattern),
    );
  }
  const anthropic: [unknown, RegExp][] = [
    [
      {
        model: 'c',
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA' } }],
          },
        ],
      },
      /^messages\[0\]\.content\[0\]\.source\.media_type: expected one of image\/jpeg/,
    ],
    [
      {
        model: 'c',
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f1' } }] }],
      },
      /^messages\[0\]\.content\[0\]\.source: expected \{type: "base64"/,
    ],
    [
      {
        model: 'c',
        messages: [{ role: 'assistant', content: [{ type: 'image', source: { type: 'url', url: HTTP_URL } }] }],
      },
      /^messages\[0\]\.content\[0\]\.type: block "image" is not supported in a assistant message/,
    ],
  ];
  for (const [body, pattern] of anthropic) {
    assert.throws(
      () => parseAnthropicRequest(body),
      (e: unknown) => WireRequestError.isInstance(e) && pattern.test(e.message),
      String(pattern),
    );
  }
});

const SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

test('settings: OpenAI → canonical → OpenAI keeps user, parallel_tool_calls, response_format, seed, penalties, reasoning_effort, logit_bias, prompt_cache_key', () => {
  const settings = {
    user: 'u-42',
    parallel_tool_calls: false,
    seed: 7,
    presence_penalty: 0.5,
    frequency_penalty: -0.5,
    reasoning_effort: 'low',
    logit_bias: { '50256': -100, '1234': 5 },
    prompt_cache_key: 'conversation-9',
    response_format: { type: 'json_schema', json_schema: { name: 'city', schema: SCHEMA, strict: true } },
  };
  const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
  const { request } = parseOpenAIRequest({
    model: 'x',
    messages: [{ role: 'user', content: 'hi' }],
    tools,
    n: 1,
    logprobs: false,
    ...settings,
  });
  const wire = toOpenAIRequest(request, { stream: false });
  for (const [key, value] of Object.entries(settings)) assert.deepEqual(wire[key], value, key);
  assert.equal(wire['n'], undefined);
  // Without tools, parallel_tool_calls stays out (OpenAI refuses it there).
  assert.equal(toOpenAIRequest({ ...request, tools: [] }, { stream: false })['parallel_tool_calls'], undefined);
  // top_k is Anthropic's: never sent to an OpenAI-compatible upstream.
  assert.equal(toOpenAIRequest({ ...request, top_k: 5 }, { stream: false })['top_k'], undefined);
});

test('settings: to Anthropic — user as metadata.user_id, parallel off as disable_parallel_tool_use, JSON asked in the system prompt', () => {
  const request: ChatRequest = {
    model: 'c',
    messages: [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Weather?' },
    ],
    tools: [{ name: 'get_weather', parameters: SCHEMA }],
    tool_choice: 'required',
    user: 'u-42',
    parallel_tool_calls: false,
    top_k: 40,
    seed: 7,
    presence_penalty: 1,
    reasoning_effort: 'high',
    logit_bias: { '50256': -100 },
    prompt_cache_key: 'conversation-9',
    response_format: { type: 'json_schema', json_schema: { name: 'city', schema: SCHEMA } },
  };
  const wire = toAnthropicRequest(request, { stream: false });
  assert.deepEqual(wire['metadata'], { user_id: 'u-42' });
  assert.deepEqual(wire['tool_choice'], { type: 'any', disable_parallel_tool_use: true });
  assert.equal(wire['top_k'], 40);
  for (const key of [
    'seed',
    'presence_penalty',
    'reasoning_effort',
    'response_format',
    'user',
    'parallel_tool_calls',
    'logit_bias',
    'prompt_cache_key',
  ])
    assert.equal(wire[key], undefined, key);
  const system = String(wire['system']);
  assert.match(system, /^Be terse\.\n\nAnswer with one JSON object and nothing else/);
  assert.ok(system.endsWith(JSON.stringify(SCHEMA)), system);
  // Without a tool_choice of its own, parallel off still needs one to say it.
  assert.deepEqual(toAnthropicRequest({ ...request, tool_choice: undefined }, { stream: false })['tool_choice'], {
    type: 'auto',
    disable_parallel_tool_use: true,
  });
  // json_object: the instruction alone is the system prompt when there was none.
  const plain = toAnthropicRequest(
    { model: 'c', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } },
    { stream: false },
  );
  assert.equal(
    plain['system'],
    'Answer with one JSON object and nothing else: no prose before or after it, no code fence.',
  );
  assert.equal(
    toAnthropicRequest(
      { model: 'c', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'text' } },
      { stream: false },
    )['system'],
    undefined,
  );
});

test('settings: Anthropic → canonical reads metadata.user_id, top_k, disable_parallel_tool_use and output_config (its effort for Anthropic routes only)', () => {
  const { request } = parseAnthropicRequest({
    model: 'c',
    max_tokens: 5,
    messages: [{ role: 'user', content: 'hi' }],
    metadata: { user_id: 'u-7' },
    top_k: 3,
    tools: [{ name: 'f', input_schema: { type: 'object' } }],
    tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    output_config: { effort: 'low', format: { type: 'json_schema', schema: SCHEMA } },
  });
  assert.deepEqual(request.response_format, { type: 'json_schema', json_schema: { name: 'output', schema: SCHEMA } });
  assert.equal(request.reasoning_effort, undefined);
  assert.deepEqual(request.anthropic_fields, { output_config: { effort: 'low' } });
  assert.equal(toOpenAIRequest(request, { stream: false })['reasoning_effort'], undefined);
  assert.equal(request.user, 'u-7');
  assert.equal(request.top_k, 3);
  assert.equal(request.parallel_tool_calls, false);
  assert.equal(toOpenAIRequest(request, { stream: false })['parallel_tool_calls'], false);
});

test('settings: n > 1 and logprobs are refused rather than silently dropped; bad values are located', () => {
  const base = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };
  const cases: [unknown, RegExp][] = [
    [{ ...base, n: 2 }, /^n: only one choice per request is supported/],
    [{ ...base, logprobs: true }, /^logprobs: log probabilities are not carried/],
    [{ ...base, seed: 1.5 }, /^seed: /],
    [{ ...base, presence_penalty: 3 }, /^presence_penalty: /],
    [{ ...base, logit_bias: { '50256': 'never' } }, /^logit_bias\.50256: /],
    [{ ...base, logit_bias: { '50256': -101 } }, /^logit_bias\.50256: /],
    [{ ...base, prompt_cache_key: 7 }, /^prompt_cache_key: expected a string/],
    [{ ...base, response_format: { type: 'yaml' } }, /^response_format\.type: /],
    [
      { ...base, response_format: { type: 'json_schema', json_schema: {} } },
      /^response_format\.json_schema\.name is required/,
    ],
  ];
  for (const [body, pattern] of cases) {
    assert.throws(
      () => parseOpenAIRequest(body),
      (e: unknown) => WireRequestError.isInstance(e) && pattern.test(e.message),
      String(pattern),
    );
  }
});

// Four marks: Anthropic's limit (a fifth is refused; which are kept then is test/providers/translate-cache-hints.test.ts).
test('prompt-cache marks: an Anthropic request keeps every cache_control through canonical; OpenAI routes get none', () => {
  const mark = { type: 'ephemeral' };
  const long = { type: 'ephemeral', ttl: '1h' };
  const body = {
    model: 'c',
    max_tokens: 100,
    system: [
      { type: 'text', text: 'You are a coding agent.' },
      { type: 'text', text: 'Project rules…', cache_control: long },
    ],
    tools: [{ name: 'read_file', input_schema: { type: 'object' }, cache_control: mark }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Open main.ts' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Reading it.' },
          { type: 'tool_use', id: 't1', name: 'read_file', input: { path: 'main.ts' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'export {}', cache_control: mark },
          { type: 'text', text: 'Now fix it', cache_control: mark },
        ],
      },
    ],
  };
  const { request } = parseAnthropicRequest(body);
  const wire = toAnthropicRequest(request, { stream: false });
  assert.deepEqual(wire['system'], body.system);
  assert.deepEqual(wire['tools'], body.tools);
  assert.deepEqual(wire['messages'], body.messages);
  // A request without any mark keeps the plain shapes (string system, no parts).
  const plain = parseAnthropicRequest({
    model: 'c',
    system: [
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  }).request;
  assert.deepEqual(plain.messages, [
    { role: 'system', content: 'a\nb' },
    { role: 'user', content: 'hi' },
  ]);
  assert.equal(toAnthropicRequest(plain, { stream: false })['system'], 'a\nb');

  const openai = toOpenAIRequest(request, { stream: false });
  assert.ok(!JSON.stringify(openai).includes('cache_control'), 'OpenAI-compatible routes cache on their own');
  assert.equal((openai['messages'] as { content: unknown }[])[0]!.content, 'You are a coding agent.\nProject rules…');
});

test('prompt-cache marks: OpenRouter-style cache_control on OpenAI text parts reaches an Anthropic route; JSON instruction joins system blocks', () => {
  const { request } = parseOpenAIRequest({
    model: 'x',
    response_format: { type: 'json_object' },
    messages: [
      {
        role: 'system',
        content: [{ type: 'text', text: 'Long reference text', cache_control: { type: 'ephemeral' } }],
      },
      { role: 'user', content: 'question' },
    ],
  });
  const wire = toAnthropicRequest(request, { stream: false });
  assert.deepEqual(wire['system'], [
    { type: 'text', text: 'Long reference text', cache_control: { type: 'ephemeral' } },
    { type: 'text', text: 'Answer with one JSON object and nothing else: no prose before or after it, no code fence.' },
  ]);
});

test("the output limit is max_completion_tokens for OpenAI's own API (its reasoning models refuse max_tokens), max_tokens elsewhere", () => {
  assert.equal(maxTokensFieldFor('https://api.openai.com/v1'), 'max_completion_tokens');
  assert.equal(maxTokensFieldFor('https://api.openai.com'), 'max_completion_tokens');
  for (const other of [
    'https://api.deepseek.com/v1',
    'https://openrouter.ai/api/v1',
    'http://127.0.0.1:8000/v1',
    'https://api.openai.com.evil.example/v1',
  ]) {
    assert.equal(maxTokensFieldFor(other), 'max_tokens', other);
  }
  const req: ChatRequest = { model: 'gpt-5', messages: [{ role: 'user', content: 'title please' }], max_tokens: 40 };
  const wire = toOpenAIRequest(req, { stream: false, maxTokensField: 'max_completion_tokens' });
  assert.equal(wire['max_completion_tokens'], 40);
  assert.equal(wire['max_tokens'], undefined);
  assert.equal(toOpenAIRequest(req, { stream: false })['max_tokens'], 40);
});

test('strict function tools: OpenAI → canonical → OpenAI keeps strict (true and false); an Anthropic route is not sent it', () => {
  const tools = [
    { type: 'function', function: { name: 'strict_one', parameters: SCHEMA, strict: true } },
    { type: 'function', function: { name: 'loose_one', description: 'd', parameters: SCHEMA, strict: false } },
    { type: 'function', function: { name: 'plain', parameters: SCHEMA } },
  ];
  const { request } = parseOpenAIRequest({ model: 'x', messages: [{ role: 'user', content: 'hi' }], tools });
  assert.deepEqual(
    request.tools?.map((t) => t.strict),
    [true, false, undefined],
  );
  assert.deepEqual(toOpenAIRequest(request, { stream: false })['tools'], tools);
  const anthropic = toAnthropicRequest(request, { stream: false })['tools'] as Record<string, unknown>[];
  assert.ok(
    anthropic.every((t) => !('strict' in t)),
    JSON.stringify(anthropic),
  );
});
