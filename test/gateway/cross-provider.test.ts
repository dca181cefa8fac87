// A chain that crosses provider types, through both official SDKs: an OpenAI-compatible provider failing → an
// Anthropic provider answers (and the reverse), streaming and not; the answer is always in the caller's shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'sim-large': {}, 'sim-small': {}, 'claude-sonnet-4-5': {} },
      keys: {
        'sk-oa-broken-key-00001': { valid: false },
        'sk-ant-working-key-0001': {},
        'sk-ant-overloaded-00001': { script: ['529'], loop_script: true },
        'sk-oa-working-key-00001': {},
      },
    },
    config: (sim) => ({
      providers: {
        oabroken: simProvider(sim, 'openai', 'sk-oa-broken-key-00001'),
        antok: simProvider(sim, 'anthropic', 'sk-ant-working-key-0001'),
        antbusy: simProvider(sim, 'anthropic', 'sk-ant-overloaded-00001'),
        oaok: simProvider(sim, 'openai', 'sk-oa-working-key-00001'),
      },
      main: { provider: 'oabroken', model: 'sim-large' },
      fallback: [{ provider: 'antok', model: 'sim-small' }],
      auxiliary: {
        reverse: {
          provider: 'antbusy',
          model: 'sim-large',
          fallback_chain: [{ provider: 'oaok', model: 'sim-small' }],
          fallback_to_main: false,
        },
        sonnet: {
          provider: 'oabroken',
          model: 'sim-large',
          fallback_chain: [{ provider: 'antok', model: 'claude-sonnet-4-5' }],
          fallback_to_main: false,
        },
      },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

const openai = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });

test('OpenAI SDK: openai provider rejected → anthropic provider answers, in the OpenAI shape', async () => {
  const { data, response } = await openai()
    .chat.completions.create({
      model: 'main',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'cross over' },
      ],
    })
    .withResponse();
  assert.match(data.choices[0]?.message.content ?? '', /\[sim-small\] reply to: cross over/);
  assert.equal(response.headers.get('x-switchyard-route'), 'antok/sim-small');
  assert.ok(Number(response.headers.get('x-switchyard-attempts')) >= 2);

  const stream = await openai().chat.completions.create({
    model: 'main',
    stream: true,
    messages: [{ role: 'user', content: 'cross stream' }],
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.match(text, /reply to: cross stream/);
});

test('Anthropic SDK: anthropic provider overloaded → openai provider answers, in the Anthropic shape', async () => {
  const { data, response } = await anthropic()
    .messages.create({ model: 'reverse', max_tokens: 100, messages: [{ role: 'user', content: 'reverse trip' }] })
    .withResponse();
  const block = data.content[0];
  assert.ok(block && block.type === 'text');
  assert.match(block.text, /\[sim-small\] reply to: reverse trip/);
  assert.equal(response.headers.get('x-switchyard-route'), 'oaok/sim-small');

  const message = await anthropic()
    .messages.stream({ model: 'reverse', max_tokens: 100, messages: [{ role: 'user', content: 'reverse stream' }] })
    .finalMessage();
  const streamed = message.content[0];
  assert.ok(streamed && streamed.type === 'text');
  assert.match(streamed.text, /reply to: reverse stream/);
});

test('Anthropic SDK streaming from an OpenAI-compatible route: message_start has the prompt as estimated, message_delta has it all', async () => {
  const stream = await anthropic().messages.create({
    model: 'oaok/sim-small',
    max_tokens: 100,
    stream: true,
    messages: [{ role: 'user', content: 'usage later' }],
  });
  const usage: Record<string, unknown>[] = [];
  for await (const event of stream) {
    if (event.type === 'message_start') usage.push({ ...event.message.usage });
    if (event.type === 'message_delta') usage.push({ ...event.usage });
  }
  // An OpenAI upstream reports usage only after the content: holding message_start back for it would hold the answer,
  // so it says the prompt as the gateway estimates it ('usage later': 11 characters ÷ 4, rounded up).
  assert.deepEqual(usage[0], { input_tokens: 3, output_tokens: 0 });
  assert.ok(
    Number(usage[1]?.['input_tokens']) > 0 && Number(usage[1]?.['output_tokens']) > 0,
    JSON.stringify(usage[1]),
  );
});

