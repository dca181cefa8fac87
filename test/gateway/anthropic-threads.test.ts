// Anthropic message threads (`thread`, the `message-threads-…` beta) through the gateway, with the real SDK: the
// gateway keeps no conversation, so it refuses a thread with the code the SDK understands, and the SDK's
// toolRunner() — and thread() when told to — go on without one, sending the whole history each turn.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

const KEY = 'sk-ant-threads-000001';
let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { [KEY]: {} } },
    config: (sim) => ({
      providers: { ant: simProvider(sim, 'anthropic', KEY) },
      main: { provider: 'ant', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

const client = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
const rolesOfCalls = (): string[][] => h.sim.log().map((c) => c.roles);

test("a request with `thread` is a 400 thread_unsupported_request in Anthropic's shape, before anything is sent", async () => {
  const before = h.sim.log().length;
  const res = await fetch(`${h.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': h.key,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'message-threads-2026-08-12',
    },
    body: JSON.stringify({
      model: 'main',
      max_tokens: 50,
      thread: { type: 'continue', previous_message_id: 'msg_1' },
      messages: [{ role: 'user', content: 'and then?' }],
    }),
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as {
    type: string;
    error: { type: string; message: string; details: { error_code: string; unsupported: string[] } };
  };
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'invalid_request_error');
  assert.deepEqual(body.error.details, { error_code: 'thread_unsupported_request', unsupported: ['fallbacks'] });
  assert.match(body.error.message, /without `thread`/);
  assert.equal(h.sim.log().length, before, 'nothing reached the upstream');
  // `thread: null` asks for no thread.
  const plain = await client().beta.messages.create({
    model: 'main',
    max_tokens: 50,
    thread: null,
    messages: [{ role: 'user', content: 'no thread' }],
  });
  assert.equal(plain.type, 'message');
});

test('toolRunner() goes on without a thread by itself: the tool round trip completes with the whole history', async () => {
  const calls: unknown[] = [];
  const lookup = betaTool({
    name: 'lookup',
    description: 'Look something up',
    inputSchema: { type: 'object', properties: { echo: { type: 'string' } } },
    run: (input) => {
      calls.push(input);
      return 'the answer is 42';
    },
  });
  const first = h.sim.log().length;
  const final = await client().beta.messages.toolRunner({
    model: 'main',
    max_tokens: 200,
    tools: [lookup],
    messages: [{ role: 'user', content: 'please call lookup now' }],
  });
  assert.equal(calls.length, 1);
  const text = final.content.find((b) => b.type === 'text');
  assert.ok(text && text.type === 'text');
  assert.match(text.text, /got tool result: the answer is 42/);
  // The refused threaded request never reached the upstream; the two that did carried the whole conversation.
  assert.deepEqual(rolesOfCalls().slice(first), [['user'], ['user', 'assistant', 'user']]);
});

test('thread() with continue_unthreaded keeps the conversation; without it the SDK raises the refusal', async () => {
  const first = h.sim.log().length;
  const thread = client().beta.messages.thread({
    model: 'main',
    max_tokens: 100,
    unsupportedRequestBehavior: 'continue_unthreaded',
  });
  const one = await thread.send({ role: 'user', content: 'my name is Ada' });
  assert.equal(one.type, 'message');
  const two = await thread.send({ role: 'user', content: 'what is my name?' });
  const text = two.content[0];
  assert.ok(text && text.type === 'text');
  assert.match(text.text, /reply to: what is my name\?/);
  assert.deepEqual(rolesOfCalls().slice(first), [['user'], ['user', 'assistant', 'user']]);

  const strict = client().beta.messages.thread({ model: 'main', max_tokens: 100 });
  await assert.rejects(strict.send({ role: 'user', content: 'hello' }), (err: unknown) => {
    assert.ok(err instanceof Anthropic.BadRequestError);
    assert.equal(err.errorCode, 'thread_unsupported_request');
    return true;
  });
});
