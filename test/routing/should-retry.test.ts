// `x-should-retry` from the provider, through the real router and a loopback upstream: a bad request marked
// `true` (OpenAI's 409 lock timeout) is sent again on the same key within retry.max_retries, where an unmarked one
// fails the whole call at once (REFINED_ROUTE_LADDER's provider_says_retry row); a retryable failure marked `false`
// is not retried (its provider_says_no_retry row).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCannedUpstream, type CannedReply } from '../helpers/canned-upstream.ts';
import { failure, FAST_RETRY, harness, hello } from './helpers.ts';

const KEY = 'sk-should-retry-0001';
const CONFLICT: CannedReply = {
  status: 409,
  headers: { 'x-should-retry': 'true' },
  body: {
    error: {
      message: 'The server had an error processing your request (lock timeout).',
      type: 'invalid_request_error',
      code: null,
    },
  },
};

async function withUpstream(
  replies: CannedReply[],
  run: (h: Awaited<ReturnType<typeof harness>>, calls: () => number) => Promise<void>,
): Promise<void> {
  await using up = await startCannedUpstream(replies);
  await using h = await harness({
    scenario: {},
    config: () => ({
      providers: { p: { type: 'openai', base_url: up.baseUrl, api_key: KEY } },
      main: { provider: 'p', model: 'm' },
      retry: FAST_RETRY,
    }),
  });
  await run(h, () => up.calls.length);
}

test('a 409 the provider marks x-should-retry: true is retried on the same key, and the call succeeds', async () => {
  await withUpstream([CONFLICT], async (h, calls) => {
    const r = await h.router.chat({ messages: hello });
    assert.equal(r.status, 'ok');
    assert.deepEqual(
      r.trail.map((a) => a.outcome),
      ['bad_request', 'ok'],
    );
    assert.equal(calls(), 2);
    assert.equal(h.events.filter((e) => e.type === 'retry').length, 1);
  });
});

test('the same 409 retried up to retry.max_retries, then the call fails as a bad request', async () => {
  await withUpstream([CONFLICT, CONFLICT, CONFLICT, CONFLICT], async (h, calls) => {
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'bad_request');
    assert.equal(calls(), 1 + FAST_RETRY.max_retries);
  });
});

test('a 409 without x-should-retry fails the call at once', async () => {
  const { headers: _dropped, ...unmarked } = CONFLICT;
  await withUpstream([unmarked], async (h, calls) => {
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'bad_request');
    assert.equal(calls(), 1);
  });
});

test('a server error the provider marks x-should-retry: false fails the route without a retry, saying so', async () => {
  const refused: CannedReply = {
    status: 500,
    headers: { 'x-should-retry': 'false' },
    body: { error: { message: 'internal error', type: 'server_error', code: null } },
  };
  await withUpstream([refused, refused, refused], async (h, calls) => {
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'server');
    assert.equal(calls(), 1, "REFINED_ROUTE_LADDER's provider_says_no_retry row: no retry");
    assert.match(err.explanation, /\(the provider said not to retry\)/);
    assert.deepEqual(
      err.explained?.advice.map((a) => a.kind),
      ['hiccup', 'retry_later', 'add_fallback'],
    );
  });
});
