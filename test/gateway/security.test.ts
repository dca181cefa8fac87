// Security: client keys (missing, wrong, revoked), the admin key, /metrics protection, upstream auth failures that
// must not look like a bad gateway key, and a planted secret that must never leave the process (responses, the
// dashboard's data, metrics, logs, and the OpenTelemetry spans an SDK registered for the file exports).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from './harness.ts';
import { installOtel, type TestOtel } from '../telemetry/otel.ts';
import { until } from '../helpers/until.ts';

const PLANTED = 'sk-planted-upstream-secret-Q7w3E9r1T5y2';
const NEVER_VALID = 'sk-never-valid-upstream-Z8x6C4v2B0n1';

let h: Harness;
let otel: TestOtel;
/** Everything any response carried (headers and bodies), for the final scan. */
const seen: string[] = [];

before(async () => {
  otel = installOtel();
  h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { [PLANTED]: {}, [NEVER_VALID]: { valid: false } } },
    config: (sim) => ({
      providers: {
        good: simProvider(sim, 'openai', '${PLANTED_KEY}', { models: { 'sim-large': {} } }),
        bad: simProvider(sim, 'openai', NEVER_VALID),
      },
      main: { provider: 'good', model: 'sim-large' },
      auxiliary: { rejected: { provider: 'bad', model: 'sim-large', fallback_to_main: false } },
      retry: FAST_RETRY,
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
    dotenv: `PLANTED_KEY=${PLANTED}\n`,
  });
});
after(async () => {
  await h.close();
  await otel[Symbol.asyncDispose]();
});

