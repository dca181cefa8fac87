// Real provider answers the simulator has no step for (Gemini's 429 bodies, a 403 "this key may not use this model")
// served by a small loopback upstream, through the real router: what the key's health and the caller's error become.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/config/mask.ts';
import { nextMidnight } from '../../src/errors/retry-after.ts';
import { startCannedUpstream, type CannedUpstream } from '../helpers/canned-upstream.ts';
import { failure, FAST_RETRY, harness, hello, type Harness } from './helpers.ts';

const KEY = 'AIzaSy-canned-gemini-key-0001';
const SPARE = 'AIzaSy-canned-gemini-key-0002';

const GEMINI_PER_MINUTE = [
  {
    error: {
      code: 429,
      message:
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
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

const GEMINI_PER_DAY = [
  {
    error: {
      code: 429,
      message: 'You exceeded your current quota, please check your plan and billing details.',
      status: 'RESOURCE_EXHAUSTED',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '22s' },
      ],
    },
  },
];

async function withGemini(
  keys: string[],
  run: (h: Harness, up: CannedUpstream) => Promise<void>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await using up = await startCannedUpstream();
  await using h = await harness({
    scenario: {},
    config: () => ({
      providers: { gemini: { type: 'openai', base_url: up.baseUrl, api_keys: keys } },
      main: { provider: 'gemini', model: 'gemini-2.5-flash' },
      retry: FAST_RETRY,
      ...extra,
    }),
  });
  await run(h, up);
}

test('a Gemini per-minute limit is a rate limit: the key rests for its retryDelay (34s), the next key answers', async () => {
  await withGemini([KEY, SPARE], async (h, up) => {
    up.script([{ status: 429, body: GEMINI_PER_MINUTE }]);
    const before = Date.now();
    const r = await h.router.chat({ messages: hello });
    assert.equal(r.status, 'ok');
    assert.deepEqual(
      up.calls.map((c) => c.key),
      [KEY, SPARE],
      'rotated at once',
    );
    assert.deepEqual(
      r.trail.map((a) => a.outcome),
      ['rate_limited', 'ok'],
    );
    const health = h.store.getHealth(fingerprint(KEY));
    assert.equal(health?.reason, 'rate_limited');
    const rest = (health?.until ?? 0) - before;
    assert.ok(rest >= 33_000 && rest <= 36_000, `rests ≈ 34s, not an hour: ${rest}ms`);
  });
});

test('a Gemini per-minute limit on the only key: every key cooling, come back in 34s (not quota for an hour)', async () => {
  await withGemini([KEY], async (h, up) => {
    up.script([{ status: 429, body: GEMINI_PER_MINUTE }]);
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'all_cooling');
    assert.ok(
      err.retryAfterMs !== undefined && err.retryAfterMs > 30_000 && err.retryAfterMs <= 34_000,
      `retryAfterMs ${err.retryAfterMs}`,
    );
    assert.match(err.explanation, /gemini rate-limited key …0001 .*\(HTTP 429: You exceeded your current quota/);
  });
});

test('a Gemini per-day quota is quota until midnight Pacific time, whatever its RetryInfo says', async () => {
  await withGemini([KEY], async (h, up) => {
    up.script([{ status: 429, body: GEMINI_PER_DAY }]);
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'quota');
    const health = h.store.getHealth(fingerprint(KEY));
    assert.equal(health?.reason, 'quota');
    assert.equal(health?.until, nextMidnight(Date.now(), 'America/Los_Angeles'));
    assert.equal(up.calls.length, 1);
  });
});

const BLOCKED = {
  error: {
    message:
      'The model `qwen3-32b` is blocked at the organization level. Please have the org admin enable this model in the org settings.',
    type: 'invalid_request_error',
    code: 'model_permission_blocked_org',
  },
};

async function withGroq(run: (h: Harness, up: CannedUpstream) => Promise<void>, fallback: unknown[]): Promise<void> {
  await using up = await startCannedUpstream();
  await using h = await harness({
    scenario: {},
    config: () => ({
      providers: { groq: { type: 'openai', base_url: up.baseUrl, api_key: KEY } },
      main: { provider: 'groq', model: 'qwen3-32b' },
      fallback,
      retry: FAST_RETRY,
    }),
  });
  await run(h, up);
}

test('a 403 "this key may not use this model" fails the route only: the chain moves on with the same key, whose health is untouched', async () => {
  await withGroq(
    async (h, up) => {
      up.script([{ status: 403, body: BLOCKED }]);
      const r = await h.router.chat({ messages: hello });
      assert.equal(r.status, 'ok');
      assert.equal(r.status === 'ok' ? r.model : '', 'llama-3.3-70b');
      assert.deepEqual(
        up.calls.map((c) => [c.key, c.model]),
        [
          [KEY, 'qwen3-32b'],
          [KEY, 'llama-3.3-70b'],
        ],
        'one try on the blocked model, no retries',
      );
      assert.deepEqual(
        r.trail.map((a) => a.outcome),
        ['not_found', 'ok'],
      );
      const health = h.store.getHealth(fingerprint(KEY));
      assert.equal(health?.state, 'ok');
      assert.equal(health?.failures ?? 0, 0, 'not counted against the key');
      assert.equal(h.events.filter((e) => e.type === 'cooldown').length, 0, 'the key is not set aside');
    },
    [{ provider: 'groq', model: 'llama-3.3-70b' }],
  );
});

