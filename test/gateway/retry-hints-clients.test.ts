// Retry hints for clients that ignore `x-should-retry` (src/gateway/answer/client-retry.ts): past
// gateway.client_retry_max_wait, the AI SDK and OpenCode are told `retry-after-ms: 0` with no Retry-After (they spend
// their few retries at once) and LangChain a 429 without Retry-After (which it throws at once); Codex, which retries
// even a 502 or a 401, gets every answer not to retry as a 400; every other client, and every short wait, gets the
// answer unchanged. Sent through the official SDKs with each client's User-Agent (Codex: its captured request);
// requests are counted as the gateway's own request lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { loadFixtures, REDACTED } from '../clients/fixture.ts';

const KEY = 'sk-gw-retry-clients-0000001';
const ask = { model: 'main', messages: [{ role: 'user' as const, content: 'hi' }] };
const OPENCODE = 'opencode/1.18.33 ai-sdk/provider-utils/4.0.23 runtime/bun/1.3.14';
const AI_SDK = 'ai/7.0.173 ai-sdk-provider-utils/5.0.81 node.js/24';
const LANGCHAIN = 'langchainjs-openai/1.0.0 ((node/v24.21.0; linux; x64))';

/** A gateway whose one key is rate-limited at every call, its 429 saying to come back after `reset`. */
function gateway(reset: string): Promise<Harness> {
  return startHarness({
    scenario: { keys: { [KEY]: { script: ['429'], loop_script: true, reset, reset_headers: ['retry-after'] } } },
    config: (url) => ({
      providers: { sim: simProvider(url, 'openai', KEY) },
      main: { provider: 'sim', model: 'sim-large' },
      retry: FAST_RETRY,
      gateway: { aliases: { 'gpt-*': 'main' } },
    }),
  });
}

function requests(h: Harness): number {
  return h.logs.filter((l) => /"path":"\/v1\/(chat\/completions|messages)"/.test(l)).length;
}

/** Runs `call` with the SDK's default retries; how many requests reached the gateway, and the error. */
async function sent(h: Harness, call: () => Promise<unknown>): Promise<{ n: number; err: unknown }> {
  const before = requests(h);
  const err = await call().then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  return { n: requests(h) - before, err };
}

const openaiAs = (h: Harness, userAgent?: string): OpenAI =>
  new OpenAI({
    baseURL: `${h.url}/v1`,
    apiKey: h.key,
    ...(userAgent ? { defaultHeaders: { 'user-agent': userAgent } } : {}),
  });

test('a long cooldown to the AI SDK or OpenCode: retry-after-ms 0 and no Retry-After, the message kept', async () => {
  await using h = await gateway('60s');
  for (const ua of [AI_SDK, OPENCODE]) {
    const { n, err } = await sent(h, () => openaiAs(h, ua).chat.completions.create(ask));
    assert.ok(err instanceof OpenAI.InternalServerError);
    assert.equal(err.status, 503);
    assert.equal(err.headers?.get('retry-after-ms'), '0');
    assert.equal(err.headers?.get('retry-after'), null, 'no wait for its retries to sit through');
    assert.equal(err.headers?.get('x-should-retry'), 'false');
    assert.match(err.message, /rate-limited/);
    assert.equal(n, 1, 'the official SDK still reads x-should-retry: false');
  }
});

test('a long cooldown to LangChain: a 429 without Retry-After, through its OpenAI and Anthropic clients', async () => {
  await using h = await gateway('60s');
  const o = await sent(h, () => openaiAs(h, LANGCHAIN).chat.completions.create(ask));
  assert.ok(o.err instanceof OpenAI.RateLimitError);
  assert.equal(o.err.headers?.get('retry-after'), null);
  assert.equal(o.err.headers?.get('x-should-retry'), 'false');
  assert.equal((o.err.error as { code?: string } | undefined)?.code, 'all_keys_cooling');
  assert.equal(o.n, 1);
  // ChatAnthropic: the SDK's own User-Agent, with the browser flag LangChain always sets.
  const anthropic = new Anthropic({ baseURL: h.url, apiKey: h.key, authToken: null, dangerouslyAllowBrowser: true });
  const a = await sent(h, () => anthropic.messages.create({ ...ask, max_tokens: 64 }));
  assert.ok(a.err instanceof Anthropic.RateLimitError);
  assert.equal(a.err.headers?.get('retry-after'), null);
  assert.match(a.err.message, /rate-limited/);
  assert.equal(a.n, 1);
});

