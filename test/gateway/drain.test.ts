// Shutdown as a keep-alive client sees it: the answers of requests in flight when draining begins (a success and an
// error alike) finish, and say `Connection: close`, so the client does not send its next request on a connection
// that is about to close. And as `switchyard gateway` does it on SIGTERM: what is still running when the drain time
// is up ends with an error in its own shape, never a cut connection, and has its log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { startHarness, simProvider, FAST_RETRY } from './harness.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('requests in flight when draining begins finish with Connection: close', async () => {
  await using h = await startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        'sk-sim-slow-drain-00001': { latency: '400ms' },
        'sk-sim-slowbad-drain-01': { latency: '400ms', script: ['bad_request'], loop_script: true },
      },
    },
    config: (sim) => ({
      providers: {
        slow: simProvider(sim, 'openai', 'sk-sim-slow-drain-00001'),
        bad: simProvider(sim, 'openai', 'sk-sim-slowbad-drain-01'),
      },
      main: { provider: 'slow', model: 'sim-large' },
      auxiliary: { failing: { provider: 'bad', model: 'sim-large', fallback_to_main: false } },
      retry: FAST_RETRY,
    }),
  });
  const ask = (model: string): Promise<Response> =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  // Before draining, connections are kept alive.
  const before = await ask('main');
  await before.text();
  assert.notEqual(before.headers.get('connection'), 'close');

  const ok = ask('main');
  const failing = ask('failing');
  // Both calls must be in flight (reached the upstream) before draining begins; a fixed pause was not enough on a
  // busy machine (a request not yet received when draining starts is rightly answered 503).
  while (h.sim.calls('sk-sim-slow-drain-00001') < 2 || h.sim.calls('sk-sim-slowbad-drain-01') < 1)
    await new Promise((r) => setTimeout(r, 10));
  const closed = h.gw.close();
  const [okRes, badRes] = await Promise.all([ok, failing]);
  assert.equal(okRes.status, 200);
  assert.equal(okRes.headers.get('connection'), 'close');
  assert.equal(badRes.status, 400);
  assert.equal(badRes.headers.get('connection'), 'close');
  await Promise.all([okRes.text(), badRes.text()]);
  await closed;
});

const STREAM_KEY = 'sk-sim-drain-stream-key-01';
const SLOW_KEY = 'sk-sim-drain-slow-key-0001';
const LONG = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';

/** Opens a request and waits for the first bytes of its answer; the rest is read by `rest()`. */
async function started(
  url: string,
  path: string,
  body: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; rest: () => Promise<string> }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value ?? new Uint8Array());
  return {
    status: res.status,
    rest: async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read())
        text += decoder.decode(r.value, { stream: true });
      return text;
    },
  };
}

function requestLines(stderr: string): { status: number; outcome: string; stream: boolean; path: string }[] {
  return stderr
    .split('\n')
    .filter((l) => l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l) as { status: number; outcome: string; stream: boolean; path: string });
}

test('SIGTERM: what still runs when gateway.drain_timeout is up ends with its own error event or a 503, and every request is logged', async (t) => {
  await using sim = await startSimulator({
    scenario: {
      models: { 'sim-large': {} },
      keys: { [STREAM_KEY]: { stream_delay: '400ms' }, [SLOW_KEY]: { latency: '20s' } },
    },
  });
  using ws = tempWorkspace('switchyard-drain-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: {
        p: simProvider(sim.url, 'openai', STREAM_KEY, { timeout: '60s' }),
        slow: simProvider(sim.url, 'openai', SLOW_KEY, { timeout: '60s' }),
      },
      main: { provider: 'p', model: 'sim-large' },
      gateway: { require_keys: false, drain_timeout: '1s' },
    }),
  );
  const gw = await spawnGateway(t, ['--config', configPath], { SWITCHYARD_HOME: ws.home });
  const chat = await started(gw.url, '/v1/chat/completions', {
    model: 'main',
    stream: true,
    messages: [{ role: 'user', content: LONG }],
  });
  const messages = await started(
    gw.url,
    '/v1/messages',
    { model: 'main', stream: true, max_tokens: 200, messages: [{ role: 'user', content: LONG }] },
    { 'anthropic-version': '2023-06-01' },
  );
  const responses = await started(gw.url, '/v1/responses', { model: 'main', stream: true, input: LONG });
  const whole = fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow/sim-large', messages: [{ role: 'user', content: 'hi' }] }),
  });
  while (sim.calls(SLOW_KEY) === 0) await new Promise((r) => setTimeout(r, 20));

  gw.child.kill('SIGTERM');
  const said =
    'the gateway is shutting down and its drain time (gateway.drain_timeout: 1s) ran out before this answer was complete; send the request again';
  const openai = await chat.rest();
  assert.ok(
    openai.endsWith(
      `data: ${JSON.stringify({ error: { message: said, type: 'server_error', param: null, code: 'gateway_shutting_down' } })}\n\n`,
    ),
    openai.slice(-400),
  );
  assert.doesNotMatch(openai, /\[DONE\]/);
  const anthropic = await messages.rest();
  assert.ok(
    anthropic.endsWith(
      `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: said } })}\n\n`,
    ),
    anthropic.slice(-400),
  );
  assert.doesNotMatch(anthropic, /message_stop/);
  const resp = await responses.rest();
  assert.match(
    resp,
    /event: error\ndata: \{"type":"error","sequence_number":\d+,"code":"gateway_shutting_down","message":"the gateway is shutting down[^"]*","param":null,"error":\{[^\n]*\}\}\n\n$/,
  );
  assert.doesNotMatch(resp, /response\.completed/);
  const res = await whole;
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('connection'), 'close');
  assert.deepEqual(await res.json(), {
    error: { message: said, type: 'server_error', param: null, code: 'gateway_shutting_down' },
  });
  assert.equal(await gw.exited, 0, gw.stderr());

  assert.match(gw.stderr(), /drain time is up: ending 4 requests still running with an error/);
  const lines = requestLines(gw.stderr())
    .map((l) => `${l.path} ${l.status} ${l.outcome}`)
    .sort();
  assert.deepEqual(lines, [
    '/v1/chat/completions 200 stream_gateway_shutting_down',
    '/v1/chat/completions 503 gateway_shutting_down',
    '/v1/messages 200 stream_gateway_shutting_down',
    '/v1/responses 200 stream_gateway_shutting_down',
  ]);
});
