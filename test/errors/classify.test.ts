// Real-world error bodies (as providers send them, no network) → kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyHttp, classifyStreamError, classifyTransport } from '../../src/errors/classify.ts';
import type { ErrorKind } from '../../src/errors/kinds.ts';

interface Case {
  name: string;
  status: number;
  body: unknown;
  kind: ErrorKind;
  code?: string;
}

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

// Google sends a RetryInfo of seconds with a per-day quota too: retrying then would only meet the same 429.
const GEMINI_PER_DAY = {
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
            quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
            quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' },
            quotaValue: '250',
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [
          {
            description: 'Learn more about Gemini API quotas',
            url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '22s' },
    ],
  },
};

const CASES: Case[] = [
  // OpenAI
  {
    name: 'openai invalid_api_key',
    status: 401,
    kind: 'auth_rejected',
    code: 'invalid_api_key',
    body: {
      error: {
        message:
          'Incorrect API key provided: sk-proj-****************************************abcd. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    },
  },
  {
    name: 'openai insufficient_quota 429',
    status: 429,
    kind: 'quota',
    code: 'insufficient_quota',
    body: {
      error: {
        message:
          'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
        type: 'insufficient_quota',
        param: null,
        code: 'insufficient_quota',
      },
    },
  },
  {
    name: 'openai rate_limit_exceeded',
    status: 429,
    kind: 'rate_limited',
    code: 'rate_limit_exceeded',
    body: {
      error: {
        message:
          'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2s. Visit https://platform.openai.com/account/rate-limits to learn more.',
        type: 'tokens',
        param: null,
        code: 'rate_limit_exceeded',
      },
    },
  },
  {
    name: 'openai context_length_exceeded',
    status: 400,
    kind: 'context_length',
    code: 'context_length_exceeded',
    body: {
      error: {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    },
  },
  {
    name: 'openai model_not_found',
    status: 404,
    kind: 'not_found',
    code: 'model_not_found',
    body: {
      error: {
        message: 'The model `gpt-9` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      },
    },
  },
  {
    name: 'azure content_filter',
    status: 400,
    kind: 'content_filter',
    code: 'content_filter',
    body: {
      error: {
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
        type: null,
        param: 'prompt',
        code: 'content_filter',
        status: 400,
      },
    },
  },
  {
    name: 'openai content_policy_violation',
    status: 400,
    kind: 'content_filter',
    code: 'content_policy_violation',
    body: {
      error: {
        message: 'Your request was rejected as a result of our safety system.',
        type: 'invalid_request_error',
        param: null,
        code: 'content_policy_violation',
      },
    },
  },
  {
    name: 'openai 500',
    status: 500,
    kind: 'server',
    code: 'server_error',
    body: {
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    },
  },
  {
    name: 'openai 503 overloaded',
    status: 503,
    kind: 'overloaded',
    body: {
      error: {
        message: 'The engine is currently overloaded, please try again later',
        type: 'server_error',
        param: null,
        code: null,
      },
    },
  },
  {
    name: 'openai 400 invalid param',
    status: 400,
    kind: 'bad_request',
    body: {
      error: {
        message: "Invalid value for 'temperature': expected a number between 0 and 2.",
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'invalid_value',
      },
    },
  },
  // Anthropic
  {
    name: 'anthropic authentication_error',
    status: 401,
    kind: 'auth_rejected',
    code: 'authentication_error',
    body: {
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
      request_id: 'req_011',
    },
  },
  {
    name: 'anthropic permission_error',
    status: 403,
    kind: 'auth_rejected',
    code: 'permission_error',
    body: {
      type: 'error',
      error: {
        type: 'permission_error',
        message: 'Your API key does not have permission to use the specified resource.',
      },
    },
  },
  {
    name: 'anthropic rate_limit_error',
    status: 429,
    kind: 'rate_limited',
    code: 'rate_limit_error',
    body: {
      type: 'error',
      error: {
        type: 'rate_limit_error',
        message:
          'Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits); see the response headers for current usage.',
      },
    },
  },
  {
    name: 'anthropic overloaded 529',
    status: 529,
    kind: 'overloaded',
    code: 'overloaded_error',
    body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  },
  {
    name: 'anthropic prompt is too long',
    status: 400,
    kind: 'context_length',
    code: 'invalid_request_error',
    body: {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'prompt is too long: 208310 tokens > 200000 maximum' },
    },
  },
  {
    name: 'anthropic not_found_error',
    status: 404,
    kind: 'not_found',
    code: 'not_found_error',
    body: { type: 'error', error: { type: 'not_found_error', message: 'model: claude-3-nope' } },
  },
  {
    name: 'anthropic api_error',
    status: 500,
    kind: 'server',
    code: 'api_error',
    body: { type: 'error', error: { type: 'api_error', message: 'Internal server error' } },
  },
  {
    name: 'anthropic credit balance too low (400)',
    status: 400,
    kind: 'quota',
    body: {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message:
          'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
      },
    },
  },
  {
    name: 'anthropic billing_error 402',
    status: 402,
    kind: 'quota',
    code: 'billing_error',
    body: { type: 'error', error: { type: 'billing_error', message: 'Billing issue' } },
  },
  {
    name: 'anthropic invalid request',
    status: 400,
    kind: 'bad_request',
    body: {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'messages: roles must alternate between "user" and "assistant"',
      },
    },
  },
  // DeepSeek
  {
    name: 'deepseek 402 Insufficient Balance',
    status: 402,
    kind: 'quota',
    body: {
      error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' },
    },
  },
  {
    name: 'deepseek 401',
    status: 401,
    kind: 'auth_rejected',
    body: {
      error: {
        message: 'Authentication Fails (no such user)',
        type: 'authentication_error',
        param: null,
        code: 'invalid_request_error',
      },
    },
  },
  {
    name: 'deepseek 422',
    status: 422,
    kind: 'bad_request',
    body: {
      error: {
        message: 'Failed to deserialize the JSON body into the target type: messages[0].role: unknown variant `bot`',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_request_error',
      },
    },
  },
  {
    name: 'deepseek 400 model not exist',
    status: 400,
    kind: 'not_found',
    body: {
      error: { message: 'Model Not Exist', type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
    },
  },
  {
    name: 'deepseek 400 context',
    status: 400,
    kind: 'context_length',
    body: {
      error: {
        message:
          "This model's maximum context length is 65536 tokens. However, you requested 70123 tokens (62123 in the messages, 8000 in the completion). Please reduce the length of the messages or completion.",
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_request_error',
      },
    },
  },
  {
    name: 'deepseek 503 overloaded',
    status: 503,
    kind: 'overloaded',
    body: { error: { message: 'Server overloaded', type: 'server_error' } },
  },
  // Gateways and compatible servers
  {
    name: 'mimo transient 401 under load',
    status: 401,
    kind: 'auth_rejected',
    body: { error: { message: 'Invalid API Key', type: 'invalid_request_error', code: '401' } },
  },
  {
    name: 'token_invalidated 401',
    status: 401,
    kind: 'auth_rejected',
    body: { error: { message: 'Your authentication token has been invalidated.', code: 'token_invalidated' } },
  },
  {
    name: 'openrouter 402',
    status: 402,
    kind: 'quota',
    code: '402',
    body: {
      error: { code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits' },
    },
  },
  {
    name: 'openrouter 403 moderation',
    status: 403,
    kind: 'content_filter',
    body: {
      error: {
        code: 403,
        message: 'Your chosen model requires moderation and your input was flagged',
        metadata: { reasons: ['violence'] },
      },
    },
  },
  {
    name: 'openrouter 429',
    status: 429,
    kind: 'rate_limited',
    body: { error: { code: 429, message: 'Rate limit exceeded: free-models-per-min.' } },
  },
  {
    name: '403 saying server_error',
    status: 403,
    kind: 'server',
    body: { error: { message: 'upstream failed', type: 'server_error' } },
  },
  {
    name: 'billing wording on 403',
    status: 403,
    kind: 'quota',
    body: { error: { message: 'Your account is in arrearage; please top up to continue.' } },
  },
  {
    name: '401 insufficient balance',
    status: 401,
    kind: 'quota',
    body: { error: { message: 'Insufficient balance', code: 'insufficient_balance' } },
  },
  {
    name: 'vllm context',
    status: 400,
    kind: 'context_length',
    code: '400',
    body: {
      object: 'error',
      message:
        "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.",
      type: 'BadRequestError',
      param: null,
      code: 400,
    },
  },
  {
    name: 'context window wording',
    status: 400,
    kind: 'context_length',
    body: { error: { message: 'Input exceeds the context window of this model' } },
  },
  {
    name: 'too many tokens wording',
    status: 413,
    kind: 'context_length',
    body: { error: { message: 'Too many tokens: 300000 requested' } },
  },
  {
    name: 'google array body, api key invalid',
    status: 400,
    kind: 'auth_rejected',
    body: [
      { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } },
    ],
  },
  {
    name: 'google resource exhausted',
    status: 429,
    kind: 'rate_limited',
    body: [
      {
        error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' },
      },
    ],
  },
  // Google's per-minute limits say "quota" too: the window (QuotaFailure's quotaId, or the wording) decides.
  {
    name: 'gemini per-minute quota id (OpenAI-compatible endpoint, array body)',
    status: 429,
    kind: 'rate_limited',
    body: GEMINI_PER_MINUTE,
  },
  {
    name: 'google "quota exceeded … per minute" wording',
    status: 429,
    kind: 'rate_limited',
    body: {
      error: {
        code: 429,
        message:
          "Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com' for consumer 'project_number:123'.",
        status: 'RESOURCE_EXHAUSTED',
      },
    },
  },
  { name: 'gemini per-day quota id', status: 429, kind: 'quota', body: GEMINI_PER_DAY },
  {
    name: 'gemini per-minute and per-day both hit: the day decides',
    status: 429,
    kind: 'quota',
    body: [
      {
        error: {
          code: 429,
          message: 'You exceeded your current quota, please check your plan and billing details.',
          status: 'RESOURCE_EXHAUSTED',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [
                { quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' },
                { quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' },
              ],
            },
          ],
        },
      },
    ],
  },
  {
    name: 'openai requests-per-day rate limit stays a rate limit',
    status: 429,
    kind: 'rate_limited',
    code: 'rate_limit_exceeded',
    body: {
      error: {
        message:
          'Rate limit reached for gpt-4o-mini in organization org-abc on requests per day (RPD): Limit 200, Used 200, Requested 1.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    },
  },
  // A key that may not use one model: the route fails (not_found), the key is not blamed.
  {
    name: 'groq model_permission_blocked_org 403',
    status: 403,
    kind: 'not_found',
    code: 'model_permission_blocked_org',
    body: {
      error: {
        message:
          'The model `qwen/qwen3-32b` is blocked at the organization level. Please have the org admin enable this model in the org settings at https://console.groq.com/settings/limits',
        type: 'invalid_request_error',
        code: 'model_permission_blocked_org',
      },
    },
  },
  {
    name: 'openai project without access to a model 403',
    status: 403,
    kind: 'not_found',
    body: {
      error: {
        message: 'Project `proj_abc123` does not have access to model `gpt-5`',
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      },
    },
  },
  {
    name: 'compatible gateway "not allowed to use model" 403',
    status: 403,
    kind: 'not_found',
    body: {
      type: 'error',
      error: { type: 'permission_error', message: 'This API key is not allowed to use model claude-opus-4-1.' },
    },
  },
  { name: 'fastapi detail 404', status: 404, kind: 'not_found', body: { detail: 'Not Found' } },
  { name: '408', status: 408, kind: 'timeout', body: '' },
  {
    name: '504 gateway timeout html',
    status: 504,
    kind: 'timeout',
    body: '<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center><hr><center>nginx</center></body></html>',
  },
  {
    name: '502 html',
    status: 502,
    kind: 'server',
    body: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>',
  },
  { name: 'cloudflare 520 plain text', status: 520, kind: 'server', body: 'error code: 520' },
  { name: '503 empty body', status: 503, kind: 'server', body: '' },
  { name: '500 truncated JSON', status: 500, kind: 'server', body: '{"error": {"message": "oops' },
  { name: '418 unknown 4xx', status: 418, kind: 'bad_request', body: "I'm a teapot" },
];

for (const c of CASES) {
  test(`classifyHttp: ${c.name} → ${c.kind}`, () => {
    const body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
    const got = classifyHttp({ status: c.status, body, now: 0 });
    assert.equal(got.kind, c.kind, `message: ${got.providerMessage}`);
    assert.equal(got.status, c.status);
    if (c.code !== undefined) assert.equal(got.code, c.code);
  });
}

test('classifyHttp: HTML pages become a short message, not markup', () => {
  const got = classifyHttp({
    status: 502,
    body: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad</h1></body></html>',
  });
  assert.equal(got.providerMessage, 'HTML error page: 502 Bad Gateway');
});

test('classifyHttp: secrets are scrubbed from provider messages, and long ones truncated', () => {
  const secret = 'sk-live-0123456789abcdefghijXYZW';
  const got = classifyHttp({
    status: 401,
    body: JSON.stringify({ error: { message: `bad key ${secret} ${'x'.repeat(1000)}` } }),
    secrets: [secret],
  });
  assert.ok(!got.providerMessage.includes(secret));
  assert.ok(!got.providerMessage.includes('0123456789abcdef'));
  assert.ok(got.providerMessage.length <= 300);
});

test('classifyHttp: reset headers are read', () => {
  const got = classifyHttp({
    status: 429,
    headers: { 'retry-after': '7', 'x-should-retry': 'true' },
    body: '{}',
    now: 1000,
  });
  assert.equal(got.kind, 'rate_limited');
  assert.equal(got.retryAfterMs, 7000);
  assert.equal(got.resetAt, 8000);
  assert.equal(got.shouldRetry, true);
});

test("classifyHttp: a Gemini per-minute limit rests the key for RetryInfo's retryDelay", () => {
  const now = Date.parse('2026-06-12T10:00:00Z');
  const got = classifyHttp({ status: 429, body: JSON.stringify(GEMINI_PER_MINUTE), now });
  assert.equal(got.kind, 'rate_limited');
  assert.equal(got.retryAfterMs, 34_000);
  assert.equal(got.resetAt, now + 34_000);
  // Headers, when sent, still come first.
  const headed = classifyHttp({
    status: 429,
    headers: { 'retry-after': '5' },
    body: JSON.stringify(GEMINI_PER_MINUTE),
    now,
  });
  assert.equal(headed.retryAfterMs, 5000);
});

test('classifyHttp: a Gemini per-day quota rests the key until midnight Pacific time, not for its RetryInfo', () => {
  const now = Date.parse('2026-06-12T10:00:00Z'); // 03:00 in Los Angeles
  const got = classifyHttp({ status: 429, body: JSON.stringify(GEMINI_PER_DAY), now });
  assert.equal(got.kind, 'quota');
  assert.equal(got.resetAt, Date.parse('2026-06-13T07:00:00Z'));
  assert.equal(got.retryAfterMs, 21 * 3_600_000);
  // Another provider's quota says nothing about when it resets: the config's cooldown decides.
  const openai = classifyHttp({ status: 429, body: JSON.stringify(CASES[1]!.body), now });
  assert.deepEqual([openai.kind, openai.resetAt], ['quota', undefined]);
});

test('classifyHttp: a 403 "this key may not use this model" is marked as such; a plain permission error is not', () => {
  const blocked = classifyHttp({
    status: 403,
    body: JSON.stringify({
      error: {
        message: 'The model `qwen/qwen3-32b` is blocked at the organization level.',
        code: 'model_permission_blocked_org',
      },
    }),
  });
  assert.deepEqual([blocked.kind, blocked.modelAccessDenied], ['not_found', true]);
  const denied = classifyHttp({
    status: 403,
    body: JSON.stringify({
      error: {
        message: 'Your API key does not have permission to use the specified resource.',
        type: 'permission_error',
        code: 'permission_denied',
      },
    }),
  });
  assert.deepEqual([denied.kind, denied.modelAccessDenied], ['auth_rejected', undefined]);
  const missing = classifyHttp({
    status: 404,
    body: JSON.stringify({
      error: { message: 'The model `gpt-9` does not exist or you do not have access to it.', code: 'model_not_found' },
    }),
  });
  assert.deepEqual([missing.kind, missing.modelAccessDenied], ['not_found', undefined]);
});

const CLOUDFLARE_PAGE =
  '<!DOCTYPE html>\n<html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head><body><h1>Sorry, you have been blocked</h1></body></html>';

test('classifyHttp: a 403 HTML challenge page is a firewall in front of the provider (retried like a connection failure), not the key', () => {
  const page = classifyHttp({ status: 403, body: CLOUDFLARE_PAGE });
  assert.deepEqual(
    [page.kind, page.blocked, page.providerMessage],
    ['connection', 'firewall', 'HTML error page: Attention Required! | Cloudflare'],
  );
  // A 401 HTML page (a proxy's own login) still says the credentials were refused.
  assert.equal(classifyHttp({ status: 401, body: CLOUDFLARE_PAGE }).kind, 'auth_rejected');
});

test('classifyHttp: a 403 "country, region, or territory not supported" is the region refused, not the key', () => {
  const openai = classifyHttp({
    status: 403,
    body: JSON.stringify({
      error: {
        code: 'unsupported_country_region_territory',
        message: 'Country, region, or territory not supported',
        param: null,
        type: 'request_forbidden',
      },
    }),
  });
  assert.deepEqual([openai.kind, openai.blocked, openai.modelAccessDenied], ['not_found', 'region', undefined]);
  const google = classifyHttp({
    status: 400,
    body: JSON.stringify({
      error: { code: 400, message: 'User location is not supported for the API use.', status: 'FAILED_PRECONDITION' },
    }),
  });
  assert.deepEqual([google.kind, google.blocked], ['not_found', 'region']);
  const denied = classifyHttp({
    status: 403,
    body: JSON.stringify({
      error: {
        message: 'Your API key does not have permission to use the specified resource.',
        type: 'permission_error',
        code: 'permission_denied',
      },
    }),
  });
  assert.deepEqual([denied.kind, denied.blocked], ['auth_rejected', undefined]);
});

/** Anthropic's region refusal as reported (anthropics/anthropic-sdk-typescript#457, anthropics/claude-code#1613): no
 * root `type`, the type `forbidden`, the words "Request not allowed". */
const ANTHROPIC_REGION = { error: { type: 'forbidden', message: 'Request not allowed' } };

/** [what, status, body, kind, blocked]: only that type with those words, at 403, is the region. */
const ANTHROPIC_403S: [string, number, unknown, ErrorKind, 'region' | undefined][] = [
  ['the refusal as reported', 403, ANTHROPIC_REGION, 'not_found', 'region'],
  ["the refusal in the API's usual envelope", 403, { type: 'error', ...ANTHROPIC_REGION }, 'not_found', 'region'],
  [
    'a key refused',
    403,
    {
      type: 'error',
      error: {
        type: 'permission_error',
        message: 'Your API key does not have permission to use the specified resource.',
      },
    },
    'auth_rejected',
    undefined,
  ],
  [
    '"forbidden" with other words',
    403,
    { error: { type: 'forbidden', message: 'Request not allowed for this API key' } },
    'auth_rejected',
    undefined,
  ],
  [
    'the words with another type',
    403,
    { type: 'error', error: { type: 'permission_error', message: 'Request not allowed' } },
    'auth_rejected',
    undefined,
  ],
  ['the words as a plain-text 403', 403, 'Request not allowed', 'auth_rejected', undefined],
  ['the refusal at 401', 401, ANTHROPIC_REGION, 'auth_rejected', undefined],
];

for (const [what, status, body, kind, blocked] of ANTHROPIC_403S) {
  test(`classifyHttp: Anthropic 403s: ${what} → ${kind}${blocked ? `, ${blocked}` : ''}`, () => {
    const got = classifyHttp({ status, body: typeof body === 'string' ? body : JSON.stringify(body) });
    assert.deepEqual([got.kind, got.blocked, got.modelAccessDenied], [kind, blocked, undefined]);
  });
}

test('classifyStreamError: errors inside a 200 stream', () => {
  assert.equal(
    classifyStreamError({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }).kind,
    'overloaded',
  );
  assert.equal(
    classifyStreamError({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } }).kind,
    'server',
  );
  assert.equal(
    classifyStreamError({ error: { message: 'The server had an error', type: 'server_error' } }).kind,
    'server',
  );
  assert.equal(classifyStreamError({ error: { code: 502, message: 'Provider returned error' } }).kind, 'server');
  assert.equal(
    classifyStreamError({
      error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' },
    }).kind,
    'quota',
  );
  assert.equal(
    classifyStreamError({ error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }).kind,
    'rate_limited',
  );
  assert.equal(
    classifyStreamError({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'prompt is too long: 300000 tokens > 200000 maximum' },
    }).kind,
    'context_length',
  );
  assert.equal(classifyStreamError('garbage').kind, 'server');
  const s = classifyStreamError({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  assert.equal(s.status, undefined);
  assert.equal(s.code, 'overloaded_error');
});

test('classifyTransport: connection and timeout', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  assert.equal(classifyTransport(new TypeError('fetch failed', { cause: refused })).kind, 'connection');
  assert.equal(classifyTransport(new TypeError('fetch failed', { cause: refused })).code, 'ECONNREFUSED');
  assert.equal(
    classifyTransport(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).kind,
    'connection',
  );
  assert.equal(
    classifyTransport(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })).kind,
    'connection',
  );
  assert.equal(
    classifyTransport(Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).kind,
    'timeout',
  );
  assert.equal(
    classifyTransport(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }))
      .kind,
    'timeout',
  );
  assert.equal(classifyTransport('weird').kind, 'connection');
});

