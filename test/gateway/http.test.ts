// The gateway over raw HTTP: fastify's own errors reshaped per API, body limits, route schemas, health, models,
// mid-stream failures in each stream format, and fields that must not reach the upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import { until, WAIT_MS } from '../helpers/until.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        'sk-sim-good-http-000001': {},
        'sk-ant-sim-good-http-01': {},
        // A pause between frames lets the first deltas leave before the socket is destroyed.
        'sk-sim-cut-http-0000001': { script: ['cut'], loop_script: true, stream_delay: '20ms' },
        'sk-ant-sim-cut-http-001': { script: ['stream_error'], loop_script: true },
        'sk-sim-slow-http-000001': { latency: '5s' },
        // A 500, then (after the retry) an answer that never comes: two requests sent when the caller hangs up.
        'sk-sim-flaky-http-00001': { script: ['500', 'timeout'], loop_script: true },
        'sk-sim-drip-http-000001': { stream_delay: '200ms' },
      },
    },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-good-http-000001', { models: { 'sim-large': {} } }),
        ant: simProvider(sim, 'anthropic', 'sk-ant-sim-good-http-01'),
        oacut: simProvider(sim, 'openai', 'sk-sim-cut-http-0000001'),
        antcut: simProvider(sim, 'anthropic', 'sk-ant-sim-cut-http-001'),
        oaslow: simProvider(sim, 'openai', 'sk-sim-slow-http-000001'),
        oaflaky: simProvider(sim, 'openai', 'sk-sim-flaky-http-00001'),
        oadrip: simProvider(sim, 'openai', 'sk-sim-drip-http-000001'),
      },
      main: { provider: 'oa', model: 'sim-large' },
      fallback: [{ provider: 'ant', model: 'sim-large' }],
      auxiliary: {
        cut_openai: { provider: 'oacut', model: 'sim-large', fallback_to_main: false },
        cut_anthropic: { provider: 'antcut', model: 'sim-large', fallback_to_main: false },
        slow: { provider: 'oaslow', model: 'sim-large', fallback_to_main: false },
        flaky: { provider: 'oaflaky', model: 'sim-large', fallback_to_main: false },
        drip: { provider: 'oadrip', model: 'sim-large', fallback_to_main: false },
      },
      retry: FAST_RETRY,
      gateway: { body_limit: 64 * 1024 },
    }),
  });
});
after(() => h.close());

