// The Responses API's WebSocket mode (GET /v1/responses upgraded), with the `ws` client over loopback against the
// real gateway and simulator: the key checked before the upgrade, turns that continue with previous_response_id and
// only their new input, Codex's model-less warm-up (`generate: false`), a turn that falls back and is logged and
// metered like an HTTP request, lanes (`stream_id`) side by side, and the connection's time limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from './harness.ts';
import { until } from '../helpers/until.ts';

const GOOD = 'sk-sim-socket-good-0001';
const ANT = 'sk-ant-socket-good-0001';
const BROKEN = 'sk-sim-socket-down-0001';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { keys: { [GOOD]: {}, [ANT]: {}, [BROKEN]: { script: ['500'], loop_script: true } } },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', GOOD),
        ant: simProvider(sim, 'anthropic', ANT),
        down: simProvider(sim, 'openai', BROKEN),
      },
      main: { provider: 'oa', model: 'sim-large' },
      auxiliary: {
        flaky: { provider: 'down', model: 'sim-large', fallback_chain: [{ provider: 'oa', model: 'sim-small' }] },
        claude: { provider: 'ant', model: 'sim-small', fallback_to_main: false },
      },
      gateway: { aliases: { 'gpt-*': 'main' }, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

type Event = Record<string, unknown> & { type: string };

/** A connection that collects every message it is sent. */
async function connect(
  key: string | undefined = h.key,
  url: string = h.url,
): Promise<{ ws: WebSocket; events: Event[] }> {
  const headers: Record<string, string> = { 'OpenAI-Beta': 'responses_websockets=2026-02-06' };
  if (key !== undefined) headers['authorization'] = `Bearer ${key}`;
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/responses`, { headers });
  const events: Event[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, events };
}

/** Sends a turn and waits for its last event (completed, failed or error); returns the turn's events. */
async function turn(c: { ws: WebSocket; events: Event[] }, create: Record<string, unknown>): Promise<Event[]> {
  const from = c.events.length;
  c.ws.send(JSON.stringify({ type: 'response.create', ...create }));
  const ended = (e: Event) =>
    ['response.completed', 'response.failed', 'response.incomplete', 'error'].includes(e.type);
  await until('the turn to end', () => c.events.slice(from).some(ended));
  return c.events.slice(from);
}

const last = (events: Event[]) => events.at(-1)!;
const responseOf = (e: Event) => e['response'] as { id: string; output: { type: string }[]; model: string };

test('an upgrade without a gateway key is refused with the HTTP 401 an HTTP request gets', async () => {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/v1/responses`);
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    ws.once('unexpected-response', (_req, r) => resolve(r));
    ws.once('open', () => reject(new Error('upgraded without a key')));
  });
  let body = '';
  for await (const chunk of res) body += String(chunk);
  assert.equal(res.statusCode, 401);
  const error = (JSON.parse(body) as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'invalid_api_key');
  assert.match(error.message, /missing gateway key/);
  // …and logged as a refused request is.
  const refused = (l: string) => l.includes('"websocket":true') && l.includes('"status":401');
  await until("the refusal's line", () => h.logs.some(refused));
  const line = JSON.parse(h.logs.find(refused)!) as Record<string, unknown>;
  assert.equal(line['status'], 401);
  assert.equal(line['outcome'], 'invalid_api_key');
  assert.equal(line['key'], 'none');
});

test('turns continue with previous_response_id and only their new input; the upstream gets the whole conversation', async () => {
  const c = await connect();
  const first = await turn(c, { model: 'main', input: 'hello there', store: false });
  assert.equal(first[0]!.type, 'response.created');
  assert.equal(last(first).type, 'response.completed');
  assert.ok(first.some((e) => e.type === 'response.output_text.delta'));
  const id = responseOf(last(first)).id;
  const second = await turn(c, {
    model: 'main',
    previous_response_id: id,
    input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'and again' }] }],
  });
  assert.equal(last(second).type, 'response.completed');
  assert.notEqual(responseOf(last(second)).id, id);
  const call = h.sim.log().at(-1)!;
  assert.deepEqual(call.roles, ['user', 'assistant', 'user']);
  c.ws.close();
  // Each turn is a request of its own in the log, named by the client key.
  await until(
    'two turn lines',
    () => h.logs.filter((l) => l.includes('"path":"/v1/responses"') && l.includes('"stream":true')).length >= 2,
  );
});

