// What a client of the gateway sees when the upstream is Gemini (through its OpenAI-compatible endpoint) and a
// per-minute limit is hit: a 503 whose Retry-After is Gemini's own retryDelay, not the hour of a spent quota; and
// when a suspect key is among the resting ones, its next probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { startHarness, simProvider, FAST_RETRY } from './harness.ts';

const GEMINI_PER_MINUTE = [
  {
    error: {
      code: 429,
      message: 'You exceeded your current quota, please check your plan and billing details.',
      status: 'RESOURCE_EXHAUSTED',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
              quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            },
          ],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34s' },
      ],
    },
  },
];

test('a Gemini per-minute limit: the gateway answers 503 with Retry-After ≈ 34 s (the retryDelay), not 3600', async () => {
  await using up = await startCannedUpstream([{ status: 429, body: GEMINI_PER_MINUTE }]);
  await using h = await startHarness({
    scenario: {},
    config: () => ({
      providers: {
        gemini: {
          type: 'openai',
          base_url: up.baseUrl,
          api_key: 'AIzaSy-gateway-gemini-key-01',
          key_env: 'SWITCHYARD_TEST_UNUSED_KEY',
        },
      },
      main: { provider: 'gemini', model: 'gemini-2.5-flash' },
      retry: FAST_RETRY,
    }),
  });
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 503);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(retryAfter >= 30 && retryAfter <= 34, `Retry-After ${retryAfter}`);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'all_keys_cooling');
  assert.match(body.error.message, /rate-limited key/);
  assert.equal(up.calls.length, 1);
});

test('every key resting, a known-good one auth_suspect: Retry-After is its next probe (≤ 30 s), not the end of its 5-minute suspicion', async () => {
  const GOOD = 'sk-gw-suspect-good-000001';
  const SPARE = 'sk-gw-suspect-spare-00002';
  await using h = await startHarness({
    scenario: {
      keys: {
        [GOOD]: { script: ['ok', '401', '401'] },
        [SPARE]: { script: ['429'], reset: '90s', reset_headers: ['retry-after'] },
      },
    },
    config: (url) => ({
      providers: { mimo: simProvider(url, 'openai', [GOOD, SPARE]) },
      main: { provider: 'mimo', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
  const ask = (): Promise<Response> =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
      body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
    });
  assert.equal((await ask()).status, 200);
  await (await ask()).body?.cancel(); // GOOD: 401, retried, suspect (probe in 30 s); SPARE: rate-limited for 90 s
  const res = await ask();
  assert.equal(res.status, 503);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(retryAfter >= 25 && retryAfter <= 30, `Retry-After ${retryAfter}`);
});