function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}`, ...headers },
    body,
    ...(signal ? { signal } : {}),
  });
}

async function openaiError(
  res: Response,
): Promise<{ message: string; type: string; param: string | null; code: string | null }> {
  const body = (await res.json()) as {
    error: { message: string; type: string; param: string | null; code: string | null };
  };
  assert.equal(typeof body.error.message, 'string');
  assert.ok('param' in body.error && 'code' in body.error && 'type' in body.error, 'OpenAI error shape');
  return body.error;
}

async function anthropicError(res: Response): Promise<{ type: string; message: string }> {
  const body = (await res.json()) as { type: string; error: { type: string; message: string } };
  assert.equal(body.type, 'error');
  return body.error;
}

test("malformed JSON is a 400 in the caller's shape", async () => {
  const a = await post('/v1/chat/completions', '{"model": "main", "messages": [');
  assert.equal(a.status, 400);
  assert.equal(
    a.headers.get('x-switchyard-attempts'),
    '0',
    'refused before anything was sent: 0, as on every chat answer',
  );
  const ea = await openaiError(a);
  assert.match(ea.message, /not valid JSON/);
  assert.doesNotMatch(ea.message, /not valid JSON.*not valid JSON/, 'says it once');
  // Where it broke, as JSON.parse says it (fastify's own parser drops that).
  assert.match(ea.message, /not valid JSON: it ends before the JSON is complete \(31 characters\)/);
  const c = await post('/v1/chat/completions', '{"model": "main",\n "messages": [{"role": "user" "content": "hi"}]}');
  assert.match((await openaiError(c)).message, /not valid JSON: .*line 2 column 31/);
  // Cut short where JSON.parse still names a place (its end): said as cut short, too.
  assert.match(
    (await openaiError(await post('/v1/chat/completions', '{"model":"main"'))).message,
    /not valid JSON: it ends before the JSON is complete \(15 characters\)/,
  );
  const b = await post('/v1/messages', '{"model": ', { 'x-api-key': h.key, 'anthropic-version': '2023-06-01' });
  assert.equal(b.status, 400);
  assert.equal((await anthropicError(b)).type, 'invalid_request_error');
});

test('a body over gateway.body_limit is a 413 in shape', async () => {
  const big = JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] });
  const a = await post('/v1/chat/completions', big);
  assert.equal(a.status, 413);
  assert.match((await openaiError(a)).message, /gateway\.body_limit: \d+ bytes/);
  const b = await post('/v1/messages', big);
  assert.equal(b.status, 413);
  assert.equal((await anthropicError(b)).type, 'request_too_large');
});

test('an invalid body names the field', async () => {
  const a = await post('/v1/chat/completions', JSON.stringify({ model: 'main' }));
  assert.equal(a.status, 400);
  const ea = await openaiError(a);
  assert.equal(ea.param, 'messages');
  assert.match(ea.message, /messages is required/);
  const b = await post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'main', messages: [{ role: 'wizard', content: 'x' }] }),
  );
  assert.equal(b.status, 400);
  assert.match((await openaiError(b)).message, /messages\[0\]\.role/);
  const c = await post('/v1/messages', JSON.stringify({ messages: [{ role: 'user', content: 'x' }], max_tokens: 5 }));
  assert.equal(c.status, 400);
  assert.match((await anthropicError(c)).message, /model is required/);
  const d = await post('/v1/chat/completions', 'null');
  assert.equal(d.status, 400);
});

test('non-JSON content types and unknown endpoints are answered in shape', async () => {
  const a = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', authorization: `Bearer ${h.key}` },
    body: 'hi',
  });
  assert.equal(a.status, 415);
  await openaiError(a);
  const b = await fetch(`${h.url}/v1/nothing-here`, { headers: { authorization: `Bearer ${h.key}` } });
  assert.equal(b.status, 404);
  await openaiError(b);
});

test('healthz, readyz and models', async () => {
  assert.deepEqual(await (await fetch(`${h.url}/healthz`)).json(), { status: 'ok' });
  const ready = await fetch(`${h.url}/readyz`);
  assert.equal(ready.status, 200);
  const body = (await ready.json()) as { status: string; store: { ok: boolean } };
  assert.equal(body.status, 'ready');
  assert.equal(body.store.ok, true);
  const models = (await (
    await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${h.key}` } })
  ).json()) as { data: { id: string }[] };
  assert.deepEqual(
    models.data.slice(0, 2).map((m) => m.id),
    ['main', 'title_generation'],
  );
  assert.ok(models.data.some((m) => m.id === 'oa/sim-large'));
});

test('HEAD / and GET / answer 200 without a key (Claude Code sends HEAD / before its first request)', async () => {
  const head = await fetch(`${h.url}/`, { method: 'HEAD', headers: { 'anthropic-version': '2023-06-01' } });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  const get = await fetch(`${h.url}/`);
  assert.equal(get.status, 200);
  assert.deepEqual(await get.json(), { status: 'ok' });
  assert.equal((await fetch(`${h.url}/`, { method: 'HEAD', headers: { 'x-api-key': 'sy-not-a-key' } })).status, 200);
});

