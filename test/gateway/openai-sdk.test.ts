// Conformance with the official `openai` SDK as the client, the simulator as the upstream.
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
        'sk-sim-good-openai-0001': {},
        'sk-sim-cool-0000000001': { script: ['429'], reset: '90s', reset_headers: ['retry-after'] },
        'sk-sim-revoked-000000001': { valid: false },
      },
    },
    config: (sim) => ({
      providers: {
        simoa: simProvider(sim, 'openai', 'sk-sim-good-openai-0001', { models: { 'sim-large': {}, 'sim-small': {} } }),
        cooling: simProvider(sim, 'openai', 'sk-sim-cool-0000000001'),
        revoked: simProvider(sim, 'openai', 'sk-sim-revoked-000000001'),
      },
      main: { provider: 'simoa', model: 'sim-large' },
      auxiliary: {
        title_generation: { provider: 'simoa', model: 'sim-small' },
        compression: { provider: 'none' },
        hot: { provider: 'cooling', model: 'sim-large', fallback_to_main: false },
        badkey: { provider: 'revoked', model: 'sim-large', fallback_to_main: false },
      },
      retry: FAST_RETRY,
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
});
after(() => h.close());

const client = (key = h.key): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });

test('chat.completions.create answers in the OpenAI shape with the route headers', async () => {
  const { data, response } = await client()
    .chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'Hello gateway' }] })
    .withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices[0]?.message.role, 'assistant');
  assert.match(data.choices[0]?.message.content ?? '', /reply to: Hello gateway/);
  assert.equal(data.choices[0]?.finish_reason, 'stop');
  // As OpenAI sends them: refusal is always there (null, the SDK's type is not optional), annotations an empty list.
  assert.equal(data.choices[0]?.message.refusal, null);
  assert.deepEqual(data.choices[0]?.message.annotations, []);
  assert.ok((data.usage?.prompt_tokens ?? 0) > 0);
  assert.equal(response.headers.get('x-switchyard-route'), 'simoa/sim-large');
  assert.equal(response.headers.get('x-switchyard-attempts'), '1');
});

test('a task name, a provider/model and a listed model all work', async () => {
  const title = await client()
    .chat.completions.create({
      model: 'title_generation',
      messages: [{ role: 'user', content: 'Write a title for: trains' }],
    })
    .withResponse();
  assert.equal(title.response.headers.get('x-switchyard-route'), 'simoa/sim-small');
  const explicit = await client()
    .chat.completions.create({ model: 'simoa/sim-small', messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  assert.equal(explicit.response.headers.get('x-switchyard-route'), 'simoa/sim-small');
  const bare = await client()
    .chat.completions.create({ model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  assert.equal(bare.response.headers.get('x-switchyard-route'), 'simoa/sim-small');
});

test('streaming delivers chunks and a final [DONE]', async () => {
  const stream = await client().chat.completions.create({
    model: 'main',
    stream: true,
    messages: [{ role: 'user', content: 'Stream me' }],
  });
  let text = '';
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.match(text, /reply to: Stream me/);
  assert.equal(finish, 'stop');
});

test('tools: a tool call comes back as tool_calls, streaming and not', async () => {
  const tools = [
    {
      type: 'function' as const,
      function: {
        name: 'lookup',
        description: 'look up',
        parameters: { type: 'object', properties: { echo: { type: 'string' } }, required: ['echo'] },
      },
    },
  ];
  const res = await client().chat.completions.create({
    model: 'main',
    tools,
    messages: [{ role: 'user', content: 'please call lookup now' }],
  });
  const call = res.choices[0]?.message.tool_calls?.[0];
  assert.equal(res.choices[0]?.finish_reason, 'tool_calls');
  assert.equal(res.choices[0]?.message.refusal, null);
  assert.ok(call && call.type === 'function');
  assert.equal(call.function.name, 'lookup');
  assert.equal(typeof JSON.parse(call.function.arguments).echo, 'string');

  const stream = await client().chat.completions.create({
    model: 'main',
    tools,
    stream: true,
    messages: [{ role: 'user', content: 'please call lookup now' }],
  });
  let name = '';
  let args = '';
  for await (const chunk of stream) {
    for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
      name += tc.function?.name ?? '';
      args += tc.function?.arguments ?? '';
    }
  }
  assert.equal(name, 'lookup');
  assert.equal(typeof JSON.parse(args).echo, 'string');

  // The tool result goes back through the gateway and the model answers in text.
  const followUp = await client().chat.completions.create({
    model: 'main',
    tools,
    messages: [
      { role: 'user', content: 'please call lookup now' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"echo":"x"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'the answer is 42' },
    ],
  });
  assert.match(followUp.choices[0]?.message.content ?? '', /got tool result: the answer is 42/);
});

test("a bad gateway key is the SDK's AuthenticationError", async () => {
  await assert.rejects(
    client('sy-0000000000000000000000000000000000000000').chat.completions.create({
      model: 'main',
      messages: [{ role: 'user', content: 'x' }],
    }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError);
      assert.equal(err.status, 401);
      assert.match(err.message, /invalid or revoked gateway key/);
      assert.match(err.requestID ?? '', /^[0-9a-f]{12}-/, "the SDK reads the gateway's x-request-id");
      return true;
    },
  );
});

test('an unknown model is NotFoundError; a malformed body is BadRequestError', async () => {
  await assert.rejects(
    client().chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'x' }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.match(err.message, /unknown model "gpt-nope"/);
      return true;
    },
  );
  await assert.rejects(
    client().chat.completions.create({ model: 'main', messages: 'not a list' as never }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.match(err.message, /messages/);
      return true;
    },
  );
});

