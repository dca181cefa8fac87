// Pure pieces of the gateway: listen parsing and the loopback rule, key generation/hashing/matching, error shapes,
// the failure table, model resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../src/config/schema.ts';
import { everyInterfaceNote, isLoopback, localUrlFor, parseListen } from '../../src/config/listen.ts';
import {
  generateKey,
  hashKey,
  matchKey,
  newKeyRecord,
  presentedKey,
  secretsEqual,
} from '../../src/gateway/keys/keys.ts';
import {
  ApiError,
  anthropicErrorBody,
  errorHeaders,
  openaiErrorBody,
  promptTooLong,
} from '../../src/gateway/answer/api-error.ts';
import { failureToApiError } from '../../src/gateway/answer/failure-map.ts';
import { classifyHttp } from '../../src/errors/classify.ts';
import { promptOverflowOf } from '../../src/errors/prompt-overflow.ts';
import { fromClassification } from '../../src/errors/upstream-error.ts';
import { buildModelIndex, metricRoute, resolveModel } from '../../src/gateway/request/model-resolve.ts';
import { headerValue } from '../../src/gateway/answer/header-value.ts';
import type { Attempt } from '../../src/calls/types.ts';

test('listen addresses parse, and only loopback counts as loopback', () => {
  assert.deepEqual(parseListen('127.0.0.1:4141'), { host: '127.0.0.1', port: 4141 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen('localhost:80'), { host: 'localhost', port: 80 });
  assert.throws(() => parseListen('4141'), /expected HOST:PORT/);
  assert.throws(() => parseListen('h:99999'), /port 99999 is out of range/);
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com']) assert.equal(isLoopback(h), false, h);
});

test('a bind to every interface is printed as a loopback URL a client can connect to, with a note', () => {
  assert.equal(localUrlFor('0.0.0.0', 4141), 'http://127.0.0.1:4141');
  for (const h of ['::', '::0', '0:0:0:0:0:0:0:0']) assert.equal(localUrlFor(h, 4141), 'http://[::1]:4141', h);
  assert.equal(localUrlFor('::1', 80), 'http://[::1]:80');
  assert.equal(localUrlFor('10.0.0.1', 80), 'http://10.0.0.1:80');
  assert.equal(localUrlFor('localhost', 80), 'http://localhost:80');
  assert.equal(
    everyInterfaceNote('0.0.0.0', 8080),
    'bound to every interface (0.0.0.0:8080): other machines that reach this one can call it too',
  );
  assert.match(everyInterfaceNote('::', 8080) ?? '', /^bound to every interface \(\[::\]:8080\)/);
  for (const h of ['127.0.0.1', '::1', '10.0.0.1', 'localhost']) assert.equal(everyInterfaceNote(h, 80), undefined, h);
});

test('client keys: sy- prefix, hashed with sha256, matched in constant time, never stored', () => {
  const key = generateKey();
  assert.match(key, /^sy-[0-9a-f]{40}$/);
  assert.notEqual(generateKey(), key);
  const rec = newKeyRecord(key, 'ci', 1000);
  assert.equal(rec.hash, hashKey(key));
  assert.ok(!JSON.stringify(rec).includes(key.slice(3)), 'the record holds no copy of the key');
  assert.equal(rec.prefix, key.slice(0, 9));
  const entries = [newKeyRecord(generateKey(), 'other'), rec].map((r) => ({
    hash: Buffer.from(r.hash, 'hex'),
    record: r,
  }));
  assert.equal(matchKey(key, entries)?.name, 'ci');
  assert.equal(matchKey(`${key}x`, entries), undefined);
  assert.equal(secretsEqual('admin-secret', 'admin-secret'), true);
  assert.equal(secretsEqual('admin-secret', 'admin-secreT'), false);
  assert.equal(secretsEqual('a', 'a-much-longer-value'), false);
});

test('the presented key comes from Authorization: Bearer or x-api-key', () => {
  assert.equal(presentedKey({ authorization: 'Bearer sy-abc' }), 'sy-abc');
  assert.equal(presentedKey({ authorization: 'bearer   sy-abc ' }), 'sy-abc');
  assert.equal(presentedKey({ 'x-api-key': 'sy-def' }), 'sy-def');
  assert.equal(presentedKey({ authorization: 'Basic xyz' }), undefined);
  assert.equal(presentedKey({}), undefined);
});

test("errors take each API's own shape", () => {
  const err = new ApiError('invalid_request', 'invalid request body: messages is required', { param: 'messages' });
  assert.equal(err.status, 400);
  assert.deepEqual(openaiErrorBody(err), {
    error: { message: err.message, type: 'invalid_request_error', param: 'messages', code: null },
  });
  assert.deepEqual(anthropicErrorBody(err), {
    type: 'error',
    error: { type: 'invalid_request_error', message: err.message },
  });
  const nf = new ApiError('not_found', 'x', { code: 'model_not_found' });
  assert.equal(anthropicErrorBody(nf).error.type, 'not_found_error');
  assert.equal(errorHeaders(new ApiError('unavailable', 'x', { retryAfterSeconds: 2.2 }))['retry-after'], '3');
});

test('failure table: cooling is 503 + Retry-After, upstream auth is 502 (never 401), bad requests are 400', () => {
  const sent: Attempt = {
    route: 'p/m',
    provider: 'p',
    model: 'm',
    credential: {
      fingerprint: 'f',
      masked: 'sk-…1234',
      sources: ['env'],
      from: [{ kind: 'env', where: 'env P_API_KEY' }],
    },
    outcome: 'rate_limited',
    latency_ms: 1,
    wait_ms: 0,
    started_at: 0,
  };
  const skipped: Attempt = {
    route: 'q/m',
    provider: 'q',
    model: 'm',
    outcome: 'skipped',
    latency_ms: 0,
    wait_ms: 0,
    started_at: 0,
  };
  const cooling = failureToApiError(
    { kind: 'all_cooling', message: 'm', retryAfterMs: 30_000, trail: [sent, skipped, sent] },
    false,
  );
  assert.equal(cooling.status, 503);
  assert.equal(errorHeaders(cooling)['retry-after'], '30');
  assert.equal(errorHeaders(cooling)['x-switchyard-attempts'], '2');
  assert.equal(failureToApiError({ kind: 'auth_rejected', message: 'm' }, false).status, 502);
  assert.equal(failureToApiError({ kind: 'auth_missing', message: 'm' }, false).status, 502);
  assert.equal(failureToApiError({ kind: 'bad_request', message: 'm' }, false).status, 400);
  assert.equal(failureToApiError({ kind: 'context_length', message: 'm' }, false).status, 400);
  assert.equal(failureToApiError({ kind: 'timeout', message: 'm' }, false).status, 504);
  assert.equal(failureToApiError({ kind: 'not_found', message: 'm' }, true).status, 404);
  assert.equal(failureToApiError({ kind: 'not_found', message: 'm' }, false).status, 502);
  // A region refusal is filed as not_found (the chain moves on) but is never "model not found" to the client.
  for (const explicit of [true, false]) {
    const region = failureToApiError({ kind: 'not_found', blocked: 'region', message: 'm' }, explicit);
    assert.deepEqual(
      [region.status, region.code, errorHeaders(region)['x-should-retry']],
      [403, 'unsupported_country_region_territory', 'false'],
    );
  }
  // The gateway's own proxy refusing the tunnel: a 502 like any unreachable upstream, which an SDK must not ask again.
  const proxy = failureToApiError({ kind: 'connection', blocked: 'proxy', message: 'm' }, false);
  assert.deepEqual(
    [proxy.status, proxy.code, errorHeaders(proxy)['x-should-retry']],
    [502, 'upstream_proxy_refused', 'false'],
  );
  const overloaded = failureToApiError({ kind: 'overloaded', message: 'm' }, false);
  assert.equal(overloaded.status, 503);
  assert.equal(errorHeaders(overloaded)['retry-after'], '1');
  // What the SDKs should not ask again (the gateway retried already): timeouts (paid per try) and rejected keys.
  assert.equal(errorHeaders(failureToApiError({ kind: 'timeout', message: 'm' }, false))['x-should-retry'], 'false');
  assert.equal(
    errorHeaders(failureToApiError({ kind: 'auth_rejected', message: 'm' }, false))['x-should-retry'],
    'false',
  );
  // …unless the message calls it likely transient (a known-good key rejected): the header may not contradict it.
  const transient = failureToApiError({ kind: 'auth_rejected', message: 'm', likelyTransient: true }, false);
  assert.deepEqual(
    [transient.status, transient.code, errorHeaders(transient)['x-should-retry']],
    [502, 'upstream_auth_failed', undefined],
  );
  assert.equal(errorHeaders(overloaded)['x-should-retry'], undefined);
  assert.equal(
    errorHeaders(failureToApiError({ kind: 'all_cooling', message: 'm' }, false))['x-should-retry'],
    undefined,
  );
});

test('model names resolve to tasks, provider/model, or a listed model (then the main chain)', () => {
  const config = configSchema.parse({
    providers: {
      mimo: { type: 'openai', base_url: 'http://127.0.0.1:1/v1', models: { 'mimo-pro': {} } },
      claude: { type: 'anthropic', base_url: 'http://127.0.0.1:1' },
      router: { type: 'openai', base_url: 'http://127.0.0.1:1/v1', models: { 'vendor/model-x': {} } },
    },
    main: { provider: 'mimo', model: 'mimo-pro' },
    fallback: [{ provider: 'claude', model: 'claude-haiku' }],
    auxiliary: { summarise: { provider: 'claude', model: 'claude-sonnet' } },
  });
  const index = buildModelIndex(config);
  assert.deepEqual(resolveModel(index, 'main'), { task: 'main', explicit: false });
  assert.deepEqual(resolveModel(index, 'title_generation'), { task: 'title_generation', explicit: false });
  assert.deepEqual(resolveModel(index, 'summarise'), { task: 'summarise', explicit: false });
  assert.deepEqual(resolveModel(index, 'claude/anything'), {
    task: 'main',
    route: { provider: 'claude', model: 'anything' },
    explicit: true,
  });
  assert.deepEqual(resolveModel(index, 'claude-haiku'), {
    task: 'main',
    route: { provider: 'claude', model: 'claude-haiku' },
    explicit: true,
  });
  assert.deepEqual(resolveModel(index, 'vendor/model-x'), {
    task: 'main',
    route: { provider: 'router', model: 'vendor/model-x' },
    explicit: true,
  });
  assert.equal(resolveModel(index, 'nope/x'), undefined);
  assert.equal(resolveModel(index, 'gpt-4o'), undefined);
  assert.ok(index.listed.includes('mimo/mimo-pro') && index.listed.includes('claude/claude-sonnet'));
});

test('the route label: a route of the config as is, any other model as <provider>/other', () => {
  const config = configSchema.parse({
    providers: {
      mimo: { type: 'openai', base_url: 'http://127.0.0.1:1/v1', models: { 'mimo-pro': {} } },
      claude: { type: 'anthropic', base_url: 'http://127.0.0.1:1' },
    },
    main: { provider: 'mimo', model: 'mimo-pro' },
    fallback: [{ provider: 'claude', model: 'claude-haiku' }],
    auxiliary: { summarise: { provider: 'auto', model: 'mimo-lite' } },
  });
  const index = buildModelIndex(config);
  for (const known of ['mimo/mimo-pro', 'claude/claude-haiku', 'mimo/mimo-lite'])
    assert.equal(metricRoute(index, known), known);
  assert.equal(metricRoute(index, 'claude/whatever-the-caller-said'), 'claude/other');
  assert.equal(metricRoute(index, 'mimo/a/b'), 'mimo/other');
  assert.ok(!index.listed.includes('mimo/mimo-lite'), '/v1/models lists what it did');
});

test('header values: printable ASCII as is, anything else (and %) percent-encoded as UTF-8', () => {
  assert.equal(headerValue('mimo/mimo-pro'), 'mimo/mimo-pro');
  assert.equal(headerValue('a/b\r\nx: y'), 'a/b%0D%0Ax: y');
  assert.equal(headerValue('a/ü 100%'), 'a/%C3%BC 100%25');
  assert.equal(decodeURIComponent(headerValue('a/模型\u0000%41')), 'a/模型\u0000%41');
});

test("an Anthropic-shaped context-length error leads with Anthropic's wording, numbers from either provider type", () => {
  const openaiWords =
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130001 tokens.";
  const explanation = `oa: the conversation is too long (HTTP 400: ${openaiWords})`;
  // The numbers are read where the upstream's answer is classified, and carried to the ApiError as a value.
  const cause = fromClassification(
    classifyHttp({
      status: 400,
      body: JSON.stringify({ error: { message: openaiWords, code: 'context_length_exceeded' } }),
    }),
    'oa',
  );
  const fromOpenAI = failureToApiError(
    {
      kind: 'context_length',
      message: explanation,
      failures: [{ route: 'oa/m', kind: 'context_length', explanation, cause }],
    },
    false,
  );
  assert.match(
    anthropicErrorBody(fromOpenAI).error.message,
    /^prompt is too long: 130001 tokens > 128000 maximum\. oa: the conversation/,
  );
  assert.equal(openaiErrorBody(fromOpenAI).error.message, fromOpenAI.message, 'the OpenAI shape has its code');
  assert.equal(
    promptTooLong(promptOverflowOf('ant: too long (HTTP 400: prompt is too long: 210118 tokens > 200000 maximum)')),
    'prompt is too long: 210118 tokens > 200000 maximum',
  );
  assert.equal(promptTooLong(promptOverflowOf('no numbers here')), 'prompt is too long');
  const unnumbered = new ApiError('invalid_request', 'the conversation is too long', {
    code: 'context_length_exceeded',
  });
  assert.equal(anthropicErrorBody(unnumbered).error.message, 'prompt is too long. the conversation is too long');
  const other = new ApiError('invalid_request', 'something else', { code: 'upstream_bad_request' });
  assert.equal(anthropicErrorBody(other).error.message, 'something else');
});
