// What the Gemini API does that other APIs do not, end to end against the simulator's Gemini paths: Gemini 3's
// thought signatures kept across a tool turn (the simulator refuses a call without the one it gave), thinking and
// cached tokens in usageMetadata, and Google's failures classified (RESOURCE_EXHAUSTED with and without RetryInfo,
// a per-day quota, PERMISSION_DENIED, FAILED_PRECONDITION for billing, a refused key).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiAdapter } from '../../src/providers/gemini/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { DEFAULT_MODELS } from '../../src/sim/scenario.ts';
import { UpstreamError } from '../../src/errors/upstream-error.ts';
import { usageFromGemini } from '../../src/providers/translate/usage.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import type { ChatMessage, ChatRequest, SendContext } from '../../src/providers/types.ts';

after(closePools);

const GOOD = 'AIzaSy-sim-good-00000000000000000001';
const KEYS = {
  throttled: 'AIzaSy-sim-throttled-0000000000000002',
  throttledBare: 'AIzaSy-sim-throttled-bare-00000000003',
  daily: 'AIzaSy-sim-daily-000000000000000000004',
  billing: 'AIzaSy-sim-billing-0000000000000000005',
  cached: 'AIzaSy-sim-cached-00000000000000000006',
};
const weather = {
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    assert.ok(UpstreamError.isInstance(err), String(err));
    return err;
  }
  assert.fail('expected a failure');
}

describe('gemini dialect', () => {
  let sim: RunningSimulator;
  const ctx = (apiKey: string): SendContext => ({
    provider: 'gem',
    baseUrl: sim.url,
    apiKey,
    headers: {},
    timeoutMs: 10_000,
  });

  before(async () => {
    sim = await startSimulator({
      scenario: {
        seed: 1,
        models: { ...DEFAULT_MODELS, 'gemini-3-pro-preview': {}, 'gemini-2.5-flash': {} },
        keys: {
          [GOOD]: {},
          [KEYS.throttled]: { rate_limit_after: 0, reset: '20s', reset_headers: ['retry-after'] },
          [KEYS.throttledBare]: { rate_limit_after: 0, reset: '20s', reset_headers: [] },
          [KEYS.daily]: { script: ['429_quota'], loop_script: true },
          [KEYS.billing]: { script: ['402'], loop_script: true },
          [KEYS.cached]: { prompt_cache: true },
        },
      },
    });
  });
  after(() => sim.close());

  test("Gemini 3's thought signature goes back with its call on the next turn, through the call's id", async () => {
    const ask: ChatMessage = { role: 'user', content: 'please call get_weather for Paris' };
    const req: ChatRequest = { model: 'gemini-3-pro-preview', messages: [ask], tools: [weather] };
    const first = await geminiAdapter.send(req, ctx(GOOD));
    const call = first.tool_calls[0];
    assert.ok(call !== undefined && call.id.includes('__ts_'), JSON.stringify(first.tool_calls));
    const history = (id: string): ChatMessage[] => [
      ask,
      { role: 'assistant', content: null, tool_calls: [{ ...call, id }] },
      { role: 'tool', tool_call_id: id, content: '{"sky":"clear"}' },
    ];
    const second = await geminiAdapter.send({ ...req, messages: history(call.id) }, ctx(GOOD));
    assert.equal(second.finish_reason, 'stop');
    // The same turn from a client that lost the signature: Gemini 3 refuses it, and so does the simulator.
    const lost = await failure(geminiAdapter.send({ ...req, messages: history('call_plain') }, ctx(GOOD)));
    assert.equal(lost.kind, 'bad_request');
    assert.match(lost.providerMessage, /thought_signature/);
  });

  test('a streamed tool call carries its signature too', async () => {
    const events = [];
    const req: ChatRequest = {
      model: 'gemini-3-pro-preview',
      messages: [{ role: 'user', content: 'please call get_weather for Rome' }],
      tools: [weather],
    };
    for await (const e of geminiAdapter.stream(req, ctx(GOOD))) events.push(e);
    const start = events.find((e) => e.type === 'tool_call_start');
    assert.ok(start?.type === 'tool_call_start' && start.id.includes('__ts_'));
    assert.deepEqual(events.at(-1)?.type === 'finish' && events.at(-1), events.at(-1));
  });

  test('thinking tokens are output tokens, reported apart; cached tokens are part of the prompt', async () => {
    const res = await geminiAdapter.send(
      { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'think about it' }], reasoning_effort: 'high' },
      ctx(GOOD),
    );
    assert.ok(res.usage?.reasoning_tokens !== undefined && res.usage.reasoning_tokens > 0, JSON.stringify(res.usage));
    assert.ok(res.usage.output_tokens > res.usage.reasoning_tokens);
    assert.equal(sim.log().at(-1)?.fields.includes('generationConfig.thinkingConfig'), true);
    assert.deepEqual(
      usageFromGemini({
        promptTokenCount: 100,
        candidatesTokenCount: 20,
        thoughtsTokenCount: 30,
        cachedContentTokenCount: 60,
      }),
      { input_tokens: 100, output_tokens: 50, cache_read_tokens: 60, reasoning_tokens: 30 },
    );
    const opening: ChatMessage = { role: 'user', content: 'cache me '.repeat(800) };
    await geminiAdapter.send({ model: 'sim-large', messages: [opening] }, ctx(KEYS.cached));
    const next: ChatMessage[] = [opening, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and then?' }];
    const again = await geminiAdapter.send({ model: 'sim-large', messages: next }, ctx(KEYS.cached));
    assert.ok((again.usage?.cache_read_tokens ?? 0) > 0, JSON.stringify(again.usage));
  });

  test('RESOURCE_EXHAUSTED per minute with RetryInfo rests the key for its delay; without it, no wait is made up', async () => {
    const hinted = await failure(
      geminiAdapter.send({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }, ctx(KEYS.throttled)),
    );
    assert.equal(hinted.kind, 'rate_limited');
    assert.ok(hinted.retryAfterMs !== undefined && hinted.retryAfterMs > 10_000 && hinted.retryAfterMs <= 20_000);
    const bare = await failure(
      geminiAdapter.send({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }, ctx(KEYS.throttledBare)),
    );
    assert.equal(bare.kind, 'rate_limited');
    assert.equal(bare.retryAfterMs, undefined);
  });

  test('a per-day quota is quota, billing off (FAILED_PRECONDITION) is quota, a wrong or missing key is rejected', async () => {
    const hi: ChatRequest = { model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] };
    assert.equal((await failure(geminiAdapter.send(hi, ctx(KEYS.daily)))).kind, 'quota');
    const billing = await failure(geminiAdapter.send(hi, ctx(KEYS.billing)));
    assert.equal(billing.kind, 'quota');
    assert.match(billing.providerMessage, /requires billing to be enabled/);
    const wrong = await failure(geminiAdapter.send(hi, ctx('AIzaSy-sim-unknown-0000000000000009')));
    assert.equal(wrong.kind, 'auth_rejected');
    assert.match(wrong.providerMessage, /API key not valid/);
    const missing = await failure(geminiAdapter.send(hi, ctx('')));
    assert.equal(missing.kind, 'auth_rejected');
    assert.match(missing.providerMessage, /unregistered callers/);
  });

  test('the key goes in x-goog-api-key, never in the URL', async () => {
    await geminiAdapter.send({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }, ctx(GOOD));
    const call = sim.log().at(-1)!;
    assert.equal(call.key, GOOD);
    assert.equal(call.path, '/v1beta/models/sim-large:generateContent');
  });
});
