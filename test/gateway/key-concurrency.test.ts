// gateway.max_in_flight_per_key: one client key cannot have more requests in the gateway at once than the setting
// allows; the next gets 429 in its API's shape with Retry-After, other keys are served meanwhile, and a place is
// given back when an answer ends or its caller hangs up (none is lost).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { startHarness, simProvider, type Harness } from './harness.ts';

let h: Harness;
let other: string;

before(async () => {
  h = await startHarness({
    // Each answer takes a while, so requests sent together are in flight together.
    scenario: { latency: '400ms', models: { 'sim-large': {} }, keys: { 'sk-sim-inflight-00001': {} } },
    config: (sim) => ({
      providers: { p: simProvider(sim, 'openai', 'sk-sim-inflight-00001') },
      main: { provider: 'p', model: 'sim-large' },
      gateway: { max_in_flight_per_key: 2 },
    }),
  });
  other = generateKey();
  h.store.addGatewayKey(newKeyRecord(other, 'other-client'));
});
after(() => h.close());

const openai = (key: string): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });
const ask = (key: string): Promise<unknown> =>
  openai(key).chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] });

test('a third request of one key gets 429 with Retry-After while another key is served; the places come back', async () => {
  const results = await Promise.allSettled([ask(h.key), ask(h.key), ask(h.key), ask(other)]);
  const refused = results.filter((r) => r.status === 'rejected');
  assert.equal(refused.length, 1, 'exactly one request refused');
  const err = (refused[0] as PromiseRejectedResult).reason as unknown;
  assert.ok(err instanceof OpenAI.RateLimitError, 'the SDK raises its own RateLimitError');
  assert.equal(err.code, 'too_many_requests_in_flight');
  assert.equal(err.headers.get('retry-after'), '1');
  assert.match(
    err.message,
    /client key "test-client" already has 2 requests in flight, the most gateway\.max_in_flight_per_key allows/,
  );
  assert.equal(results[3]?.status, 'fulfilled', 'another key is not held back');
  // Both places are free again once the answers are done.
  const again = await Promise.allSettled([ask(h.key), ask(h.key)]);
  assert.deepEqual(
    again.map((r) => r.status),
    ['fulfilled', 'fulfilled'],
  );
  const line = h.logs
    .map((l) => JSON.parse(l) as { status?: number; outcome?: string; key?: string })
    .find((l) => l.status === 429);
  assert.deepEqual([line?.key, line?.outcome], ['test-client', 'too_many_requests_in_flight']);
});

test('callers that hang up give their places back', async () => {
  const controllers = [new AbortController(), new AbortController()];
  const pending = controllers.map((c) =>
    openai(h.key)
      .chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }, { signal: c.signal })
      .catch(() => 'aborted'),
  );
  // Both are in flight (the limit is reached) ...
  await assert.rejects(ask(h.key), OpenAI.RateLimitError);
  for (const c of controllers) c.abort();
  await Promise.all(pending);
  // ... and once their callers are gone, a request is let in (the close may take a moment to arrive).
  let answered = false;
  for (let i = 0; i < 50 && !answered; i++) {
    answered = await ask(h.key).then(
      () => true,
      (e: unknown) => {
        if (!(e instanceof OpenAI.RateLimitError)) throw e;
        return new Promise<boolean>((r) => setTimeout(() => r(false), 20));
      },
    );
  }
  assert.ok(answered, 'a place came back after the hang-ups');
});

test('the Anthropic SDK gets the refusal in its own shape', async () => {
  const client = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
  const send = (): Promise<unknown> =>
    client.messages.create({ model: 'main', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
  const results = await Promise.allSettled([send(), send(), send()]);
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(refused.length, 1);
  const err = refused[0]?.reason as unknown;
  assert.ok(err instanceof Anthropic.RateLimitError);
  assert.equal((err.error as { error?: { type?: string } }).error?.type, 'rate_limit_error');
});
