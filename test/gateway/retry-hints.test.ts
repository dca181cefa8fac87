// Retry hints the official SDKs obey: every answer a retry cannot fix (a missing, wrong or revoked client key, a
// forbidden task, a refused field, a cooldown longer than gateway.client_retry_max_wait) says `x-should-retry: false`,
// and the SDKs, with their default retries, send it once; a short cooldown keeps Retry-After alone and they ride it out.
// Requests are counted as the gateway's own request lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import type { ScenarioInput } from '../../src/sim/server.ts';

type KeyBehaviourInput = NonNullable<NonNullable<ScenarioInput['keys']>[string]>;

const KEY = 'sk-gw-retry-hints-00000001';
const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

/** A gateway whose one key is rate-limited at every call for `cooldown` (the 429's Retry-After); a `sealed` task is
 * switched off. */
function gateway(cooldown?: string): Promise<Harness> {
  return startHarness({
    scenario: { keys: { [KEY]: cooldown ? cooling(cooldown) : {} } },
    config: (url) => ({
      providers: { sim: simProvider(url, 'openai', KEY) },
      main: { provider: 'sim', model: 'sim-large' },
      auxiliary: { sealed: { provider: 'none' } },
      retry: FAST_RETRY,
    }),
  });
}

/** A key rate-limited at every call, its 429 saying to come back after `reset`. */
const cooling = (reset: string): KeyBehaviourInput => ({
  script: ['429'],
  loop_script: true,
  reset,
  reset_headers: ['retry-after'],
});

/** The request lines the gateway wrote for its chat endpoints: one per request that reached it. */
function requests(h: Harness): number {
  return h.logs.filter((l) => /"path":"\/v1\/(chat\/completions|messages|responses)"/.test(l)).length;
}

/** Runs `call` with the SDK's default retries and returns how many requests reached the gateway and the error. */
async function sent(h: Harness, call: () => Promise<unknown>): Promise<{ n: number; err: unknown }> {
  const before = requests(h);
  const err = await call().then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  return { n: requests(h) - before, err };
}

const openai = (h: Harness, apiKey = h.key): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey });
const anthropic = (h: Harness, apiKey: string | null = h.key): Anthropic =>
  new Anthropic({ baseURL: h.url, apiKey, authToken: null });
const message = { model: 'main', max_tokens: 64, ...ask };

test('a wrong, revoked or missing client key is a 401 both SDKs send once (x-should-retry: false)', async () => {
  await using h = await gateway();
  const revoked = generateKey();
  h.store.addGatewayKey(newKeyRecord(revoked, 'revoked-client'));
  h.store.revokeGatewayKey('revoked-client');
  for (const key of ['sy-wrong-key-0000000000000000', revoked]) {
    const o = await sent(h, () => openai(h, key).chat.completions.create({ model: 'main', ...ask }));
    assert.ok(o.err instanceof OpenAI.AuthenticationError);
    assert.equal(o.err.headers?.get('x-should-retry'), 'false');
    assert.match(o.err.message, /invalid or revoked gateway key/);
    assert.equal(o.n, 1);
    const a = await sent(h, () => anthropic(h, key).messages.create(message));
    assert.ok(a.err instanceof Anthropic.AuthenticationError);
    assert.equal(a.err.headers?.get('x-should-retry'), 'false');
    assert.equal(a.n, 1);
  }
  const missing = await fetch(`${h.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(message),
  });
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('x-should-retry'), 'false');
  assert.match(await missing.text(), /missing gateway key/);
});

test('a disabled task (403) and a refused field (400) are sent once by both SDKs (x-should-retry: false)', async () => {
  await using h = await gateway();
  const forbidden = await sent(h, () => openai(h).chat.completions.create({ model: 'sealed', ...ask }));
  assert.ok(forbidden.err instanceof OpenAI.PermissionDeniedError);
  assert.equal(forbidden.err.headers?.get('x-should-retry'), 'false');
  assert.equal(forbidden.n, 1);
  const refused = await sent(h, () =>
    openai(h).responses.create({ model: 'main', input: 'hi', conversation: 'conv_1' }),
  );
  assert.ok(refused.err instanceof OpenAI.BadRequestError);
  assert.equal(refused.err.headers?.get('x-should-retry'), 'false');
  assert.equal(refused.n, 1);
  const a = await sent(h, () => anthropic(h).messages.create({ ...message, model: 'sealed' }));
  assert.ok(a.err instanceof Anthropic.PermissionDeniedError);
  assert.equal(a.err.headers?.get('x-should-retry'), 'false');
  assert.equal(a.n, 1);
});

test('every key cooling for longer than client_retry_max_wait: a 503 with Retry-After both SDKs show at once', async () => {
  await using h = await gateway('60s');
  const o = await sent(h, () => openai(h).chat.completions.create({ model: 'main', ...ask }));
  assert.ok(o.err instanceof OpenAI.InternalServerError);
  assert.equal(o.err.status, 503);
  assert.equal(o.err.headers?.get('x-should-retry'), 'false');
  assert.ok(Number(o.err.headers?.get('retry-after')) > 10, 'the wait is still said');
  assert.match(o.err.message, /rate-limited key .* it rests until/);
  assert.equal(o.n, 1, 'not retried: the SDK would wait a minute per retry');
  const a = await sent(h, () => anthropic(h).messages.create(message));
  assert.ok(a.err instanceof Anthropic.APIError);
  assert.equal(a.err.status, 503);
  assert.equal(a.err.headers?.get('x-should-retry'), 'false');
  assert.equal(a.n, 1);
});

test('every key cooling briefly: Retry-After alone, and the SDKs wait it out and ask again', async () => {
  await using h = await gateway('1s');
  const o = await sent(h, () =>
    new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 1 }).chat.completions.create({
      model: 'main',
      ...ask,
    }),
  );
  assert.ok(o.err instanceof OpenAI.APIError);
  assert.equal(o.err.status, 503);
  assert.equal(o.err.headers?.get('x-should-retry'), null);
  assert.equal(o.err.headers?.get('retry-after'), '1');
  assert.equal(o.n, 2, 'retried once, as maxRetries: 1 allows');
  const a = await sent(h, () =>
    new Anthropic({ baseURL: h.url, apiKey: h.key, authToken: null, maxRetries: 1 }).messages.create(message),
  );
  assert.ok(a.err instanceof Anthropic.APIError);
  assert.equal(a.err.headers?.get('x-should-retry'), null);
  assert.equal(a.n, 2);
});

test('gateway.client_retry_max_wait: a cooldown within it keeps Retry-After alone', async () => {
  await using h = await startHarness({
    scenario: { keys: { [KEY]: cooling('60s') } },
    config: (url) => ({
      providers: { sim: simProvider(url, 'openai', KEY) },
      main: { provider: 'sim', model: 'sim-large' },
      retry: FAST_RETRY,
      gateway: { client_retry_max_wait: '2m' },
    }),
  });
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', ...ask }),
  });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('x-should-retry'), null);
  assert.ok(Number(res.headers.get('retry-after')) > 10);
});
