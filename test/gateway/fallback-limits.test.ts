// Requests that are fine for the primary route and too much for its fallback, through the gateway with the official
// SDKs (what Claude Code and other coding agents send): max_tokens 32000 after a 429 on the Anthropic primary lands
// on gpt-4o (16384 at most), which lowers it and answers; six stop_sequences on an OpenAI-compatible route, which is
// sent four and the gateway stops the answer at the others. The simulator refuses both as the real APIs do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

const ANTHROPIC_KEY = 'sk-ant-sim-fallback-limits-01';
const OPENAI_KEY = 'sk-sim-fallback-limits-0001';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'claude-sonnet': { max_output_tokens: 64000 }, 'gpt-4o': { max_output_tokens: 16384 } },
      // The primary is rate-limited on every call.
      keys: { [ANTHROPIC_KEY]: { script: ['429'], loop_script: true }, [OPENAI_KEY]: {} },
    },
    config: (url) => ({
      providers: {
        anthropic: simProvider(url, 'anthropic', ANTHROPIC_KEY),
        openai: simProvider(url, 'openai', OPENAI_KEY),
      },
      main: { provider: 'anthropic', model: 'claude-sonnet' },
      fallback: [{ provider: 'openai', model: 'gpt-4o' }],
      retry: FAST_RETRY,
    }),
  });
});
after(async () => {
  await h.close();
});

// A timeout of its own: the SDK refuses a non-streaming max_tokens 32000 under its default (10 minutes expected).
const anthropic = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0, timeout: 60_000 });
const openai = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });

test('Anthropic SDK, max_tokens 32000: the primary 429s, the gpt-4o fallback lowers max_tokens to 16384 and answers', async () => {
  h.sim.reset();
  const { data, response } = await anthropic()
    .messages.create({ model: 'main', max_tokens: 32000, messages: [{ role: 'user', content: 'hello' }] })
    .withResponse();
  assert.match(data.content[0]?.type === 'text' ? data.content[0].text : '', /\[gpt-4o\] reply to: hello/);
  assert.equal(response.headers.get('x-switchyard-route'), 'openai/gpt-4o');
  // Sent: the primary's 429 (unless its key was still resting), the refused 32000, the answer.
  assert.deepEqual(
    h.sim
      .log()
      .filter((c) => c.model === 'gpt-4o')
      .map((c) => c.outcome),
    ['bad_request', 'ok'],
  );
});

test('Anthropic SDK streaming, max_tokens 32000: the fallback lowers it before any content and the stream is whole', async () => {
  h.sim.reset();
  const stream = anthropic().messages.stream({
    model: 'main',
    max_tokens: 32000,
    messages: [{ role: 'user', content: 'stream please' }],
  });
  const final = await stream.finalMessage();
  assert.match(final.content[0]?.type === 'text' ? final.content[0].text : '', /\[gpt-4o\] reply to: stream please/);
  assert.equal(final.stop_reason, 'end_turn');
  assert.deepEqual(
    h.sim
      .log()
      .filter((c) => c.model === 'gpt-4o')
      .map((c) => c.outcome),
    ['bad_request', 'ok'],
  );
});

test('OpenAI SDK, max_completion_tokens 32000 on the gpt-4o route: lowered and answered', async () => {
  h.sim.reset();
  const r = await openai().chat.completions.create({
    model: 'openai/gpt-4o',
    max_completion_tokens: 32000,
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.match(r.choices[0]?.message.content ?? '', /\[gpt-4o\] reply to: hi/);
  assert.deepEqual(
    h.sim.log().map((c) => c.outcome),
    ['bad_request', 'ok'],
  );
});

const SIX_STOPS = ['@@1', '@@2', '@@3', '@@4', 'HALT', '@@6'];

test('Anthropic SDK, six stop_sequences on an OpenAI route: four are sent, the gateway stops the answer at "HALT" itself', async () => {
  h.sim.reset();
  const request = {
    model: 'openai/gpt-4o',
    max_tokens: 100,
    stop_sequences: SIX_STOPS,
    messages: [{ role: 'user' as const, content: 'alpha beta HALT gamma' }],
  };
  const whole = await anthropic().messages.create(request);
  assert.equal(whole.content.length, 1);
  assert.equal(whole.content[0]?.type === 'text' ? whole.content[0].text : '', '[gpt-4o] reply to: alpha beta ');
  assert.equal(whole.stop_reason, 'stop_sequence');
  assert.equal(whole.stop_sequence, 'HALT');
  const streamed = await anthropic().messages.stream(request).finalMessage();
  assert.equal(streamed.content[0]?.type === 'text' ? streamed.content[0].text : '', '[gpt-4o] reply to: alpha beta ');
  assert.equal(streamed.stop_reason, 'stop_sequence');
  assert.equal(streamed.stop_sequence, 'HALT');
  // The usage is the upstream's (read on past the stop), as in the whole answer — not zeros.
  assert.ok(whole.usage.output_tokens > 0 && whole.usage.input_tokens > 0, JSON.stringify(whole.usage));
  assert.deepEqual(
    [streamed.usage.input_tokens, streamed.usage.output_tokens],
    [whole.usage.input_tokens, whole.usage.output_tokens],
  );
  assert.deepEqual(
    h.sim.log().map((c) => c.outcome),
    ['ok', 'ok'],
    'the simulator, refusing more than four, accepted both',
  );
});

test('OpenAI SDK streaming: a stop sequence split across deltas is caught, text that only began like one is let through', async () => {
  h.sim.reset();
  // The simulator streams a word per delta: "is " could begin "is here!" until "here, " says it does not; "then "
  // begins "then HALT", which "HALT " completes.
  const stream = await openai().chat.completions.create({
    model: 'openai/gpt-4o',
    stream: true,
    stop: ['@@1', '@@2', '@@3', '@@4', 'is here!', 'then HALT'],
    messages: [{ role: 'user', content: 'HAL is here, then HALT and more' }],
  });
  let text = '';
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(text, '[gpt-4o] reply to: HAL is here, ');
  assert.equal(finish, 'stop');
});