async function call(
  path: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${h.url}${path}`, init);
  const text = await res.text();
  seen.push(text, JSON.stringify([...res.headers.entries()]));
  return { status: res.status, text, headers: res.headers };
}

const chatBody = (model = 'main') => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] });
const chat = (headers: Record<string, string>, model = 'main') =>
  call('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: chatBody(model),
  });

test("no client key → 401 in each API's shape; a valid key via Bearer or x-api-key works", async () => {
  const a = await chat({});
  assert.equal(a.status, 401);
  assert.match(JSON.parse(a.text).error.message, /missing gateway key/);
  const b = await call('/v1/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
  });
  assert.equal(b.status, 401);
  assert.equal(JSON.parse(b.text).error.type, 'authentication_error');
  assert.equal((await chat({ authorization: `Bearer ${h.key}` })).status, 200);
  assert.equal((await chat({ 'x-api-key': h.key })).status, 200);
  assert.equal((await call('/v1/models')).status, 401);
});

test('a revoked key is refused within a second', async () => {
  const key = generateKey();
  h.store.addGatewayKey(newKeyRecord(key, 'to-revoke'));
  assert.equal((await chat({ authorization: `Bearer ${key}` })).status, 200);
  h.store.revokeGatewayKey('to-revoke');
  let status = 200;
  for (let i = 0; i < 30 && status === 200; i++) {
    status = (await chat({ authorization: `Bearer ${key}` })).status;
    if (status === 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 401);
});

test('admin endpoints and /metrics take the admin key, never a client key', async () => {
  for (const path of ['/admin/credentials', '/metrics']) {
    const none = await call(path);
    assert.equal(none.status, 401, path);
    assert.match(JSON.parse(none.text).error.message, /^missing admin key/, path);
    // A working client key is known but not allowed here: 403, saying which key it is (by name).
    const client = await call(path, { headers: { authorization: `Bearer ${h.key}` } });
    assert.equal(client.status, 403, path);
    assert.deepEqual(
      [JSON.parse(client.text).error.type, JSON.parse(client.text).error.code],
      ['permission_error', 'admin_key_required'],
      path,
    );
    assert.match(JSON.parse(client.text).error.message, /client key "[^"]+", which opens \/v1\/\* only/, path);
    // A mistyped admin key is not told that client keys are refused.
    const wrong = await call(path, { headers: { authorization: `Bearer ${ADMIN_KEY}x` } });
    assert.equal(wrong.status, 401, path);
    assert.match(JSON.parse(wrong.text).error.message, /^invalid admin key/, path);
    assert.equal((await call(path, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 200, path);
  }
  const reset = await call('/admin/credentials/good/reset', { method: 'POST', headers: { 'x-api-key': h.key } });
  assert.equal(reset.status, 403);
  const keyNames = h.logs
    .filter((l) => l.includes('"api":"admin"') || l.includes('"path":"/metrics"'))
    .map((l) => (JSON.parse(l) as { key: string }).key);
  for (const name of ['none', 'not-admin', 'invalid'])
    assert.ok(keyNames.includes(name), `the log names a refused admin call "${name}"`);
  // The admin key does not open the client API either way round: it is not a client key.
  assert.equal((await chat({ authorization: `Bearer ${ADMIN_KEY}` })).status, 401);
});

test("each request's log line names what the endpoint is (admin, probe, the chat API); admin errors keep their shape", async () => {
  const adminAuth = { authorization: `Bearer ${ADMIN_KEY}` };
  let n = 0;
  /** Calls `path` with its own request id and returns the response and the request's log line. */
  const traced = async (
    path: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ) => {
    const id = `api-field-${n++}`;
    const res = await call(path, { ...init, headers: { ...init.headers, 'x-request-id': id } });
    // Written when the server sees the response finish, which may come after the client has read it.
    const find = () => h.logs.find((l) => l.includes(`"req_id":"${id}"`) && l.includes('"msg":"request"'));
    await until(`a line for ${path}`, () => find() !== undefined);
    const line = find()!;
    return { ...res, line: JSON.parse(line) as { api: string; level: number; status: number } };
  };

  const refused = await traced('/admin/credentials');
  assert.equal(refused.status, 401);
  assert.equal(refused.line.api, 'admin');
  // The OpenAI error shape, as before: the line's api does not change what the caller is answered in.
  assert.deepEqual(Object.keys(JSON.parse(refused.text).error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(JSON.parse(refused.text).error.code, 'invalid_admin_key');
  const anthropicClient = await traced('/admin/credentials', { headers: { 'anthropic-version': '2023-06-01' } });
  assert.equal(
    JSON.parse(anthropicClient.text).type,
    'error',
    'with anthropic-version, the Anthropic shape, as before',
  );
  assert.equal(anthropicClient.line.api, 'admin');
  for (const [path, method, status] of [
    ['/admin/credentials', 'GET', 200],
    ['/admin/credentials/nope/reset', 'POST', 404],
    ['/admin/nothing-here', 'GET', 404],
  ] as const) {
    const r = await traced(path, { method, headers: adminAuth });
    assert.equal(r.status, status, path);
    assert.equal(r.line.api, 'admin', path);
    if (status !== 200) assert.equal(typeof JSON.parse(r.text).error.message, 'string', `${path}: OpenAI error shape`);
  }
  for (const path of ['/healthz', '/livez', '/readyz', '/metrics', '/healthz/']) {
    const r = await traced(path, { headers: adminAuth });
    assert.equal(r.status, 200, path);
    assert.deepEqual([r.line.api, r.line.level], ['probe', 20], `${path}: a probe, at debug`);
  }
  assert.equal((await traced('/metrics')).line.api, 'probe', 'refused too');

  const openai = await traced('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: chatBody(),
  });
  assert.equal(openai.line.api, 'openai');
  const anthropic = await traced('/v1/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': h.key, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'main', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
  });
  assert.equal(anthropic.line.api, 'anthropic');
  // The metrics' api label is the chat API's, as before (probes and admin calls are not in them).
  const metrics = (await call('/metrics', { headers: adminAuth })).text;
  assert.match(metrics, /switchyard_gateway_requests_total\{api="openai",route="good\/sim-large",outcome="ok"\}/);
  assert.doesNotMatch(metrics, /api="(admin|probe)"/);
});

test('an upstream that rejects its key is a 502 with an explanation, not a 401', async () => {
  const res = await chat({ authorization: `Bearer ${h.key}` }, 'rejected');
  assert.equal(res.status, 502);
  const err = JSON.parse(res.text).error as { message: string; code: string };
  assert.equal(err.code, 'upstream_auth_failed');
  assert.match(err.message, /never been accepted/);
  assert.match(err.message, /…B0n1/);
});

test('every API answers without leaking: the Responses API, token counts, models, failures on each', async () => {
  const auth = { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' };
  const anthropic = { 'x-api-key': h.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' };
  assert.equal(
    (
      await call('/v1/responses', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ model: 'main', input: 'hi' }),
      })
    ).status,
    200,
  );
  assert.equal(
    (
      await call('/v1/responses', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ model: 'main', input: 'hi', stream: true }),
      })
    ).status,
    200,
  );
  assert.equal(
    (
      await call('/v1/responses', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ model: 'rejected', input: 'hi' }),
      })
    ).status,
    502,
  );
  assert.equal(
    (
      await call('/v1/messages', {
        method: 'POST',
        headers: anthropic,
        body: JSON.stringify({ model: 'rejected', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      })
    ).status,
    502,
  );
  assert.equal(
    (
      await call('/v1/messages/count_tokens', {
        method: 'POST',
        headers: anthropic,
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'x' }] }),
      })
    ).status,
    200,
  );
  assert.equal((await call('/v1/models/good%2Fsim-large', { headers: auth })).status, 200);
  assert.equal(
    (await call('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))
      .status,
    401,
  );
});

test('admin credentials are masked; the planted secret appears nowhere (responses, dashboard, metrics, logs, spans)', async () => {
  const creds = await call('/admin/credentials', { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const body = JSON.parse(creds.text) as {
    providers: Record<string, { masked: string; sources: { kind: string }[] }[]>;
  };
  assert.equal(body.providers['good']?.[0]?.masked.endsWith('T5y2'), true);
  await call('/metrics', { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  for (const path of ['/ui', '/ui/api/keys', '/ui/api/tasks', '/ui/api/requests', '/ui/api/usage'])
    assert.equal((await call(path, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status, 200, path);
  const spans = await otel.spans();
  assert.ok(spans.length > 0, 'the chat requests made spans');
  const exported = JSON.stringify(
    spans.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events })),
  );
  const everything = [...seen, ...h.logs, exported].join('\n');
  for (const secret of [PLANTED, NEVER_VALID, ADMIN_KEY, h.key]) {
    assert.ok(!everything.includes(secret), `a full secret (…${secret.slice(-4)}) leaked`);
  }
  // The logs do carry one line per request, naming the client key by name.
  assert.ok(h.logs.some((l) => l.includes('"key":"test-client"') && l.includes('"route":"good/sim-large"')));
});
