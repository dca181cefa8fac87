// Input a client controls must not grow answers and logs without bound or reach into object prototypes; the
// process metrics carry one prefix.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, ADMIN_KEY, type Harness } from './harness.ts';

let h: Harness;
const UNLISTED = ['free-a', 'free-b', 'free-c', 'free-d'];
/** Served upstream, unfit for a header as they are. */
const UNSAFE = ['free-ü', '模型-%41', 'free-\ud800'];

function chat(model: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
}

async function metricsText(): Promise<string> {
  return (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
}

before(async () => {
  h = await startHarness({
    // Models the upstream serves but the config does not list: a server that takes any model name.
    scenario: {
      keys: { 'sk-sim-good-hostile-0001': {} },
      models: { 'sim-large': {}, ...Object.fromEntries([...UNLISTED, ...UNSAFE].map((m) => [m, {}])) },
    },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-good-hostile-0001'),
        an: simProvider(sim, 'anthropic', 'sk-sim-good-hostile-0001'),
      },
      main: { provider: 'oa', model: 'sim-large' },
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
});
after(() => h.close());

test('a long unknown model name is quoted clipped in the 404 and in the log line', async () => {
  const model = `x${'y'.repeat(500)}`;
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 404);
  const text = await res.text();
  assert.ok(text.length < 2_000, `answer of ${text.length} characters`);
  assert.match(text, /501 characters/);
  const line = h.logs.find((l) => l.includes('"status":404') && l.includes('"path":"/v1/chat/completions"'));
  assert.ok(line && line.length < 2_000, `log line of ${line?.length} characters`);
});

test('a model name over 512 characters is refused before anything is sent, even after a configured provider', async () => {
  const before = h.sim.calls();
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model: `oa/${'y'.repeat(100_000)}`, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 400);
  const text = await res.text();
  assert.ok(text.length < 1_000, `answer of ${text.length} characters`);
  assert.match(text, /"param":"model"/);
  assert.equal(h.sim.calls(), before, 'nothing reached the upstream');
});