test('a 403 "this key may not use this model" on the only route: not_found, saying the key may not use that model and quoting the provider', async () => {
  await withGroq(async (h, up) => {
    up.script([{ status: 403, body: BLOCKED }]);
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'not_found');
    assert.match(
      err.explanation,
      /groq does not allow key …0001 \(config\) to use model "qwen3-32b" \(HTTP 403: The model `qwen3-32b` is blocked at the organization level\./,
    );
    assert.match(err.explanation, /the key itself is fine/);
    assert.doesNotMatch(err.explanation, /rejected/);
    // The next call sends the key again: nothing was set aside.
    const r = await h.router.chat({ messages: hello });
    assert.equal(r.status, 'ok');
    assert.equal(up.calls.length, 2);
  }, []);
});

async function withGroqKeys(keys: string[], run: (h: Harness, up: CannedUpstream) => Promise<void>): Promise<void> {
  await using up = await startCannedUpstream();
  await using h = await harness({
    scenario: {},
    config: () => ({
      providers: { groq: { type: 'openai', base_url: up.baseUrl, api_keys: keys } },
      main: { provider: 'groq', model: 'qwen3-32b' },
      retry: FAST_RETRY,
    }),
  });
  await run(h, up);
}

test('a key refused one model: the route rotates to the next key, which answers; the refused key is set aside for this route only, its health untouched', async () => {
  await withGroqKeys([KEY, SPARE], async (h, up) => {
    up.script([{ status: 403, body: BLOCKED }]);
    const r = await h.router.chat({ messages: hello });
    assert.equal(r.status, 'ok');
    assert.deepEqual(
      up.calls.map((c) => [c.key, c.model]),
      [
        [KEY, 'qwen3-32b'],
        [SPARE, 'qwen3-32b'],
      ],
    );
    assert.deepEqual(
      r.trail.map((a) => [a.credential?.masked, a.outcome]),
      [
        ['…0001', 'not_found'],
        ['…0002', 'ok'],
      ],
    );
    const health = h.store.getHealth(fingerprint(KEY));
    assert.equal(health?.state ?? 'ok', 'ok');
    assert.equal(health?.failures ?? 0, 0, 'not counted against the key');
    assert.equal(h.events.filter((e) => e.type === 'cooldown').length, 0, 'nothing is set aside');
    // The next call starts again from the first key: the refusal belonged to that call's route only.
    await h.router.chat({ messages: hello });
    assert.equal(up.calls.at(-1)?.key, KEY);
  });
});

test('every key refused the model: the route fails as not_found, naming each key refused and quoting the provider', async () => {
  await withGroqKeys([KEY, SPARE], async (h, up) => {
    up.script([
      { status: 403, body: BLOCKED },
      { status: 403, body: BLOCKED },
    ]);
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'not_found');
    assert.equal(up.calls.length, 2, 'each key once, no retries');
    assert.match(
      err.explanation,
      /groq does not allow any of its keys to use model "qwen3-32b" — each was tried and refused: …0001 \(config providers\.groq\.api_keys\[0\]\), …0002 \(config providers\.groq\.api_keys\[1\]\) \(HTTP 403: The model `qwen3-32b` is blocked at the organization level\./,
    );
    assert.match(err.explanation, /the keys themselves are fine/);
    assert.doesNotMatch(err.explanation, /rejected|unusable/);
    for (const k of [KEY, SPARE]) assert.equal(h.store.getHealth(fingerprint(k))?.failures ?? 0, 0);
  });
});

const CLOUDFLARE_PAGE =
  '<!DOCTYPE html>\n<html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head><body><h1>Sorry, you have been blocked</h1></body></html>';
const REGION = {
  error: {
    code: 'unsupported_country_region_territory',
    message: 'Country, region, or territory not supported',
    param: null,
    type: 'request_forbidden',
  },
};

test('a Cloudflare challenge page (HTML 403) is retried, then the route fails saying a firewall answered — the key is not judged', async () => {
  await withGroqKeys([KEY, SPARE], async (h, up) => {
    up.script([0, 1, 2].map(() => ({ status: 403, body: CLOUDFLARE_PAGE })));
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'connection');
    assert.deepEqual(
      up.calls.map((c) => c.key),
      [KEY, KEY, KEY],
      'retried like a connection failure, max_retries 2',
    );
    assert.match(
      err.explanation,
      /a firewall or bot-challenge page in front of groq at http:\/\/127\.0\.0\.1:\d+\/v1 answered instead of its API \(HTTP 403: HTML error page: Attention Required! \| Cloudflare\); retried 2× with backoff — the key was not judged/,
    );
    assert.doesNotMatch(err.explanation, /never been accepted|check or replace it/);
    const health = h.store.getHealth(fingerprint(KEY));
    assert.equal(health?.state ?? 'ok', 'ok');
    assert.equal(h.events.filter((e) => e.type === 'cooldown').length, 0, 'nothing is set aside');
  });
});

test('a 403 "country, region, or territory not supported" fails the route at once, saying so — no other key is tried, none is judged', async () => {
  await withGroqKeys([KEY, SPARE], async (h, up) => {
    up.script([{ status: 403, body: REGION }]);
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'not_found');
    assert.deepEqual(
      up.calls.map((c) => c.key),
      [KEY],
      'every key would meet the same answer',
    );
    assert.match(
      err.explanation,
      /groq does not serve the country or region this request comes from \(HTTP 403: Country, region, or territory not supported\) — the key was not judged and stays as it is/,
    );
    assert.doesNotMatch(err.explanation, /rejected|check or replace it/);
    assert.equal(h.store.getHealth(fingerprint(KEY))?.failures ?? 0, 0);
    assert.equal(h.events.filter((e) => e.type === 'cooldown').length, 0);
  });
});