test('an accepted upgrade is logged once, and each turn’s line says it came over the WebSocket', async () => {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${h.key}`, 'x-request-id': 'socket-lines-1' },
  });
  const events: Event[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const c = { ws, events };
  await turn(c, { model: 'main', input: 'first' });
  await turn(c, { model: 'main', input: 'second' });
  ws.close();
  // Over HTTP, the header a socket turn is marked with does not make a request one.
  await fetch(`${h.url}/v1/responses`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${h.key}`,
      'content-type': 'application/json',
      'x-request-id': 'socket-lines-http',
      'x-switchyard-socket-turn': '1',
    },
    body: JSON.stringify({ model: 'main', input: 'over HTTP' }),
  });
  const lines = (id: string) =>
    h.logs.filter((l) => l.includes(`"req_id":"${id}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
  await until('the turns’ lines', () => lines('socket-lines-1').filter((l) => l['method'] === 'WS').length === 2);
  await until('the HTTP line', () => lines('socket-lines-http').length === 1);
  const mine = lines('socket-lines-1');
  const upgrades = mine.filter((l) => l['method'] === 'GET');
  assert.equal(upgrades.length, 1, 'one line for the upgrade');
  assert.deepEqual(
    [upgrades[0]!['path'], upgrades[0]!['status'], upgrades[0]!['outcome'], upgrades[0]!['websocket']],
    ['/v1/responses', 101, 'upgraded', true],
  );
  assert.equal(upgrades[0]!['key'], 'test-client');
  const turns = mine.filter((l) => l['method'] === 'WS');
  assert.deepEqual(
    turns.map((l) => [l['path'], l['status'], l['outcome'], l['websocket'], l['stream']]),
    [
      ['/v1/responses', 200, 'ok', true, true],
      ['/v1/responses', 200, 'ok', true, true],
    ],
  );
  assert.equal(mine.length, 3);
  const http = lines('socket-lines-http')[0]!;
  assert.deepEqual([http['method'], http['websocket']], ['POST', undefined]);
});

test('a turn with store: false says so and is only continued, never read back; one without it is read back', async () => {
  const c = await connect();
  const get = (id: string) => fetch(`${h.url}/v1/responses/${id}`, { headers: { authorization: `Bearer ${h.key}` } });
  const unstored = responseOf(last(await turn(c, { model: 'main', input: 'not for keeping', store: false })));
  assert.equal((unstored as { store?: boolean }).store, false);
  const missing = await get(unstored.id);
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: { message: string } }).error.message, /made with store: false/);
  const next = await turn(c, { model: 'main', previous_response_id: unstored.id, input: 'go on' });
  assert.equal(last(next).type, 'response.completed', 'continued on the connection all the same');
  const stored = responseOf(next.at(-1)!) as { id: string; store?: boolean };
  assert.equal(stored.store, true);
  assert.equal((await get(stored.id)).status, 200);
  c.ws.close();
});

test("Codex's warm-up (generate: false, no model) answers an id without calling a model, and the next turn continues from it", async () => {
  const c = await connect();
  const calls = h.sim.served();
  const warm = await turn(c, { generate: false, input: [{ role: 'developer', content: 'be brief' }] });
  assert.deepEqual(
    warm.map((e) => e.type),
    ['response.created', 'response.completed'],
  );
  assert.equal(h.sim.served(), calls);
  const next = await turn(c, { model: 'main', previous_response_id: responseOf(last(warm)).id, input: 'hi' });
  assert.equal(last(next).type, 'response.completed');
  assert.deepEqual(h.sim.log().at(-1)!.roles, ['system', 'user']);
  c.ws.close();
});

test('a previous_response_id the gateway has no record of is previous_response_not_found, and the connection goes on', async () => {
  const c = await connect();
  const events = await turn(c, { model: 'main', previous_response_id: 'resp_unknown', input: 'hi' });
  assert.equal(last(events).type, 'error');
  assert.equal(last(events)['status'], 400);
  assert.equal((last(events)['error'] as { code: string }).code, 'previous_response_not_found');
  assert.equal(last(await turn(c, { model: 'main', input: 'hi' })).type, 'response.completed');
  c.ws.close();
});

test('a turn whose route fails falls back like an HTTP request, and its line names the route that answered', async () => {
  const c = await connect();
  const events = await turn(c, { model: 'flaky', input: 'hi' });
  assert.equal(last(events).type, 'response.completed');
  await until("the fallback turn's line", () =>
    h.logs.some((l) => l.includes('"model":"flaky"') && l.includes('"route":"oa/sim-small"')),
  );
  const line = JSON.parse(h.logs.find((l) => l.includes('"model":"flaky"'))!) as { attempts: number; key: string };
  assert.ok(line.attempts >= 2);
  assert.equal(line.key, 'test-client');
  // …and its ledger row, as an HTTP request's.
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  type Row = { model: string; route: string; status: string; client_key: string; input_tokens: number };
  const rows = async () =>
    ((await (await fetch(`${h.url}/admin/usage/requests?limit=50`, { headers: auth })).json()) as { requests: Row[] })
      .requests;
  await until("the turn's ledger row", async () => (await rows()).some((r) => r.model === 'flaky'));
  const row = (await rows()).find((r) => r.model === 'flaky')!;
  assert.equal(row.route, 'oa/sim-small');
  assert.equal(row.status, 'ok');
  assert.equal(row.client_key, 'test-client');
  assert.ok(row.input_tokens > 0);
  c.ws.close();
});

test('a failure before the stream is an error event with the HTTP status, in OpenAI shape', async () => {
  const c = await connect();
  const events = await turn(c, { model: 'no-such-model', input: 'hi' });
  assert.equal(last(events).type, 'error');
  assert.equal(last(events)['status'], 404);
  assert.equal((last(events)['error'] as { code: string }).code, 'model_not_found');
  c.ws.close();
});

test('two lanes (stream_id) run side by side, each event echoing its lane', async () => {
  const c = await connect();
  c.ws.send(JSON.stringify({ type: 'response.create', stream_id: 'a', model: 'main', input: 'one' }));
  c.ws.send(JSON.stringify({ type: 'response.create', stream_id: 'b', model: 'main', input: 'two' }));
  await until('both lanes to complete', () => c.events.filter((e) => e.type === 'response.completed').length === 2);
  for (const lane of ['a', 'b']) {
    const mine = c.events.filter((e) => e['stream_id'] === lane);
    assert.equal(mine[0]!.type, 'response.created');
    assert.equal(last(mine).type, 'response.completed');
  }
  assert.ok(c.events.every((e) => e['stream_id'] === 'a' || e['stream_id'] === 'b'));
  c.ws.close();
});

test('a lane past gateway.responses_websocket.max_streams is too_many_streams, naming the setting', async () => {
  await using one = await startHarness({
    scenario: { keys: { [GOOD]: { latency: '300ms' } } },
    config: (sim) => ({
      gateway: { responses_websocket: { max_streams: 1 } },
      providers: { oa: simProvider(sim, 'openai', GOOD) },
      main: { provider: 'oa', model: 'sim-large' },
    }),
  });
  const c = await connect(one.key, one.url);
  c.ws.send(JSON.stringify({ type: 'response.create', stream_id: 'a', model: 'main', input: 'one' }));
  c.ws.send(JSON.stringify({ type: 'response.create', stream_id: 'b', model: 'main', input: 'two' }));
  await until(
    'the refusal and the first lane to end',
    () => c.events.some((e) => e.type === 'error') && c.events.some((e) => e.type === 'response.completed'),
  );
  const refusal = c.events.find((e) => e.type === 'error')!;
  assert.equal(refusal['stream_id'], 'b');
  assert.equal(refusal['status'], 429);
  const error = refusal['error'] as { code: string; message: string };
  assert.equal(error.code, 'too_many_streams');
  assert.match(error.message, /gateway\.responses_websocket\.max_streams/);
  c.ws.close();
});

test('a message that is not response.create is an error event naming what it was', async () => {
  const c = await connect();
  c.ws.send(JSON.stringify({ type: 'response.steer', input: 'x' }));
  await until('the error event', () => c.events.length === 1);
  assert.equal((c.events[0]!['error'] as { code: string }).code, 'unsupported_event');
  c.ws.close();
});

// Codex's and the Agents SDK's captured WebSockets are replayed by test/clients/replay.test.ts.

test('a connection is closed at its length limit, and a turn sent then is websocket_connection_limit_reached', async () => {
  await using short = await startHarness({
    scenario: { keys: { [GOOD]: {} } },
    config: (sim) => ({
      providers: { oa: simProvider(sim, 'openai', GOOD) },
      main: { provider: 'oa', model: 'sim-large' },
    }),
    responsesSocket: { maxMs: 200 },
  });
  const ws = new WebSocket(`${short.url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${short.key}` },
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise((resolve) => ws.once('open', resolve));
  assert.deepEqual(await closed, { code: 1000, reason: 'connection limit reached' });
});

test('the main route failing mid-conversation: the next turn continues on the fallback with the conversation rebuilt', async () => {
  const MAIN = 'sk-sim-socket-main-0001';
  const SPARE = 'sk-sim-socket-spare-001';
  await using g = await startHarness({
    scenario: { keys: { [MAIN]: {}, [SPARE]: {} } },
    config: (sim) => ({
      providers: { primary: simProvider(sim, 'openai', MAIN), spare: simProvider(sim, 'openai', SPARE) },
      main: { provider: 'primary', model: 'sim-large' },
      fallback: [{ provider: 'spare', model: 'sim-small' }],
      retry: FAST_RETRY,
    }),
  });
  const ws = new WebSocket(`${g.url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${g.key}` },
  });
  const events: Event[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
  await new Promise((resolve) => ws.once('open', resolve));
  const c = { ws, events };
  const first = await turn(c, { model: 'main', input: 'remember the number 7' });
  assert.equal(last(first).type, 'response.completed');
  assert.equal(g.sim.log().at(-1)!.key, MAIN);
  // The main route's key now fails every call.
  g.sim.setScenario({ keys: { [MAIN]: { script: ['500'], loop_script: true }, [SPARE]: {} } });
  const second = await turn(c, {
    model: 'main',
    previous_response_id: responseOf(last(first)).id,
    input: 'which number?',
  });
  assert.equal(last(second).type, 'response.completed', JSON.stringify(last(second)).slice(0, 300));
  const call = g.sim.log().at(-1)!;
  assert.equal(call.key, SPARE);
  assert.deepEqual(call.roles, ['user', 'assistant', 'user']);
  ws.close();
});

test('a connection closed mid-turn cancels the upstream call, and the turn is logged as the caller hanging up', async () => {
  const SLOW = 'sk-sim-socket-slow-0001';
  await using g = await startHarness({
    scenario: { keys: { [SLOW]: { stream_delay: '300ms' } } },
    config: (sim) => ({
      providers: { oa: simProvider(sim, 'openai', SLOW) },
      main: { provider: 'oa', model: 'sim-large' },
    }),
  });
  const ws = new WebSocket(`${g.url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${g.key}` },
  });
  const events: Event[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'response.create', model: 'main', input: 'a long answer please' }));
  await until('the first delta', () => events.some((e) => e.type === 'response.output_text.delta'));
  ws.close();
  const turnLine = (l: string) => l.includes('"method":"WS"');
  await until("the turn's line", () => g.logs.some(turnLine));
  const line = JSON.parse(g.logs.find(turnLine)!) as {
    outcome: string;
    status: number;
  };
  assert.equal(line.outcome, 'client_closed');
  assert.ok(!events.some((e) => e.type === 'response.completed'));
});
