// Extended thinking through the gateway, as Claude Code uses it: the official `@anthropic-ai/sdk` as the client, the
// simulator (which signs its thinking blocks and refuses ones it did not sign) as the upstream, a tool loop with
// thinking on, whole and streamed, and an OpenAI-route fallback in the middle of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import { simSignature } from '../../src/sim/thinking.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'sim-large': {}, 'claude-haiku-4-5': {} },
      keys: {
        'sk-ant-thinking-000001': {},
        'sk-ant-overloaded-00001': { script: ['529'], loop_script: true },
        'sk-oa-working-key-00001': {},
      },
    },
    config: (sim) => ({
      providers: {
        ant: simProvider(sim, 'anthropic', 'sk-ant-thinking-000001'),
        antbusy: simProvider(sim, 'anthropic', 'sk-ant-overloaded-00001'),
        oaok: simProvider(sim, 'openai', 'sk-oa-working-key-00001'),
      },
      main: { provider: 'ant', model: 'sim-large' },
      auxiliary: {
        compression: { enabled: false },
        // A model without adaptive thinking.
        haiku: { provider: 'ant', model: 'claude-haiku-4-5', fallback_to_main: false },
        // An Anthropic route that is down, and an OpenAI-compatible one behind it.
        busy: {
          provider: 'antbusy',
          model: 'sim-large',
          fallback_chain: [{ provider: 'oaok', model: 'sim-large' }],
          fallback_to_main: false,
        },
      },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

const client = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });

