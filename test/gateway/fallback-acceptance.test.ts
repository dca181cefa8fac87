// A fallback to the other API shape must send what that API accepts: a primary whose keys are all rate-limited
// (alone, a retryable 503) must not become a 400 because the fallback forwarded something its API refuses. The
// simulator refuses what the real APIs refuse (tool-call ids, tool results, tool schemas, temperature; tool_choice
// without tools), so each answer below proves the request arrived valid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

const OA_LIMITED = ['sk-oa-limited-key-0001', 'sk-oa-limited-key-0002'];
const ANT_LIMITED = 'sk-ant-limited-key-001';
const ANT_OK = 'sk-ant-fallback-key-01';
const OA_OK = 'sk-oa-fallback-key-001';
const OA_FRESH = 'sk-oa-fresh-limited-01';

let h: Harness;

before(async () => {
  const limited = { script: ['429'], loop_script: true };
  h = await startHarness({
    scenario: {
      keys: {
        [OA_LIMITED[0]!]: limited,
        [OA_LIMITED[1]!]: limited,
        [ANT_LIMITED]: limited,
        [ANT_OK]: {},
        [OA_OK]: {},
        [OA_FRESH]: limited,
      },
    },
    config: (sim) => ({
      providers: {
        oalimited: simProvider(sim, 'openai', OA_LIMITED),
        antok: simProvider(sim, 'anthropic', ANT_OK),
        antlimited: simProvider(sim, 'anthropic', ANT_LIMITED),
        oaok: simProvider(sim, 'openai', OA_OK),
        oafresh: simProvider(sim, 'openai', OA_FRESH),
      },
      main: { provider: 'oalimited', model: 'sim-large' },
      fallback: [{ provider: 'antok', model: 'sim-small' }],
      auxiliary: {
        reverse: {
          provider: 'antlimited',
          model: 'sim-large',
          fallback_chain: [{ provider: 'oaok', model: 'sim-small' }],
          fallback_to_main: false,
        },
        alone: { provider: 'oalimited', model: 'sim-large', fallback_to_main: false },
        fresh: {
          provider: 'oafresh',
          model: 'sim-large',
          fallback_chain: [{ provider: 'antok', model: 'sim-small' }],
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

/** The simulator's record of the last call that reached a key. */
function lastCallTo(key: string): { outcome: string; fields: string[] } {
  const call = h.sim
    .log()
    .filter((c) => c.key === key)
    .at(-1);
  assert.ok(call, `no call reached ${key}`);
  return call;
}

/** The message of an Anthropic error body, as the caller reads it. */
const messageOf = (err: InstanceType<typeof Anthropic.APIError>): string =>
  String((err.error as { error?: { message?: unknown } } | undefined)?.error?.message);

const call = (id: string, name: string, args: string): OpenAI.ChatCompletionMessageToolCall => ({
  id,
  type: 'function',
  function: { name, arguments: args },
});

/** An agent's history as OpenAI-compatible upstreams write it: Kimi's `functions.Bash:0`, `call_0` in every turn,
 * an empty id. */
const HISTORY: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are a coding agent.' },
  { role: 'user', content: 'look around' },
  { role: 'assistant', content: null, tool_calls: [call('functions.Bash:0', 'Bash', '{"command":"ls"}')] },
  { role: 'tool', tool_call_id: 'functions.Bash:0', content: 'a.txt b.txt' },
  { role: 'assistant', content: null, tool_calls: [call('call_0', 'Read', '{"path":"a.txt"}')] },
  { role: 'tool', tool_call_id: 'call_0', content: 'alpha' },
  { role: 'assistant', content: null, tool_calls: [call('call_0', 'Read', '{"path":"b.txt"}')] },
  { role: 'tool', tool_call_id: 'call_0', content: 'beta' },
  { role: 'assistant', content: null, tool_calls: [call('', 'Bash', '{"command":"pwd"}')] },
  { role: 'tool', tool_call_id: '', content: '/work' },
  { role: 'user', content: 'now call Bash once more' },
];

/** Bash comes without parameters, Read with `{}`: OpenAI accepts both, Anthropic wants an object schema. */
const SCHEMALESS_TOOLS: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'Bash', description: 'Run a command' } },
  { type: 'function', function: { name: 'Read', parameters: {} } },
];

test('OpenAI SDK: rate-limited OpenAI primary → the Anthropic fallback accepts the history with Kimi-style, repeated and empty ids, schema-less tools and temperature 1.5', async () => {
  const { data, response } = await openai()
    .chat.completions.create({ model: 'main', temperature: 1.5, tools: SCHEMALESS_TOOLS, messages: HISTORY })
    .withResponse();
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('x-switchyard-route'), 'antok/sim-small');
  assert.equal(lastCallTo(ANT_OK).outcome, 'ok');
  assert.deepEqual(lastCallTo(ANT_OK).fields, ['max_tokens', 'system', 'temperature', 'tools']);
  const bash = data.choices[0]?.message.tool_calls?.[0];
  assert.ok(bash?.type === 'function' && bash.function.name === 'Bash');

  // The next turn carries that answer back, and streams: accepted again.
  const stream = await openai().chat.completions.create({
    model: 'main',
    stream: true,
    temperature: 2,
    tools: SCHEMALESS_TOOLS,
    messages: [
      ...HISTORY,
      { role: 'assistant', content: null, tool_calls: [bash] },
      { role: 'tool', tool_call_id: bash.id, content: 'done' },
    ],
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, '[sim-small] got tool result: done');
  assert.equal(lastCallTo(ANT_OK).outcome, 'ok');
});

test('without the fallback the same failure is the retryable 503 it always was', async () => {
  await assert.rejects(
    openai().chat.completions.create({ model: 'alone', tools: SCHEMALESS_TOOLS, messages: HISTORY }),
    (err: unknown) => err instanceof OpenAI.APIError && err.status === 503 && err.headers?.get('retry-after') !== null,
  );
});

test('Anthropic SDK: rate-limited Anthropic primary → the OpenAI fallback is not sent a tool_choice without tools', async () => {
  for (const tools of [undefined, []]) {
    const { data, response } = await anthropic()
      .messages.create({
        model: 'reverse',
        max_tokens: 50,
        tool_choice: { type: 'auto' },
        ...(tools ? { tools } : {}),
        messages: [{ role: 'user', content: 'no tools today' }],
      })
      .withResponse();
    assert.equal(response.headers.get('x-switchyard-route'), 'oaok/sim-small');
    assert.deepEqual(data.content, [{ type: 'text', text: '[sim-small] reply to: no tools today' }]);
    assert.equal(lastCallTo(OA_OK).outcome, 'ok');
    assert.deepEqual(lastCallTo(OA_OK).fields, ['max_tokens']);
  }
});

test("Anthropic SDK: a server tool (Claude Code's web search) is a 400 naming it, before any call upstream", async () => {
  const before = h.sim.served();
  await assert.rejects(
    anthropic().messages.create({
      model: 'main',
      max_tokens: 50,
      tools: [
        { name: 'Bash', input_schema: { type: 'object', properties: {} } },
        { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
      ],
      messages: [{ role: 'user', content: 'search the web' }],
    }),
    (err: unknown) =>
      err instanceof Anthropic.BadRequestError &&
      /tools\[1\]\.type: "web_search_20250305" is one of Anthropic's own tools \(server tools such as web search and code execution, and tools such as bash, text editor and computer use\), which other providers do not have, so the gateway does not route them/.test(
        messageOf(err),
      ),
  );
  assert.equal(h.sim.served(), before);
});

test('a request the fallback route cannot take (an empty last message for Anthropic) still counts the requests sent before', async () => {
  await assert.rejects(
    openai().chat.completions.create({
      model: 'fresh',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: '' },
      ],
    }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.match(err.message, /last message has no content/);
      assert.equal(err.headers?.get('x-switchyard-attempts'), '1', 'the rate-limited primary was sent the request');
      return true;
    },
  );
  assert.match(h.logs.filter((l) => l.includes('last message has no content')).at(-1) ?? '', /"attempts":1/);
});