// max_tokens above the model's output limit, the limit stated: a bad_request carrying the largest max_tokens the
// provider would take (the router sends the request again with it). Each body is the provider's own.
const OUTPUT_LIMIT_CASES: { name: string; status: number; body: unknown; limit: number }[] = [
  {
    name: 'openai max_tokens',
    status: 400,
    limit: 16384,
    body: {
      error: {
        message:
          'max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.',
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'invalid_value',
      },
    },
  },
  {
    name: 'openai max_completion_tokens',
    status: 400,
    limit: 16384,
    body: {
      error: {
        message:
          'max_completion_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.',
        type: 'invalid_request_error',
        param: 'max_completion_tokens',
        code: 'invalid_value',
      },
    },
  },
  {
    name: 'anthropic output maximum',
    status: 400,
    limit: 64000,
    body: {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message:
          'max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-20250514',
      },
    },
  },
  {
    name: 'anthropic input + max_tokens over the window',
    status: 400,
    limit: 11760,
    body: {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message:
          'input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length or `max_tokens` and try again',
      },
    },
  },
  {
    name: 'deepseek range',
    status: 400,
    limit: 8192,
    body: {
      error: {
        message: 'Invalid max_tokens value, the valid range of max_tokens is [1, 8192]',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_request_error',
      },
    },
  },
  {
    name: 'vllm what is left of the window',
    status: 400,
    limit: 39766,
    body: {
      object: 'error',
      message:
        "'max_tokens' or 'max_completion_tokens' is too large: 64000. This model's maximum context length is 64001 tokens and your request has 24235 input tokens (64000 > 64001 - 24235). None",
      type: 'BadRequestError',
      param: null,
      code: 400,
    },
  },
];

for (const c of OUTPUT_LIMIT_CASES) {
  test(`output limit: ${c.name} → bad_request, outputLimit ${c.limit}`, () => {
    const r = classifyHttp({ status: c.status, body: JSON.stringify(c.body) });
    assert.equal(r.kind, 'bad_request');
    assert.equal(r.outputLimit, c.limit);
  });
}

test('output limit: no usable maximum stays what it was (context_length when the input alone fills the window)', () => {
  const vllmFull = {
    object: 'error',
    message:
      "'max_tokens' or 'max_completion_tokens' is too large: 1000. This model's maximum context length is 8192 tokens and your request has 9000 input tokens (1000 > 8192 - 9000).",
    type: 'BadRequestError',
    param: null,
    code: 400,
  };
  const full = classifyHttp({ status: 400, body: JSON.stringify(vllmFull) });
  assert.equal(full.kind, 'context_length');
  assert.equal(full.outputLimit, undefined);
  const unstated = classifyHttp({
    status: 400,
    body: JSON.stringify({
      error: {
        message: 'max_tokens is too large',
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'invalid_value',
      },
    }),
  });
  assert.equal(unstated.kind, 'bad_request');
  assert.equal(unstated.outputLimit, undefined);
});