test('a model no route has is a 404 before anything is sent: x-switchyard-attempts 0, in both shapes', async () => {
  for (const [path, headers] of [
    ['/v1/chat/completions', {}],
    ['/v1/messages', { 'anthropic-version': '2023-06-01' }],
  ] as const) {
    const res = await post(
      path,
      JSON.stringify({ model: 'no-such-model', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      headers,
    );
    assert.equal(res.status, 404, path);
    assert.equal(res.headers.get('x-switchyard-attempts'), '0', path);
    await res.body?.cancel();
  }
});

test('a model the client named that the provider does not have is a 404, not an answer from another model', async () => {
  const fallbackCalls = h.sim.calls('sk-ant-sim-good-http-01');
  const res = await post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'oa/sim-nope', messages: [{ role: 'user', content: 'hi' }] }),
  );
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('x-switchyard-attempts'), '1');
  const err = await openaiError(res);
  assert.equal(err.code, 'model_not_found');
  assert.match(err.message, /sim-nope/);
  assert.equal(h.sim.calls('sk-ant-sim-good-http-01'), fallbackCalls, 'the fallback route was not called');
  // The operator reads in the log what the caller was told.
  const line = h.logs.find((l) => l.includes('"model":"oa/sim-nope"'));
  assert.match(line ?? '', /"outcome":"model_not_found".*"error":"main: oa does not know model/);
});

test('fields that would pick an upstream or a key are ignored', async () => {
  const before = h.sim.calls('sk-sim-good-http-000001');
  const res = await post(
    '/v1/chat/completions',
    JSON.stringify({
      model: 'main',
      base_url: 'http://169.254.169.254/',
      api_key: 'sk-evil',
      api_base: 'http://evil',
      messages: [{ role: 'user', content: 'hi' }],
    }),
  );
  assert.equal(res.status, 200);
  assert.equal(h.sim.calls('sk-sim-good-http-000001'), before + 1);
  assert.equal(h.sim.calls('sk-evil'), 0);
});

test('OpenAI stream cut after the first delta: an error event, and no [DONE]', async () => {
  const res = await post(
    '/v1/chat/completions',
    JSON.stringify({
      model: 'cut_openai',
      stream: true,
      messages: [{ role: 'user', content: 'a fairly long message so the reply has several deltas' }],
    }),
  );
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const text = await res.text();
  const datas = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));
  assert.ok(datas.length >= 2, text);
  const last = JSON.parse(datas.at(-1) ?? '{}') as { error?: { message: string; type: string } };
  assert.ok(last.error, `last frame is an error: ${datas.at(-1)}`);
  assert.ok(!text.includes('[DONE]'), 'a failed stream never ends cleanly');
});

test('Anthropic stream error after the first delta: event: error, and no message_stop', async () => {
  const res = await post(
    '/v1/messages',
    JSON.stringify({
      model: 'cut_anthropic',
      max_tokens: 300,
      stream: true,
      messages: [{ role: 'user', content: 'a fairly long message so the reply has several deltas' }],
    }),
  );
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /event: content_block_delta/);
  assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+_error"/);
  assert.ok(!text.includes('message_stop'), 'a failed stream never ends cleanly');
});

