// An upstream stream that sends only keep-alive comments, empty deltas and role chunks is silent to the stream's
// clocks: before the commit the first-token clock gives up on it (once, not retried on its key) and the fallback
// answers; after the commit the idle clock ends the stream with an error event. Short clocks: nothing asserts on time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { plainAnswer, silentStream } from '../helpers/endless-answers.ts';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startHarness } from './harness.ts';

function config(baseUrl: string, streaming: Record<string, unknown>): Record<string, unknown> {
  const provider = (key: string) => ({ type: 'openai', base_url: baseUrl, api_key: key, timeout: '30s' });
  return {
    providers: { quiet: provider('sk-silence-quiet-00001'), loud: provider('sk-silence-loud-000001') },
    main: { provider: 'quiet', model: 'quiet' },
    fallback: [{ provider: 'loud', model: 'loud' }],
    retry: { max_retries: 2, base_delay: '1ms', max_delay: '1ms' },
    streaming,
  };
}

async function ask(url: string, key: string): Promise<{ status: number; route: string | null; text: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'main', stream: true, messages: [{ role: 'user', content: 'hello' }] }),
  });
  return { status: res.status, route: res.headers.get('x-switchyard-route'), text: await res.text() };
}

test('keep-alives and empty deltas before any content: the first-token clock runs out and the fallback answers', async () => {
  await using up = await startCannedUpstream([], (request) =>
    request.model === 'quiet' ? silentStream() : plainAnswer('loud and clear', request.stream === true),
  );
  await using h = await startHarness({ scenario: {}, config: () => config(up.baseUrl, { first_token_timeout: '1s' }) });
  const r = await ask(h.url, h.key);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.route, 'loud/loud');
  assert.match(r.text, /loud and clear/);
  assert.equal(up.calls.filter((c) => c.model === 'quiet').length, 1, 'a silent route is not retried on its key');
});

test('keep-alives and empty deltas after the commit: the idle clock ends the stream with an error event', async () => {
  await using up = await startCannedUpstream([], (request) =>
    request.model === 'quiet' ? silentStream(['a first word']) : plainAnswer('loud and clear', request.stream === true),
  );
  await using h = await startHarness({ scenario: {}, config: () => config(up.baseUrl, { idle_timeout: '1s' }) });
  const r = await ask(h.url, h.key);
  assert.equal(r.status, 200);
  assert.equal(r.route, 'quiet/quiet');
  assert.match(r.text, /a first word/);
  assert.match(r.text, /"error":\{[^}]*streaming\.idle_timeout/);
  assert.doesNotMatch(r.text, /\[DONE\]/);
});

async function askAnthropic(url: string, key: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'main',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'hello' }],
    }),
  });
  return { status: res.status, text: await res.text() };
}

test('a stream held back before its commit: the caller hears keep-alives in its shape, and the fallback answers at the first-token timeout', async () => {
  await using up = await startCannedUpstream([], (request) =>
    request.model === 'quiet' ? silentStream() : plainAnswer('loud and clear', request.stream === true),
  );
  await using h = await startHarness({
    scenario: {},
    config: () => config(up.baseUrl, { first_token_timeout: '1s', keepalive: '100ms' }),
  });
  const openai = await ask(h.url, h.key);
  assert.equal(openai.status, 200, openai.text);
  assert.match(openai.text, /loud and clear/);
  const held = openai.text.slice(0, openai.text.indexOf('data:'));
  assert.match(held, /^(?:: keepalive\n\n)+$/, 'only SSE comments before the first chunk');

  const anthropic = await askAnthropic(h.url, h.key);
  assert.equal(anthropic.status, 200, anthropic.text);
  assert.match(anthropic.text, /loud and clear/);
  const pings = anthropic.text.slice(0, anthropic.text.indexOf('event: message_start'));
  assert.match(
    pings,
    /^(?:event: ping\ndata: \{"type": "ping"\}\n\n)+$/,
    "only Anthropic's own pings before message_start",
  );
  assert.equal(up.calls.filter((c) => c.model === 'quiet').length, 2, 'each request gave the silent route up once');
});

test('held streams are read by both SDKs as if nothing came before the first event: the comments and pings are skipped', async () => {
  await using up = await startCannedUpstream([], (request) =>
    request.model === 'quiet' ? silentStream() : plainAnswer('loud and clear', request.stream === true),
  );
  await using h = await startHarness({
    scenario: {},
    config: () => config(up.baseUrl, { first_token_timeout: '1s', keepalive: '100ms' }),
  });
  const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  let said = '';
  const chunks = await openai.chat.completions.create({
    model: 'main',
    stream: true,
    messages: [{ role: 'user', content: 'hello' }],
  });
  for await (const c of chunks) said += c.choices[0]?.delta.content ?? '';
  assert.equal(said, 'loud and clear');
  const anthropic = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
  const message = await anthropic.messages
    .stream({ model: 'main', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] })
    .finalMessage();
  assert.deepEqual(
    message.content.map((b) => (b.type === 'text' ? b.text : b.type)),
    ['loud and clear'],
  );
});

test("a held stream whose every route then fails ends with the shape's error event, not a clean end", async () => {
  await using up = await startCannedUpstream([], () => silentStream());
  await using h = await startHarness({
    scenario: {},
    config: () => ({
      ...config(up.baseUrl, { first_token_timeout: '1s', keepalive: '100ms' }),
      fallback: [],
    }),
  });
  const r = await ask(h.url, h.key);
  assert.equal(r.status, 200, 'the head went out with the first keep-alive');
  assert.match(r.text, /^: keepalive\n\n/);
  assert.match(r.text, /"error":\{[^}]*streaming\.first_token_timeout/);
  assert.doesNotMatch(r.text, /\[DONE\]/);
  const anthropic = await askAnthropic(h.url, h.key);
  assert.match(anthropic.text, /^event: ping\n/);
  assert.match(anthropic.text, /event: error\ndata: \{"type":"error","error":\{[^}]*streaming\.first_token_timeout/);
});