test('admin reset of a provider named like an object property is a 404', async () => {
  for (const name of ['__proto__', 'constructor', 'toString']) {
    const res = await fetch(`${h.url}/admin/credentials/${name}/reset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(res.status, 404, name);
  }
});

test('process metrics are switchyard_process_* and switchyard_nodejs_*, with no doubled prefix', async () => {
  const text = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  assert.match(text, /^switchyard_process_cpu_seconds_total /m);
  assert.match(text, /^switchyard_nodejs_heap_size_used_bytes /m);
  assert.doesNotMatch(text, /switchyard_process_process_|switchyard_process_nodejs_/);
});

test('models the config does not know share one route label per provider; the log line keeps the real route', async () => {
  for (const model of [...UNLISTED.map((m) => `oa/${m}`), 'oa/sim-large']) {
    const res = await chat(model, { stream: model.endsWith('-b') });
    assert.equal(res.status, 200, model);
    assert.equal(res.headers.get('x-switchyard-route'), model, 'the caller is told the route that answered');
    await res.text();
  }
  const series = (await metricsText()).split('\n').filter((l) => l.startsWith('switchyard_gateway_requests_total{'));
  const other = series.filter((l) => l.includes('route="oa/other"'));
  assert.equal(other.length, 1, series.join('\n'));
  assert.ok(Number(other[0]?.split(' ')[1]) >= UNLISTED.length, other[0]);
  assert.ok(
    series.some((l) => l.includes('route="oa/sim-large"')),
    'a configured route keeps its own label',
  );
  for (const m of UNLISTED) {
    assert.ok(!series.some((l) => l.includes(m)), `no series names ${m}`);
    assert.ok(
      h.logs.some((l) => l.includes(`"route":"oa/${m}"`)),
      `the log line of oa/${m} names it`,
    );
  }
});

test('a route unfit for a header is sent percent-encoded, and the answer goes out', async () => {
  for (const model of UNSAFE) {
    for (const stream of [false, true]) {
      const res = await chat(`oa/${model}`, { stream });
      assert.equal(res.status, 200, `${model} stream=${stream}: ${await res.clone().text()}`);
      const header = res.headers.get('x-switchyard-route') ?? '';
      assert.match(header, /^[\x20-\x7e]+$/, 'printable ASCII');
      assert.equal(decodeURIComponent(header), `oa/${model.replace('\ud800', '\ufffd')}`);
      await res.text();
    }
  }
});

test('a model name with a control character is a 400 naming the model, before any upstream call', async () => {
  const before = h.sim.calls();
  for (const model of ['oa/sim-large\r\nx-injected: 1', 'sim-large\n', 'main\u0000', 'oa/free-a\u0085']) {
    const res = await chat(model);
    assert.equal(res.status, 400, JSON.stringify(model));
    assert.ok(res.headers.get('x-request-id'), 'the answer is the gateway own, with its request id');
    const body = (await res.json()) as { error: { param: string; code: string; message: string } };
    assert.equal(body.error.param, 'model');
    assert.equal(body.error.code, 'invalid_model');
    assert.match(body.error.message, /control character/);
  }
  const counted = await fetch(`${h.url}/v1/messages/count_tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': h.key, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'main\r\n', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(counted.status, 400);
  assert.equal(h.sim.calls(), before, 'nothing reached the upstream');
});

/** `body` as JSON text with the string "DEEP" replaced by a schema nested `levels` deep (JSON.stringify itself
 * would run out of stack building it). */
function deepBody(body: Record<string, unknown>, levels: number): string {
  const schema = `${'{"type":"object","properties":{"a":'.repeat(levels)}{"type":"string"}${'}}'.repeat(levels)}`;
  return JSON.stringify(body).replace('"DEEP"', schema);
}

test('a schema nested thousands deep is a 400 naming the field, in the caller shape, before any upstream call', async () => {
  const user = [{ role: 'user', content: 'hi' }];
  const cases: { path: string; anthropic?: boolean; body: Record<string, unknown>; field: string }[] = [
    {
      path: '/v1/chat/completions',
      body: {
        model: 'oa/sim-large',
        messages: user,
        tools: [{ type: 'function', function: { name: 'f', parameters: 'DEEP' } }],
      },
      field: 'tools[0].function.parameters',
    },
    {
      path: '/v1/chat/completions',
      body: {
        model: 'oa/sim-large',
        stream: true,
        messages: user,
        tools: [{ type: 'function', function: { name: 'f', parameters: 'DEEP' } }],
      },
      field: 'tools[0].function.parameters',
    },
    {
      path: '/v1/chat/completions',
      body: {
        model: 'an/sim-large',
        messages: user,
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: 'DEEP' } },
      },
      field: 'response_format.json_schema.schema',
    },
    {
      path: '/v1/messages',
      anthropic: true,
      body: {
        model: 'an/sim-large',
        max_tokens: 10,
        messages: user,
        tools: [
          { name: 'f', input_schema: { type: 'object' } },
          { name: 'g', input_schema: 'DEEP' },
        ],
      },
      field: 'tools[1].input_schema',
    },
    {
      path: '/v1/messages/count_tokens',
      anthropic: true,
      body: { model: 'main', messages: user, tools: [{ name: 'f', input_schema: 'DEEP' }] },
      field: 'tools[0].input_schema',
    },
    {
      path: '/v1/responses',
      body: { model: 'main', input: 'hi', tools: [{ type: 'function', name: 'f', parameters: 'DEEP' }] },
      field: 'tools[0].parameters',
    },
    // Deep in a message rather than a schema: it runs out while the request is read, before any route is chosen.
    {
      path: '/v1/messages',
      anthropic: true,
      field: 'messages[1].content[0].input',
      body: {
        model: 'an/sim-large',
        max_tokens: 10,
        tools: [{ name: 'f', input_schema: { type: 'object' } }],
        messages: [
          ...user,
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: 'DEEP' }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
        ],
      },
    },
  ];
  const before = h.sim.calls();
  for (const c of cases) {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${h.key}` };
    if (c.anthropic) headers['anthropic-version'] = '2023-06-01';
    const res = await fetch(`${h.url}${c.path}`, { method: 'POST', headers, body: deepBody(c.body, 50_000) });
    const text = await res.text();
    assert.equal(res.status, 400, `${c.path} ${c.field}: ${text}`);
    const body = JSON.parse(text) as { type?: string; error: { message: string; param?: string } };
    assert.equal(body.type === 'error', c.anthropic === true, `${c.path}: the caller's shape`);
    assert.ok(body.error.message.includes(`${c.field} is nested too deeply`), body.error.message);
    if (!c.anthropic) assert.equal(body.error.param, c.field);
  }
  assert.equal(h.sim.calls(), before, 'nothing reached the upstream');
  // A real schema's depth goes through as usual.
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: deepBody(
      {
        model: 'an/sim-large',
        messages: user,
        tools: [{ type: 'function', function: { name: 'f', parameters: 'DEEP' } }],
      },
      30,
    ),
  });
  assert.equal(res.status, 200, await res.text());
});
