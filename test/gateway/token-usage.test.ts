// Who used how much: every answered chat request's log line carries the tokens the provider counted, and
// `switchyard_gateway_tokens_total` adds them up by route — streaming and not, both APIs, prompt caching included.
// The official SDKs are the clients; what they were told is what the line and the metric must say.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, ADMIN_KEY, type Harness } from './harness.ts';
import { until } from '../helpers/until.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        'sk-sim-tokens-oa-00001': {},
        'sk-ant-sim-tokens-00001': { prompt_cache: true },
        'sk-ant-sim-tokens-cut01': { script: ['cut'], loop_script: true },
      },
    },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-tokens-oa-00001'),
        an: simProvider(sim, 'anthropic', 'sk-ant-sim-tokens-00001', { models: { 'sim-large': {} } }),
        cut: simProvider(sim, 'anthropic', 'sk-ant-sim-tokens-cut01', { models: { 'sim-large': {} } }),
      },
      main: { provider: 'oa', model: 'sim-large' },
    }),
  });
});
after(() => h.close());

interface Line {
  msg: string;
  path?: string;
  route?: string;
  stream?: boolean;
  status?: number;
  tokens_in?: number;
  tokens_out?: number;
  tokens_cache_read?: number;
  tokens_cache_write?: number;
}

function requestLines(): Line[] {
  return h.logs.map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request' && l.path !== '/metrics');
}

async function metricValue(route: string, kind: string): Promise<number> {
  const text = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  const m = new RegExp(`^switchyard_gateway_tokens_total\\{route="${route}",kind="${kind}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

test('the line and the metric carry what the callers were told, streaming and not, on both APIs', async () => {
  const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const whole = await openai.chat.completions.create({
    model: 'main',
    messages: [{ role: 'user', content: 'Count me' }],
  });
  const stream = await openai.chat.completions.create({
    model: 'main',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Count me as I stream' }],
  });
  let streamed: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) if (chunk.usage) streamed = chunk.usage;
  assert.ok(whole.usage && streamed);

  const anthropic = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
  const cached = (): Promise<Anthropic.Message> =>
    anthropic.messages.create({
      model: 'an/sim-large',
      max_tokens: 100,
      system: [
        { type: 'text', text: 'A long system prompt worth caching. '.repeat(20), cache_control: { type: 'ephemeral' } },
      ],
      messages: [{ role: 'user', content: 'Hello' }],
    });
  const written = await cached();
  const read = (
    await anthropic.messages
      .stream({
        model: 'an/sim-large',
        max_tokens: 100,
        system: [
          {
            type: 'text',
            text: 'A long system prompt worth caching. '.repeat(20),
            cache_control: { type: 'ephemeral' },
          },
        ],
        messages: [{ role: 'user', content: 'Hello' }],
      })
      .finalMessage()
  ).usage;
  assert.ok(
    (written.usage.cache_creation_input_tokens ?? 0) > 0 && (read.cache_read_input_tokens ?? 0) > 0,
    'the simulator cached the system prompt',
  );

  // The last line is written as the stream's answer ends; wait for it rather than for a fixed time.
  await until('four request lines', () => requestLines().length >= 4);
  const [l1, l2, l3, l4] = requestLines();
  assert.ok(l1 && l2 && l3 && l4, 'four request lines');
  assert.deepEqual(
    [l1.tokens_in, l1.tokens_out, l1.stream],
    [whole.usage.prompt_tokens, whole.usage.completion_tokens, false],
  );
  assert.deepEqual(
    [l2.tokens_in, l2.tokens_out, l2.stream],
    [streamed.prompt_tokens, streamed.completion_tokens, true],
  );
  // An Anthropic caller is told the prompt in three parts; the line's tokens_in is the whole prompt, as for OpenAI.
  const whole3 =
    written.usage.input_tokens +
    (written.usage.cache_creation_input_tokens ?? 0) +
    (written.usage.cache_read_input_tokens ?? 0);
  assert.deepEqual(
    [l3.tokens_in, l3.tokens_out, l3.tokens_cache_write, l3.tokens_cache_read],
    [whole3, written.usage.output_tokens, written.usage.cache_creation_input_tokens, undefined],
  );
  const whole4 = read.input_tokens + (read.cache_creation_input_tokens ?? 0) + (read.cache_read_input_tokens ?? 0);
  assert.equal(l4.tokens_in, whole4);
  assert.equal(l4.tokens_cache_read, read.cache_read_input_tokens);
  assert.equal(l4.stream, true);

  assert.equal(await metricValue('oa/sim-large', 'input'), whole.usage.prompt_tokens + streamed.prompt_tokens);
  assert.equal(await metricValue('oa/sim-large', 'output'), whole.usage.completion_tokens + streamed.completion_tokens);
  assert.equal(await metricValue('an/sim-large', 'input'), whole3 + whole4);
  assert.equal(await metricValue('an/sim-large', 'cache_read'), read.cache_read_input_tokens);
  assert.equal(
    await metricValue('an/sim-large', 'cache_write'),
    (written.usage.cache_creation_input_tokens ?? 0) + (read.cache_creation_input_tokens ?? 0),
  );
});

test('a request that was not answered has no token fields and adds nothing', async () => {
  const before = await metricValue('oa/sim-large', 'input');
  const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  await assert.rejects(
    openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    OpenAI.NotFoundError,
  );
  const last = requestLines().at(-1);
  assert.equal(last?.status, 404);
  assert.equal(last?.tokens_in, undefined);
  assert.equal(await metricValue('oa/sim-large', 'input'), before);
});

test('a stream cut short counts the prompt an Anthropic route reported as it started (the provider bills it)', async () => {
  const before = await metricValue('cut/sim-large', 'input');
  const anthropic = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
  let started: number | undefined;
  await assert.rejects(
    (async () => {
      const stream = await anthropic.messages.create({
        model: 'cut/sim-large',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'Cut me off halfway please' }],
      });
      for await (const event of stream) if (event.type === 'message_start') started = event.message.usage.input_tokens;
    })(),
  );
  assert.ok(started !== undefined && started > 0, 'the stream began');
  // The line comes once the cut stream's usage is settled: at load 19 that took longer than the 2 s once waited here.
  await until("the cut stream's request line", () => requestLines().at(-1)?.route === 'cut/sim-large');
  const last = requestLines().at(-1);
  assert.equal(last?.route, 'cut/sim-large');
  assert.equal(last?.tokens_in, started);
  assert.equal(typeof last?.tokens_out, 'number', 'what message_start said of the output so far');
  assert.equal(await metricValue('cut/sim-large', 'input'), before + started);
});
