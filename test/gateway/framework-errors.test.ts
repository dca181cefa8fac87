// Requests that fail before any route runs — a path fastify cannot decode, headers node refuses to parse — still get
// an error body the SDKs can read, never fastify's own `{"error":"Bad Request","code":"FST_ERR_…"}`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startHarness, simProvider, type Harness } from './harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { keys: { 'sk-sim-good-fwerr-000001': {} } },
    config: (sim) => ({
      providers: { oa: simProvider(sim, 'openai', 'sk-sim-good-fwerr-000001') },
      main: { provider: 'oa', model: 'sim-large' },
    }),
  });
});
after(() => h.close());

/** One raw HTTP exchange: what node's parser rejects never reaches fetch's sanity checks this way. */
function raw(request: string): Promise<string> {
  const url = new URL(h.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(request));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

test("a path that is not valid percent-encoding is a 400 in the caller's shape", async () => {
  const res = await fetch(`${h.url}/v1/models/%ff`, { headers: { authorization: `Bearer ${h.key}` } });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { type: string; code: string; message: string } };
  assert.equal(body.error.type, 'invalid_request_error');
  assert.equal(body.error.code, 'invalid_url');
  const anthropic = await fetch(`${h.url}/v1/models/%ff`, {
    headers: { 'x-api-key': h.key, 'anthropic-version': '2023-06-01' },
  });
  assert.equal(((await anthropic.json()) as { type: string }).type, 'error');
});

test('headers over the limit are a 431 whose body both SDKs can read', async () => {
  const answer = await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.match(answer, /^HTTP\/1\.1 431 /);
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
    type: string;
    error: { type: string; message: string; code: string };
  };
  assert.equal(body.type, 'error', 'the Anthropic envelope');
  assert.equal(body.error.code, 'headers_too_large', 'the OpenAI error object');
  assert.match(body.error.message, /headers/);
  const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
  assert.match(garbage, /^HTTP\/1\.1 400 /);
  assert.match(garbage, /"code":"malformed_http"/);
});

test('a known path with the wrong method is a 405 naming the allowed methods; an unknown path stays a 404', async () => {
  const res = await fetch(`${h.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${h.key}` } });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'POST');
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'method_not_allowed');
  assert.match(body.error.message, /GET is not allowed on \/v1\/chat\/completions; use POST/);
  const models = await fetch(`${h.url}/v1/models/sim-large`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${h.key}` },
  });
  assert.equal(models.status, 405);
  assert.equal(models.headers.get('allow'), 'GET, HEAD');
  const unknown = await fetch(`${h.url}/v1/nothing`, { headers: { authorization: `Bearer ${h.key}` } });
  assert.equal(unknown.status, 404);
  const line = h.logs.find((l) => l.includes('"path":"/v1/nothing"'));
  assert.match(line ?? '', /"outcome":"unknown_endpoint"/);
});

test('a trailing slash reaches the same endpoint', async () => {
  const res = await fetch(`${h.url}/v1/chat/completions/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200);
  const wrong = await fetch(`${h.url}/v1/chat/completions/`, { headers: { authorization: `Bearer ${h.key}` } });
  assert.equal(wrong.status, 405);
});

test('a compressed body is a 415 saying so; a __proto__ key is dropped, not called invalid JSON', async () => {
  const { gzipSync } = await import('node:zlib');
  const gz = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${h.key}` },
    body: gzipSync(JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] })),
  });
  assert.equal(gz.status, 415);
  assert.match(
    ((await gz.json()) as { error: { message: string } }).error.message,
    /Content-Encoding "gzip" is not supported/,
  );
  const noKey = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: 'x',
  });
  assert.equal(noKey.status, 401, 'the key is checked first');
  const proto = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: '{"model":"main","messages":[{"role":"user","content":"hi"}],"__proto__":{"x":1}}',
  });
  assert.equal(proto.status, 200, 'the key is dropped like any unused field');
});

test('a compressed body (Content-Encoding) is a 415 saying to send it uncompressed, not parsed as text', async () => {
  const body = JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] });
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body,
  });
  assert.equal(res.status, 415);
  const err = ((await res.json()) as { error: { code: string; message: string } }).error;
  assert.equal(err.code, 'unsupported_content_encoding');
  assert.match(err.message, /Content-Encoding "gzip" is not supported: send the request body uncompressed/);
  const plain = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json', 'content-encoding': 'identity' },
    body,
  });
  assert.equal(plain.status, 200);
});