test('Anthropic SDK through the main chain, OpenAI SDK through the reverse one, tools included', async () => {
  const tools = [{ name: 'lookup', input_schema: { type: 'object' as const, properties: {} } }];
  const res = await anthropic().messages.create({
    model: 'main',
    max_tokens: 100,
    tools,
    messages: [{ role: 'user', content: 'call lookup please' }],
  });
  assert.equal(res.stop_reason, 'tool_use');
  const viaOpenAI = await openai().chat.completions.create({
    model: 'reverse',
    tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
    messages: [{ role: 'user', content: 'call lookup please' }],
  });
  assert.equal(
    viaOpenAI.choices[0]?.message.tool_calls?.[0]?.type === 'function' &&
      viaOpenAI.choices[0]?.message.tool_calls?.[0]?.function.name,
    'lookup',
  );
});

test('a failed tool result from an Anthropic client (is_error) reads as a failure on an OpenAI-compatible route', async () => {
  const res = await anthropic().messages.create({
    model: 'oaok/sim-small',
    max_tokens: 100,
    tools: [{ name: 'bash', input_schema: { type: 'object', properties: {} } }],
    messages: [
      { role: 'user', content: 'list the files' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'permission denied by the user', is_error: true },
        ],
      },
    ],
  });
  const block = res.content[0];
  assert.ok(block && block.type === 'text');
  assert.match(block.text, /got tool result: Error: permission denied by the user/);
});

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** The simulator's record of the last call that reached a key: which images and settings arrived upstream. */
function lastCallTo(key: string): { images: number; fields: string[]; api: string } {
  const call = h.sim
    .log()
    .filter((c) => c.key === key)
    .at(-1);
  assert.ok(call, `no call reached ${key}`);
  return call;
}

test('images cross shapes: OpenAI image_url parts reach the Anthropic fallback as image blocks, and the reverse', async () => {
  const viaOpenAI = await openai().chat.completions.create({
    model: 'main',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        ],
      },
    ],
  });
  assert.match(viaOpenAI.choices[0]?.message.content ?? '', /\[sim-small\] reply to: what is this \[1 image\]/);
  assert.deepEqual(lastCallTo('sk-ant-working-key-0001').images, 1);

  const stream = await anthropic()
    .messages.stream({
      model: 'reverse',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'text', text: 'compare' },
          ],
        },
      ],
    })
    .finalMessage();
  const block = stream.content[0];
  assert.ok(block && block.type === 'text');
  assert.match(block.text, /reply to: compare \[2 images\]/);
  const upstream = lastCallTo('sk-oa-working-key-00001');
  assert.equal(upstream.api, 'openai');
  assert.equal(upstream.images, 2);
});

test('settings cross shapes: what each provider type has an equivalent for arrives, the rest stays out', async () => {
  // OpenAI SDK → main chain → answered by the Anthropic fallback: user as metadata, JSON asked in the system prompt.
  const openaiOnly = { logit_bias: { '50256': -100 }, prompt_cache_key: 'conversation-7' };
  await openai().chat.completions.create({
    model: 'main',
    user: 'agent-7',
    seed: 3,
    presence_penalty: 0.1,
    response_format: { type: 'json_object' },
    ...openaiOnly,
    messages: [{ role: 'user', content: 'settings over, as json' }],
  });
  assert.deepEqual(lastCallTo('sk-ant-working-key-0001').fields, ['max_tokens', 'metadata', 'system']);
  // An OpenAI-compatible provider is sent them as they came.
  await openai().chat.completions.create({
    model: 'oaok/sim-small',
    user: 'agent-7',
    seed: 3,
    presence_penalty: 0.1,
    response_format: { type: 'json_object' },
    ...openaiOnly,
    messages: [{ role: 'user', content: 'settings straight, as json' }],
  });
  assert.deepEqual(lastCallTo('sk-oa-working-key-00001').fields, [
    'logit_bias',
    'presence_penalty',
    'prompt_cache_key',
    'response_format',
    'seed',
    'user',
  ]);

  // Anthropic SDK → reverse chain → answered by the OpenAI provider: metadata.user_id as user, the output format as
  // response_format; effort is Anthropic's (Claude Code sends it on every request, and OpenAI's non-reasoning models
  // refuse reasoning_effort), so it stays out.
  await anthropic().messages.create({
    model: 'reverse',
    max_tokens: 50,
    metadata: { user_id: 'agent-8' },
    output_config: { effort: 'low', format: { type: 'json_schema', schema: { type: 'object', properties: {} } } },
    messages: [{ role: 'user', content: 'settings back' }],
  });
  assert.deepEqual(lastCallTo('sk-oa-working-key-00001').fields, ['max_tokens', 'response_format', 'user']);
});

