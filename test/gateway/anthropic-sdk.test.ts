// Conformance with the official `@anthropic-ai/sdk` as the client, the simulator as the upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'sim-large': {}, 'sim-small': {} },
      keys: { 'sk-ant-sim-good-000001': {}, 'sk-ant-sim-cool-000001': { script: ['429'], reset: '90s' } },
    },
    config: (sim) => ({
      providers: {
        simant: simProvider(sim, 'anthropic', 'sk-ant-sim-good-000001', {
          models: { 'sim-large': {}, 'sim-small': {} },
        }),
        cooling: simProvider(sim, 'anthropic', 'sk-ant-sim-cool-000001'),
      },
      main: { provider: 'simant', model: 'sim-large' },
      auxiliary: {
        compression: { enabled: false },
        hot: { provider: 'cooling', model: 'sim-large', fallback_to_main: false },
      },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

const client = (key = h.key): Anthropic => new Anthropic({ baseURL: h.url, apiKey: key, maxRetries: 0 });

test('messages.create answers in the Anthropic shape with the route headers', async () => {
  const { data, response } = await client()
    .messages.create({
      model: 'main',
      max_tokens: 200,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello gateway' }],
    })
    .withResponse();
  assert.equal(data.type, 'message');
  assert.equal(data.role, 'assistant');
  const first = data.content[0];
  assert.ok(first && first.type === 'text');
  assert.match(first.text, /reply to: Hello gateway/);
  assert.equal(data.stop_reason, 'end_turn');
  assert.ok(data.usage.input_tokens > 0);
  assert.equal(response.headers.get('x-switchyard-route'), 'simant/sim-large');
  assert.equal(response.headers.get('x-switchyard-attempts'), '1');
});

test('streaming: the SDK assembles the final message from the event stream', async () => {
  const stream = client().messages.stream({
    model: 'main',
    max_tokens: 200,
    messages: [{ role: 'user', content: 'Stream me' }],
  });
  let deltas = '';
  stream.on('text', (t) => (deltas += t));
  const message = await stream.finalMessage();
  const first = message.content[0];
  assert.ok(first && first.type === 'text');
  assert.match(first.text, /reply to: Stream me/);
  assert.equal(deltas, first.text);
  assert.equal(message.stop_reason, 'end_turn');
});

test("streaming: message_start carries the prompt's usage from an Anthropic upstream (the Vercel AI SDK reads it only there)", async () => {
  const stream = await client().messages.create({
    model: 'main',
    max_tokens: 200,
    stream: true,
    messages: [{ role: 'user', content: 'Count my prompt' }],
  });
  let start: Anthropic.Usage | undefined;
  let delta: Anthropic.MessageDeltaUsage | undefined;
  for await (const event of stream) {
    if (event.type === 'message_start') start = event.message.usage;
    if (event.type === 'message_delta') delta = event.usage;
  }
  assert.ok(start && start.input_tokens > 0, `message_start usage: ${JSON.stringify(start)}`);
  // message_delta keeps the cumulative usage, the same prompt count included.
  assert.equal(delta?.input_tokens, start.input_tokens);
  assert.ok(delta && delta.output_tokens > 0);
});

test('tools: tool_use blocks come back, streaming and not, and a tool_result round-trips', async () => {
  const tools = [
    {
      name: 'lookup',
      description: 'look up',
      input_schema: { type: 'object' as const, properties: { echo: { type: 'string' } }, required: ['echo'] },
    },
  ];
  const res = await client().messages.create({
    model: 'main',
    max_tokens: 200,
    tools,
    messages: [{ role: 'user', content: 'please call lookup now' }],
  });
  const use = res.content.find((b) => b.type === 'tool_use');
  assert.equal(res.stop_reason, 'tool_use');
  assert.ok(use && use.type === 'tool_use');
  assert.equal(use.name, 'lookup');
  assert.equal(typeof (use.input as { echo?: unknown }).echo, 'string');

  const streamed = await client()
    .messages.stream({
      model: 'main',
      max_tokens: 200,
      tools,
      messages: [{ role: 'user', content: 'please call lookup now' }],
    })
    .finalMessage();
  const streamedUse = streamed.content.find((b) => b.type === 'tool_use');
  assert.ok(streamedUse && streamedUse.type === 'tool_use');
  assert.equal(streamedUse.name, 'lookup');

  const followUp = await client().messages.create({
    model: 'main',
    max_tokens: 200,
    tools,
    messages: [
      { role: 'user', content: 'please call lookup now' },
      { role: 'assistant', content: [{ type: 'tool_use', id: use.id, name: 'lookup', input: { echo: 'x' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'the answer is 42' }] },
    ],
  });
  const text = followUp.content[0];
  assert.ok(text && text.type === 'text');
  assert.match(text.text, /got tool result: the answer is 42/);
});

test("errors arrive as the SDK's classes: AuthenticationError, NotFoundError, BadRequestError", async () => {
  await assert.rejects(
    client('sy-0000000000000000000000000000000000000000').messages.create({
      model: 'main',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.AuthenticationError);
      assert.equal(err.status, 401);
      assert.match(err.requestID ?? '', /^[0-9a-f]{12}-/, "the SDK reads the gateway's request-id");
      return true;
    },
  );
  await assert.rejects(
    client().messages.create({ model: 'claude-nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.NotFoundError);
      assert.equal((err.error as { error?: { type?: string } }).error?.type, 'not_found_error');
      return true;
    },
  );
  await assert.rejects(client().messages.create({ model: 'main', max_tokens: 10, messages: [] }), (err: unknown) => {
    assert.ok(err instanceof Anthropic.BadRequestError);
    assert.match(err.message, /messages/);
    return true;
  });
});

test('a conversation too long for the model leads with Anthropic\'s own "prompt is too long: M tokens > N maximum"', async () => {
  // Agents that compact on overflow (Claude Code) recognise the failure by these words, not by a code.
  await assert.rejects(
    client().messages.create({
      model: 'simant/sim-small',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'word '.repeat(130_000) }],
    }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.BadRequestError);
      const message = (err.error as { error?: { message?: string } }).error?.message ?? '';
      assert.match(message, /^prompt is too long: \d+ tokens > \d+ maximum/);
      assert.match(message, /simant/, "the gateway's explanation follows");
      return true;
    },
  );
});

test('every key cooling is a 503 with Retry-After in the Anthropic shape', async () => {
  await assert.rejects(
    client().messages.create({ model: 'hot', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
  );
  await assert.rejects(
    client().messages.create({ model: 'hot', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.InternalServerError);
      assert.equal(err.status, 503);
      assert.ok(Number(err.headers?.get('retry-after')) >= 1);
      assert.equal((err.error as { type?: string }).type, 'error');
      return true;
    },
  );
});

test('a disabled task is PermissionDeniedError', async () => {
  await assert.rejects(
    client().messages.create({ model: 'compression', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.PermissionDeniedError);
      return true;
    },
  );
});

test('models.list works with the Anthropic SDK', async () => {
  const ids: string[] = [];
  for await (const m of client().models.list()) ids.push(m.id);
  assert.ok(ids.includes('main') && ids.includes('simant/sim-large'));
});

test('models.retrieve and messages.countTokens work with the Anthropic SDK', async () => {
  const model = await client().models.retrieve('simant/sim-large');
  assert.equal(model.id, 'simant/sim-large');
  assert.equal(model.type, 'model');

  const short = await client().messages.countTokens({
    model: 'main',
    messages: [{ role: 'user', content: 'Hello there' }],
  });
  const long = await client().messages.countTokens({
    model: 'main',
    system: 'You are a careful assistant.',
    tools: [
      {
        name: 'lookup',
        description: 'Look a word up',
        input_schema: { type: 'object', properties: { word: { type: 'string' } } },
      },
    ],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hello there, what is in this picture?' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
        ],
      },
    ],
  });
  assert.ok(short.input_tokens > 0 && short.input_tokens < 50, String(short.input_tokens));
  assert.ok(long.input_tokens > short.input_tokens + 1_000, `an image counts: ${long.input_tokens}`);
  await assert.rejects(
    client().messages.countTokens({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    (err: unknown) => err instanceof Anthropic.NotFoundError,
  );
});