test('every key cooling is a 503 with Retry-After (InternalServerError in the SDK, which would retry it)', async () => {
  // The first call meets the 429 and cools the only key; the next finds every key cooling.
  await assert.rejects(client().chat.completions.create({ model: 'hot', messages: [{ role: 'user', content: 'x' }] }));
  await assert.rejects(
    client().chat.completions.create({ model: 'hot', messages: [{ role: 'user', content: 'x' }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.InternalServerError);
      assert.equal(err.status, 503);
      const retryAfter = Number(err.headers?.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 90, `Retry-After ${retryAfter}`);
      assert.match(err.message, /cool|rate/i);
      // Words, not state names: `rate-limited until 02:02`, never `rate_limited until`.
      assert.match(
        err.message,
        /every key for cooling is unusable — sk-…\w+ \([^)]*\): rate-limited until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d/,
      );
      assert.doesNotMatch(err.message, /rate_limited|auth_suspect/);
      return true;
    },
  );
});

test('an upstream key rejected is a 502 the SDK does not retry (x-should-retry: false): the gateway already did', async () => {
  const retrying = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 3 });
  const before = h.logs.filter((l) => l.includes('"model":"badkey"')).length;
  await assert.rejects(
    retrying.chat.completions.create({ model: 'badkey', messages: [{ role: 'user', content: 'x' }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 502);
      assert.equal(err.headers?.get('x-should-retry'), 'false');
      assert.match(err.message, /revoked rejected key/);
      return true;
    },
  );
  assert.equal(
    h.logs.filter((l) => l.includes('"model":"badkey"')).length - before,
    1,
    'one request reached the gateway',
  );
});

test('a disabled task is a 403 naming the setting', async () => {
  await assert.rejects(
    client().chat.completions.create({ model: 'compression', messages: [{ role: 'user', content: 'x' }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.PermissionDeniedError);
      assert.match(err.message, /task compression is disabled/);
      return true;
    },
  );
});

test('models.list shows the tasks and provider/model names', async () => {
  const ids: string[] = [];
  for await (const m of client().models.list()) ids.push(m.id);
  for (const id of ['main', 'title_generation', 'compression', 'hot', 'simoa/sim-large', 'simoa/sim-small'])
    assert.ok(ids.includes(id), id);
});

test('models.retrieve finds a task and a provider/model (slash and all); an unknown id is NotFoundError', async () => {
  assert.equal((await client().models.retrieve('main')).owned_by, 'switchyard');
  const routed = await client().models.retrieve('simoa/sim-large');
  assert.equal(routed.id, 'simoa/sim-large');
  assert.equal(routed.owned_by, 'simoa');
  await assert.rejects(
    client().models.retrieve('simoa/nope'),
    (err: unknown) => err instanceof OpenAI.NotFoundError && /no model "simoa\/nope"/.test(err.message),
  );
});