test("an OpenAI SDK's temperature + top_p and newline stop reach a Claude fallback that refuses them as sent: answered, as it takes them", async () => {
  // Claude Sonnet 4.5 refuses temperature with top_p, and every Claude model a whitespace-only stop sequence.
  const sampling = { temperature: 0.7, top_p: 0.9, stop: ['\n', 'END'] };
  const { data, response } = await openai()
    .chat.completions.create({ model: 'sonnet', ...sampling, messages: [{ role: 'user', content: 'sample me' }] })
    .withResponse();
  assert.match(data.choices[0]?.message.content ?? '', /reply to: sample me/);
  assert.equal(response.headers.get('x-switchyard-route'), 'antok/claude-sonnet-4-5');
  assert.deepEqual(lastCallTo('sk-ant-working-key-0001').fields, ['max_tokens', 'stop_sequences', 'temperature']);
  // Streamed, and from the Responses API (top_p 1, as SDK defaults send it, beside a temperature).
  const stream = await openai().chat.completions.create({
    model: 'sonnet',
    ...sampling,
    stream: true,
    messages: [{ role: 'user', content: 'sample stream' }],
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.match(text, /reply to: sample stream/);
  const res = await openai().responses.create({
    model: 'sonnet',
    input: 'sample responses',
    temperature: 0.3,
    top_p: 1,
  });
  assert.match(res.output_text, /reply to: sample responses/);
  assert.deepEqual(lastCallTo('sk-ant-working-key-0001').fields, ['max_tokens', 'temperature']);
});

test("what the answer could not carry is refused in the caller's shape, naming the setting", async () => {
  await assert.rejects(
    openai().chat.completions.create({ model: 'main', n: 2, messages: [{ role: 'user', content: 'two please' }] }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      /only one choice per request/.test(err.message) &&
      (err.error as { param?: string }).param === 'n',
  );
  await assert.rejects(
    anthropic().messages.create({
      model: 'main',
      max_tokens: 10,
      messages: [
        {
          role: 'user',
          content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }],
        },
      ],
    }),
    (err: unknown) =>
      err instanceof Anthropic.BadRequestError &&
      /messages\[0\]\.content\[0\]\.type: block .{0,2}document.{0,2} is not supported/.test(err.message),
  );
});

test('a screenshot-sized image (6 MB of base64) fits under the default body limit', async () => {
  const big = Buffer.alloc(4_500_000, 7).toString('base64');
  const res = await openai().chat.completions.create({
    model: 'oaok/sim-small',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'big picture' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${big}` } },
        ],
      },
    ],
  });
  assert.match(res.choices[0]?.message.content ?? '', /reply to: big picture \[1 image\]/);
});

test('prompt-cache marks from an Anthropic client reach an Anthropic provider, not an OpenAI-compatible one', async () => {
  const mark = { type: 'ephemeral' as const };
  const request = {
    max_tokens: 50,
    system: [{ type: 'text' as const, text: 'A long, stable system prompt.', cache_control: mark }],
    messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'cache me', cache_control: mark }] }],
  };
  await anthropic().messages.create({ model: 'antok/sim-small', ...request });
  assert.equal(
    h.sim
      .log()
      .filter((c) => c.key === 'sk-ant-working-key-0001')
      .at(-1)?.cache_marks,
    2,
  );
  await anthropic().messages.create({ model: 'oaok/sim-small', ...request });
  assert.equal(
    h.sim
      .log()
      .filter((c) => c.key === 'sk-oa-working-key-00001')
      .at(-1)?.cache_marks,
    0,
  );
});

test("a caller's anthropic-beta reaches Anthropic providers (forwarded names only), never OpenAI-compatible ones", async () => {
  const headers = { 'anthropic-beta': 'context-1m-2025-08-07,oauth-2025-04-20' };
  await anthropic().messages.create(
    { model: 'antok/sim-small', max_tokens: 20, messages: [{ role: 'user', content: 'long one' }] },
    { headers },
  );
  assert.equal(
    h.sim
      .log()
      .filter((c) => c.key === 'sk-ant-working-key-0001')
      .at(-1)?.anthropic_beta,
    'context-1m-2025-08-07',
  );
  await openai().chat.completions.create(
    { model: 'oaok/sim-small', messages: [{ role: 'user', content: 'x' }] },
    { headers },
  );
  assert.equal(
    h.sim
      .log()
      .filter((c) => c.key === 'sk-oa-working-key-00001')
      .at(-1)?.anthropic_beta,
    null,
  );
  await anthropic().messages.create({
    model: 'antok/sim-small',
    max_tokens: 20,
    messages: [{ role: 'user', content: 'plain' }],
  });
  assert.equal(
    h.sim
      .log()
      .filter((c) => c.key === 'sk-ant-working-key-0001')
      .at(-1)?.anthropic_beta,
    null,
  );
});

test('betas[] in the body and the anthropic-beta header reach an Anthropic route as one set; a bad betas is a 400', async () => {
  const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${h.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': h.key, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const res = await post(
    {
      model: 'antok/sim-small',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'betas in the body' }],
      betas: ['extended-cache-ttl-2025-04-11', 'context-1m-2025-08-07', 'claude-code-20250219'],
    },
    { 'anthropic-beta': 'context-1m-2025-08-07,effort-2025-11-24' },
  );
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(
    h.sim
      .log()
      .filter((c) => c.key === 'sk-ant-working-key-0001')
      .at(-1)?.anthropic_beta,
    'context-1m-2025-08-07,effort-2025-11-24,extended-cache-ttl-2025-04-11',
  );
  const bad = await post({
    model: 'antok/sim-small',
    max_tokens: 20,
    messages: [{ role: 'user', content: 'x' }],
    betas: 'context-1m',
  });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /betas: expected an array of beta names/);
});

test('an empty last message is refused for an Anthropic route (400 naming it), not sent as a prefill to continue', async () => {
  await assert.rejects(
    openai().chat.completions.create({
      model: 'main',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: [{ type: 'text', text: '' }] },
      ],
    }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.match(err.message, /last message has no content/);
      // The routes tried before the translation refused are counted (the primary's key, known rejected by now, is
      // skipped without a request), in the header as in the log line.
      const header = err.headers?.get('x-switchyard-attempts');
      assert.equal(header, '0');
      const line = h.logs.filter((l) => l.includes('last message has no content')).at(-1) ?? '';
      assert.match(line, /"attempts":0/);
      return true;
    },
  );
});

test('a history that opens with an assistant greeting (or a blank first question) is answered by an Anthropic route', async () => {
  // Chat UIs open with the assistant's welcome; Anthropic wants the user first and refuses it as a bad request,
  // which no fallback retries. The route is sent a "." user turn before the greeting instead.
  const greeting = { role: 'assistant' as const, content: 'Welcome!' };
  for (const messages of [
    [greeting, { role: 'user' as const, content: 'thanks' }],
    [{ role: 'user' as const, content: '  ' }, greeting, { role: 'user' as const, content: 'thanks' }],
  ]) {
    const { data, response } = await openai()
      .chat.completions.create({ model: 'antok/sim-small', messages })
      .withResponse();
    assert.match(data.choices[0]?.message.content ?? '', /reply to: thanks/);
    assert.equal(response.headers.get('x-switchyard-attempts'), '1');
  }
  // Streamed, and through the main chain (its OpenAI-compatible primary is rejected, the Anthropic fallback answers).
  const stream = await openai().chat.completions.create({
    model: 'main',
    stream: true,
    messages: [greeting, { role: 'user', content: 'thanks again' }],
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.match(text, /\[sim-small\] reply to: thanks again/);
});