const THINKING = { type: 'enabled', budget_tokens: 1024 } as const;
const TOOLS: Anthropic.Tool[] = [
  { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
];
const ask = (messages: Anthropic.MessageParam[], model = 'main'): Anthropic.MessageCreateParamsNonStreaming => ({
  model,
  max_tokens: 2048,
  thinking: THINKING,
  tools: TOOLS,
  messages,
});

/** The user turn answering the tool call of an assistant answer. */
function toolResults(answer: Anthropic.Message): Anthropic.MessageParam {
  const call = answer.content.find((b) => b.type === 'tool_use');
  assert.ok(call, 'the answer calls a tool');
  return { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21°C' }] };
}

/** The simulator's last call: whether it was sent thinking. */
const lastCallThought = (): boolean => h.sim.log().at(-1)?.fields.includes('thinking') === true;

function assertThinkingBlock(block: Anthropic.ContentBlock | undefined): void {
  assert.ok(block && block.type === 'thinking', `a thinking block, got ${block?.type}`);
  assert.match(block.thinking, /^Thinking about /);
  assert.equal(block.signature, simSignature(block.thinking));
}

test('a tool loop with thinking on: the answer keeps its signed thinking block, and the next turn sends it back with thinking', async () => {
  const question: Anthropic.MessageParam = { role: 'user', content: 'call get_weather for Paris' };
  const first = await client().messages.create(ask([question]));
  assertThinkingBlock(first.content[0]);
  assert.equal(first.content[1]?.type, 'tool_use');
  assert.ok(lastCallThought());

  // The whole answer goes back as it came; the simulator refuses a block it did not sign and a tool-result turn
  // whose assistant turn does not open with one, so accepting it means thinking was on and the block intact.
  const second = await client().messages.create(
    ask([question, { role: 'assistant', content: first.content }, toolResults(first)]),
  );
  assert.ok(lastCallThought(), 'thinking reaches the upstream on the tool-result turn');
  assertThinkingBlock(second.content[0]);
  const text = second.content[1];
  assert.ok(text && text.type === 'text');
  assert.match(text.text, /got tool result: sunny/);
});

test('streamed: thinking_delta and signature_delta in a thinking block the SDK assembles, before the tool call', async () => {
  const question: Anthropic.MessageParam = { role: 'user', content: 'call get_weather for Oslo' };
  const stream = client().messages.stream(ask([question]));
  let thought = '';
  let signature = '';
  stream.on('thinking', (delta) => (thought += delta));
  stream.on('signature', (s) => (signature = s));
  const first = await stream.finalMessage();
  assertThinkingBlock(first.content[0]);
  assert.equal(thought, first.content[0]?.type === 'thinking' ? first.content[0].thinking : undefined);
  assert.equal(signature, simSignature(thought));
  assert.equal(first.content[1]?.type, 'tool_use');

  const events: string[] = [];
  const raw = await client().messages.create({
    ...ask([question, { role: 'assistant', content: first.content }, toolResults(first)]),
    stream: true,
  });
  for await (const e of raw) {
    if (e.type === 'content_block_start') events.push(`start:${e.content_block.type}`);
    if (e.type === 'content_block_delta') events.push(e.delta.type);
  }
  assert.ok(lastCallThought());
  const kinds = [...new Set(events)];
  assert.deepEqual(kinds, ['start:thinking', 'thinking_delta', 'signature_delta', 'start:text', 'text_delta']);
});

test('an OpenAI-route fallback in the loop: its turn has no thinking block, so its tool results go without thinking', async () => {
  const question: Anthropic.MessageParam = { role: 'user', content: 'call get_weather for Rome' };
  const first = await client().messages.create(ask([question]));
  const second = await client().messages.create(
    ask([question, { role: 'assistant', content: first.content }, toolResults(first)]),
  );
  const again: Anthropic.MessageParam = { role: 'user', content: 'call get_weather for Milan' };
  const history: Anthropic.MessageParam[] = [
    question,
    { role: 'assistant', content: first.content },
    toolResults(first),
    { role: 'assistant', content: second.content },
    again,
  ];
  // The Anthropic route is overloaded: the OpenAI-compatible one answers, without thinking.
  const { data: third, response } = await client().messages.create(ask(history, 'busy')).withResponse();
  assert.equal(response.headers.get('x-switchyard-route'), 'oaok/sim-large');
  assert.deepEqual(
    third.content.map((b) => b.type),
    ['tool_use'],
  );

  // Back on the Anthropic route: the earlier thinking blocks still go (intact), thinking itself does not.
  const fourth = await client().messages.create(
    ask([...history, { role: 'assistant', content: third.content }, toolResults(third)]),
  );
  assert.equal(lastCallThought(), false);
  assert.deepEqual(
    fourth.content.map((b) => b.type),
    ['text'],
  );
});

test("Claude Code's omitted thinking: a streamed block with only its signature, sent back intact with the tool results", async () => {
  const question: Anthropic.MessageParam = { role: 'user', content: 'call get_weather for Lima' };
  const omitted = (messages: Anthropic.MessageParam[]): Anthropic.MessageCreateParamsNonStreaming => ({
    ...ask(messages),
    thinking: { type: 'adaptive', display: 'omitted' },
  });
  const first = await client()
    .messages.stream(omitted([question]))
    .finalMessage();
  assert.deepEqual(first.content[0], { type: 'thinking', thinking: '', signature: simSignature('') });
  const second = await client()
    .messages.stream(omitted([question, { role: 'assistant', content: first.content }, toolResults(first)]))
    .finalMessage();
  assert.ok(lastCallThought());
  assert.deepEqual(
    second.content.map((b) => b.type),
    ['thinking', 'text'],
  );
});

test('to a model without adaptive thinking: the tool results go without thinking, and without the thinking blocks', async () => {
  const adaptive = (messages: Anthropic.MessageParam[], model: string): Anthropic.MessageCreateParamsNonStreaming => ({
    ...ask(messages, model),
    thinking: { type: 'adaptive' },
  });
  const question: Anthropic.MessageParam = { role: 'user', content: 'call get_weather for Kyiv' };
  const first = await client().messages.create(adaptive([question], 'main'));
  assertThinkingBlock(first.content[0]);
  // The simulator refuses thinking blocks in the last assistant turn when thinking is off, as Anthropic does.
  const second = await client().messages.create(
    adaptive([question, { role: 'assistant', content: first.content }, toolResults(first)], 'haiku'),
  );
  assert.equal(lastCallThought(), false);
  assert.deepEqual(
    second.content.map((b) => b.type),
    ['text'],
  );
});

test('a thinking block signed by another platform: refused, then the same route answers without the history’s blocks', async () => {
  const question: Anthropic.MessageParam = { role: 'user', content: 'call get_weather for Bern' };
  const first = await client().messages.create(ask([question]));
  const foreign = first.content.map((b) =>
    b.type === 'thinking' ? { ...b, signature: 'signed-by-another-platform' } : b,
  );
  const calls = h.sim.log().length;
  const { data: second, response } = await client()
    .messages.create(ask([question, { role: 'assistant', content: foreign }, toolResults(first)]))
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-route'), 'ant/sim-large', 'no fallback: the same route answered');
  const sent = h.sim.log().slice(calls);
  assert.deepEqual(
    sent.map((c) => c.fields.includes('thinking')),
    [true, false],
    'refused with the foreign block and thinking on; sent again with neither',
  );
  assert.deepEqual(
    second.content.map((b) => b.type),
    ['text'],
  );
});
