// The official OpenAI and Anthropic SDKs talk to the simulator as they would to the real services: the strongest
// check that the wire formats (bodies, streams, error shapes, headers) are exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { withSim } from './client.ts';

const SCENARIO = {
  keys: {
    'sk-sdk-good': {},
    'sk-sdk-bad': { valid: false },
    'sk-sdk-rl': { script: [429], reset: '30s' },
    'sk-sdk-cut': { script: ['stream_error'] },
  },
};
const openaiClient = (url: string, apiKey: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
const anthropicClient = (url: string, apiKey: string) => new Anthropic({ baseURL: url, apiKey, maxRetries: 0 });

test('the OpenAI SDK reads completions and streams, and raises its typed errors', async () => {
  await withSim(SCENARIO, async (sim) => {
    const client = openaiClient(sim.url, 'sk-sdk-good');
    const done = await client.chat.completions.create({
      model: 'sim-large',
      messages: [{ role: 'user', content: 'hello sdk' }],
    });
    assert.equal(done.choices[0]?.message.content, '[sim-large] reply to: hello sdk');

    const stream = await client.chat.completions.create({
      model: 'sim-large',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream sdk' }],
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage ??= chunk.usage ?? undefined;
    }
    assert.equal(text, '[sim-large] reply to: stream sdk');
    assert.ok(usage);

    await assert.rejects(
      openaiClient(sim.url, 'sk-sdk-bad').chat.completions.create({
        model: 'sim-large',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.AuthenticationError);
        assert.equal(err.code, 'invalid_api_key');
        return true;
      },
    );
    await assert.rejects(
      openaiClient(sim.url, 'sk-sdk-rl').chat.completions.create({
        model: 'sim-large',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.RateLimitError);
        assert.equal(err.headers.get('retry-after'), '30');
        return true;
      },
    );
    const broken = await openaiClient(sim.url, 'sk-sdk-cut').chat.completions.create({
      model: 'sim-large',
      stream: true,
      messages: [{ role: 'user', content: 'a b c d' }],
    });
    await assert.rejects(
      async () => {
        for await (const _ of broken) {
          /* drain until the error event */
        }
      },
      (err: unknown) => err instanceof OpenAI.APIError && /overloaded/.test(err.message),
    );
  });
});

test('the Anthropic SDK reads messages and streams, and raises its typed errors', async () => {
  await withSim(SCENARIO, async (sim) => {
    const client = anthropicClient(sim.url, 'sk-sdk-good');
    const done = await client.messages.create({
      model: 'sim-small',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hello sdk' }],
    });
    assert.deepEqual(done.content, [{ type: 'text', text: '[sim-small] reply to: hello sdk' }]);

    const stream = client.messages.stream({
      model: 'sim-small',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream sdk' }],
    });
    const final = await stream.finalMessage();
    assert.equal(final.content[0]?.type === 'text' ? final.content[0].text : '', '[sim-small] reply to: stream sdk');
    assert.equal(final.stop_reason, 'end_turn');

    await assert.rejects(
      anthropicClient(sim.url, 'sk-sdk-bad').messages.create({
        model: 'sim-small',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) => err instanceof Anthropic.AuthenticationError,
    );
    await assert.rejects(
      anthropicClient(sim.url, 'sk-sdk-rl').messages.create({
        model: 'sim-small',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (err: unknown) => err instanceof Anthropic.RateLimitError,
    );
    const broken = anthropicClient(sim.url, 'sk-sdk-cut').messages.stream({
      model: 'sim-small',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'a b c d' }],
    });
    await assert.rejects(
      broken.finalMessage(),
      (err: unknown) => err instanceof Anthropic.APIError && /Overloaded|overloaded/.test(err.message),
    );
  });
});
