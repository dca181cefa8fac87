// `streaming:` through the real gateway, read by the official `openai` and `@anthropic-ai/sdk` clients: a first-token
// timeout is an invisible fallback, an idle timeout ends each shape with its own terminal event, keepalive comments
// are written into long silences and ignored by the SDKs, and `resume` turns a cut into one whole answer. Timeouts
// are short and the simulator stalls: nothing asserts on timing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

let h: Harness;

const GOOD = 'sk-sim-good-end-0000001';
const SLOW = 'sk-sim-slow-end-0000001';
const STALL = 'sk-sim-stall-end-000001';
const CUT = 'sk-sim-cut-end-00000001';
const ANT = 'sk-ant-good-end-0000001';
const DRIP = 'sk-sim-drip-end-0000001';

before(async () => {
  h = await startHarness({
    scenario: {
      keys: {
        [GOOD]: {},
        [SLOW]: { latency: '30s' },
        [STALL]: { script: ['stall'], loop_script: true, stream_delay: '5ms' },
        [CUT]: { script: ['cut'], loop_script: true, stream_delay: '5ms' },
        [ANT]: {},
        [DRIP]: { stream_delay: '150ms' },
      },
    },
    config: (sim) => ({
      providers: {
        good: simProvider(sim, 'openai', GOOD),
        slow: simProvider(sim, 'openai', SLOW),
        stall: simProvider(sim, 'openai', STALL),
        cut: simProvider(sim, 'openai', CUT),
        ant: simProvider(sim, 'anthropic', ANT),
        drip: simProvider(sim, 'openai', DRIP),
      },
      main: { provider: 'good', model: 'sim-large' },
      auxiliary: {
        slow_first: {
          provider: 'slow',
          model: 'sim-large',
          fallback_chain: [{ provider: 'good', model: 'sim-small' }],
          fallback_to_main: false,
          streaming: { first_token_timeout: '1s' },
        },
        stalls: {
          provider: 'stall',
          model: 'sim-large',
          fallback_to_main: false,
          streaming: { idle_timeout: '100ms' },
        },
        cuts_resumed: {
          provider: 'cut',
          model: 'sim-large',
          fallback_chain: [{ provider: 'ant', model: 'sim-small' }],
          fallback_to_main: false,
          streaming: { resume: true },
        },
        drips: { provider: 'drip', model: 'sim-small', fallback_to_main: false, streaming: { keepalive: '20ms' } },
      },
      retry: { ...FAST_RETRY, max_retries: 0 },
    }),
  });
});
after(() => h.close());

const openai = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
const ask = [{ role: 'user' as const, content: 'tell me something long' }];

test('a first-token timeout falls back before the stream starts: the SDK gets one whole answer', async () => {
  const { data: stream, response } = await openai()
    .chat.completions.create({ model: 'slow_first', messages: ask, stream: true })
    .withResponse();
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.ok(text.length > 0);
  assert.equal(response.headers.get('x-switchyard-route'), 'good/sim-small');
  assert.equal(response.headers.get('x-switchyard-attempts'), '2');
});

test('an idle timeout ends a chat completions stream with its error frame, which the SDK raises', async () => {
  const stream = await openai().chat.completions.create({ model: 'stalls', messages: ask, stream: true });
  let text = '';
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })(),
    (err: unknown) => err instanceof OpenAI.APIError && /idle_timeout/.test(err.message),
  );
  assert.ok(text.length > 0, 'content came before the stall');
});

test('an idle timeout ends an Anthropic stream with event: error, which the SDK raises', async () => {
  const stream = anthropic().messages.stream({ model: 'stalls', max_tokens: 200, messages: ask });
  await assert.rejects(stream.finalMessage(), (err: unknown) => {
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.match(err.message, /idle_timeout/);
    return true;
  });
});

test('an idle timeout ends a Responses stream with response.failed, then the error the SDK raises', async () => {
  const stream = await openai().responses.create({ model: 'stalls', input: 'tell me something long', stream: true });
  const types: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of stream) types.push(event.type);
    })(),
    (err: unknown) => err instanceof OpenAI.APIError && /idle_timeout/.test(err.message),
  );
  assert.equal(types.at(-1), 'response.failed');
  assert.ok(!types.includes('response.completed'));
});

test('keepalive comments fill long silences of a committed stream; both SDKs read through them', async () => {
  const raw = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model: 'drips', messages: [{ role: 'user', content: 'hi' }], stream: true }),
  });
  const body = await raw.text();
  assert.match(body, /^: keepalive$/m);
  assert.match(body, /data: \[DONE\]/);
  let text = '';
  const stream = await openai().chat.completions.create({ model: 'drips', messages: ask, stream: true });
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.ok(text.length > 0);
  const message = await anthropic().messages.stream({ model: 'drips', max_tokens: 200, messages: ask }).finalMessage();
  assert.equal(message.stop_reason, 'end_turn');
});

test('resume: a cut answer goes on from the next route, and each SDK sees one stream that ends cleanly', async () => {
  let text = '';
  const stream = await openai().chat.completions.create({ model: 'cuts_resumed', messages: ask, stream: true });
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish ??= chunk.choices[0]?.finish_reason;
  }
  assert.equal(finish, 'stop');
  assert.ok(text.length > 0);
  const message = await anthropic()
    .messages.stream({ model: 'cuts_resumed', max_tokens: 500, messages: ask })
    .finalMessage();
  assert.equal(message.stop_reason, 'end_turn');
  // The continuation went to the Anthropic route as a prefill: its last message is the assistant's text so far.
  const resumed = h.sim.log().filter((c) => c.key === ANT);
  assert.ok(resumed.length >= 2);
  assert.ok(resumed.every((c) => c.roles.at(-1) === 'assistant'));
});
