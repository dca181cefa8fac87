// An upstream stream that sends only keep-alive comments, empty deltas and role chunks is silent to the stream's
// clocks: before the commit the first-token clock gives up on it (once, not retried on its key) and the fallback
// answers; after the commit the idle clock ends the stream with an error event. Short clocks: nothing asserts on time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { plainAnswer, silentStream } from '../helpers/endless-answers.ts';
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