test('a long cooldown to any other client is unchanged: a 503 with Retry-After and x-should-retry: false', async () => {
  await using h = await gateway('60s');
  const o = await sent(h, () => openaiAs(h).chat.completions.create(ask));
  assert.ok(o.err instanceof OpenAI.InternalServerError);
  assert.equal(o.err.status, 503);
  assert.ok(Number(o.err.headers?.get('retry-after')) > 10);
  assert.equal(o.err.headers?.get('retry-after-ms'), null);
  assert.equal(o.n, 1);
  const a = await sent(h, () =>
    new Anthropic({ baseURL: h.url, apiKey: h.key, authToken: null }).messages.create({ ...ask, max_tokens: 64 }),
  );
  assert.ok(a.err instanceof Anthropic.APIError);
  assert.equal(a.err.status, 503);
  assert.ok(Number(a.err.headers?.get('retry-after')) > 10);
  assert.equal(a.n, 1);
});

test('a brief cooldown keeps Retry-After alone for every client, and they ride it out', async () => {
  await using h = await gateway('1s');
  for (const ua of [OPENCODE, LANGCHAIN]) {
    const client = new OpenAI({
      baseURL: `${h.url}/v1`,
      apiKey: h.key,
      maxRetries: 1,
      defaultHeaders: { 'user-agent': ua },
    });
    const { n, err } = await sent(h, () => client.chat.completions.create(ask));
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 503);
    assert.equal(err.headers?.get('retry-after'), '1');
    assert.equal(err.headers?.get('retry-after-ms'), null);
    assert.equal(err.headers?.get('x-should-retry'), null);
    assert.equal(n, 2, 'retried once after Retry-After, as maxRetries: 1 allows');
  }
});

test('a spent budget to OpenCode: its 429 with retry-after-ms 0 instead of a Retry-After at the reset', async () => {
  await using h = await startHarness({
    scenario: { keys: { [KEY]: {} } },
    config: (url) => ({
      providers: { sim: simProvider(url, 'openai', KEY) },
      main: { provider: 'sim', model: 'sim-large' },
      retry: FAST_RETRY,
      budgets: { daily: { client_key: 'spender', requests: { day: 1 } } },
    }),
  });
  const key = generateKey();
  h.store.addGatewayKey(newKeyRecord(key, 'spender'));
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, defaultHeaders: { 'user-agent': OPENCODE } });
  await client.chat.completions.create(ask);
  const { n, err } = await sent(h, () => client.chat.completions.create(ask));
  assert.ok(err instanceof OpenAI.RateLimitError);
  assert.equal(err.code, 'budget_exceeded');
  assert.equal(err.headers?.get('retry-after-ms'), '0');
  assert.equal(err.headers?.get('retry-after'), null);
  assert.match(err.message, /budget daily .* is spent: .* resets at/);
  assert.equal(n, 1);
});

/** Codex's captured turn, sent as it was with `key`; its status, retry headers and error body. */
async function codexTurn(h: Harness, key = h.key): Promise<{ status: number; headers: Headers; error: unknown }> {
  const f = loadFixtures().get('codex-0.169.0/long-cooling-1.json');
  assert.ok(f);
  const headers = Object.fromEntries(Object.entries(f.request.headers).map(([k, v]) => [k, v.replace(REDACTED, key)]));
  const res = await fetch(`${h.url}${f.request.path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(f.request.body),
  });
  return { status: res.status, headers: res.headers, error: ((await res.json()) as { error?: unknown }).error };
}

test("Codex's captured request gets a long cooldown, every route failing and a wrong key as a 400, the message kept", async () => {
  await using h = await gateway('60s');
  const cooling = await codexTurn(h);
  assert.equal(cooling.status, 400, 'the one status Codex neither retries nor words as its own');
  assert.equal(cooling.headers.get('x-should-retry'), 'false');
  assert.equal(cooling.headers.get('retry-after'), null);
  assert.match(JSON.stringify(cooling.error), /rate-limited .* rests until/);
  assert.match(JSON.stringify(cooling.error), /"code":"all_keys_cooling"/);
  const wrongKey = await codexTurn(h, 'sy-not-issued-by-this-gateway-0000');
  assert.equal(wrongKey.status, 400);
  assert.match(JSON.stringify(wrongKey.error), /invalid or revoked gateway key/);
  await using failing = await startHarness({
    scenario: { keys: { [KEY]: { valid: false } } },
    config: (url) => ({
      providers: { sim: simProvider(url, 'openai', KEY) },
      main: { provider: 'sim', model: 'sim-large' },
      retry: FAST_RETRY,
      gateway: { aliases: { 'gpt-*': 'main' } },
    }),
  });
  const failed = await codexTurn(failing);
  assert.equal(failed.status, 400);
  assert.equal(failed.headers.get('x-should-retry'), 'false');
  assert.match(JSON.stringify(failed.error), /rejected key .*"code":"upstream_auth_failed"/);
});

test('a brief cooldown to Codex stays a 503 with Retry-After, for it to ride out', async () => {
  await using h = await gateway('1s');
  const brief = await codexTurn(h);
  assert.equal(brief.status, 503);
  assert.equal(brief.headers.get('retry-after'), '1');
});