test('a caller that hangs up mid-call is logged once as client_closed (499), counting the requests sent', async () => {
  const cases = [
    // In flight when the caller leaves: the cancelled request counts; no route answered.
    { model: 'slow', key: 'sk-sim-slow-http-000001', stream: false, sent: 1, route: null },
    { model: 'slow', key: 'sk-sim-slow-http-000001', stream: true, sent: 1, route: null },
    { model: 'flaky', key: 'sk-sim-flaky-http-00001', stream: false, sent: 2, route: null },
    { model: 'flaky', key: 'sk-sim-flaky-http-00001', stream: true, sent: 2, route: null },
    // A stream already relayed (the handler is done): the line is written at once, with its route.
    { model: 'drip', key: 'sk-sim-drip-http-000001', stream: true, sent: 1, route: 'oadrip/sim-large' },
  ];
  for (const [i, c] of cases.entries()) {
    const id = `hangup-${i}`;
    const callsBefore = h.sim.calls(c.key);
    const hangUp = new AbortController();
    const body = JSON.stringify({
      model: c.model,
      stream: c.stream,
      messages: [{ role: 'user', content: 'a fairly long message so the reply has several deltas' }],
    });
    const sent = post('/v1/chat/completions', body, { 'x-request-id': id }, hangUp.signal);
    if (c.route === null) {
      // Leave once every request is out (the last one hangs).
      await waitFor(() => (h.sim.calls(c.key) >= callsBefore + c.sent ? true : undefined));
      hangUp.abort();
      await assert.rejects(sent);
    } else {
      const res = await sent;
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      await reader.read();
      hangUp.abort();
      await assert.rejects(reader.read());
    }
    const ofThis = () => h.logs.filter((l) => l.includes(`"req_id":"${id}"`) && l.includes('"msg":"request"'));
    const line = await waitFor(() => ofThis()[0]);
    const fields = JSON.parse(line) as {
      status: number;
      outcome: string;
      level: number;
      attempts: number;
      route: string | null;
      stream: boolean;
    };
    assert.equal(fields.outcome, 'client_closed', line);
    assert.equal(fields.status, 499, line);
    assert.equal(fields.stream, c.stream, line);
    assert.equal(fields.level, 30, 'an ordinary info line');
    assert.equal(fields.attempts, c.sent, `${c.model} stream=${c.stream}: the requests sent: ${line}`);
    assert.equal(fields.route, c.route, line);
    assert.equal(h.sim.calls(c.key), callsBefore + c.sent, 'nothing sent after the hang-up');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(ofThis().length, 1, `one line per request: ${ofThis().join('')}`);
  }
  assert.ok(
    !h.logs.some((l) => l.includes('unexpected gateway error') || l.includes('AbortError')),
    'no error line, no stack',
  );
});

/** The probe's first value; a wait that will never end fails after WAIT_MS (5 s was met at load 30 by a hang-up's
 * log line that did come). */
async function waitFor<T>(probe: () => T | undefined, ms = WAIT_MS): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until)
      throw new Error(`timed out waiting; logs: ${h.logs.filter((l) => l.includes('slow')).join('')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('every answer carries x-request-id, also found in its log line; a sane id from the caller is kept', async () => {
  const ok = await post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'id please' }] }),
  );
  assert.equal(ok.status, 200);
  const id = ok.headers.get('x-request-id');
  assert.match(id ?? '', /^[0-9a-f]{12}-[0-9a-z]+$/);
  const failed = await post('/v1/chat/completions', '{"model":', {});
  const failedId = failed.headers.get('x-request-id');
  assert.ok(failedId && failedId !== id, 'errors carry their own id');
  const unknown = await fetch(`${h.url}/v1/nowhere`, { headers: { authorization: `Bearer ${h.key}` } });
  assert.ok(unknown.headers.get('x-request-id'), 'a 404 carries one too');

  const traced = await post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'traced' }] }),
    { 'x-request-id': 'lb-7f3a:2' },
  );
  assert.equal(traced.headers.get('x-request-id'), 'lb-7f3a:2');
  const hostile = await post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'x' }] }),
    { 'x-request-id': 'a b"c' },
  );
  assert.match(hostile.headers.get('x-request-id') ?? '', /^[0-9a-f]{12}-/, 'an id with spaces or quotes is replaced');

  await waitForLine((l) => l.includes('"req_id":"lb-7f3a:2"'));
  const line = h.logs.find((l) => l.includes(`"req_id":"${id}"`));
  assert.ok(line && /"status":200/.test(line), `the 200 is logged under its id: ${line}`);
  assert.ok(h.logs.some((l) => l.includes(`"req_id":"${failedId}"`) && l.includes('"status":400')));
});

async function waitForLine(match: (line: string) => boolean): Promise<void> {
  await until('the log line to be written', () => h.logs.some(match));
}
