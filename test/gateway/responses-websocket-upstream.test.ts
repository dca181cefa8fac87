// Responses routes against the simulator's own Responses API: over HTTP (`responses_api: true`) and over its
// WebSocket mode (`responses_websocket: true`), with the official `openai` SDK over HTTP and its WebSocket client
// (`ResponsesWS`, through the gateway's own WebSocket mode). A conversation stays on its upstream connection, sending
// only its new input; a refused upgrade rotates the key, a refused connection falls back, and a route failing
// mid-conversation falls back to an Anthropic route with the conversation rebuilt; a connection at its time limit
// (`websocket_connection_limit_reached`) is replaced and the turn sent again on a new one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import { until } from '../helpers/until.ts';
import { freePort } from '../helpers/net.ts';

const WS = 'sk-sim-wsup-good-0001';
const HTTP = 'sk-sim-wsup-http-0001';
const ANT = 'sk-ant-wsup-good-0001';
const FLAKY = 'sk-sim-wsup-flaky-0001';
const CUT = 'sk-sim-wsup-cut-00001';
const UNKNOWN = 'sk-sim-wsup-unknown-01';
const LIMIT = 'sk-sim-wsup-limit-0001';

let h: Harness;

before(async () => {
  const closed = await freePort();
  h = await startHarness({
    scenario: {
      keys: {
        [WS]: {},
        [HTTP]: {},
        [ANT]: {},
        // Two turns answer; the third fails, and so does its retry.
        [FLAKY]: { script: ['ok', 'ok', '500', '500'] },
        [CUT]: { script: ['ok', 'cut', 'cut'] },
        // The second turn meets the connection's time limit (OpenAI's at 60 minutes).
        [LIMIT]: { script: ['ok', 'socket_limit'] },
      },
    },
    config: (sim) => {
      const socket = { responses_api: true, responses_websocket: true };
      return {
        providers: {
          wsoa: simProvider(sim, 'openai', [UNKNOWN, WS], socket),
          httpoa: simProvider(sim, 'openai', HTTP, { responses_api: true }),
          flaky: simProvider(sim, 'openai', FLAKY, socket),
          cutting: simProvider(sim, 'openai', CUT, socket),
          limited: simProvider(sim, 'openai', LIMIT, socket),
          nowhere: { ...simProvider(`http://127.0.0.1:${closed}`, 'openai', WS, socket) },
          ant: simProvider(sim, 'anthropic', ANT),
        },
        main: { provider: 'wsoa', model: 'sim-large' },
        auxiliary: {
          http: { provider: 'httpoa', model: 'sim-large', fallback_to_main: false },
          flaky: {
            provider: 'flaky',
            model: 'sim-large',
            fallback_chain: [{ provider: 'ant', model: 'sim-small' }],
            fallback_to_main: false,
          },
          cutting: {
            provider: 'cutting',
            model: 'sim-large',
            fallback_chain: [{ provider: 'ant', model: 'sim-small' }],
            fallback_to_main: false,
          },
          down: { provider: 'nowhere', model: 'sim-large', fallback_to_main: true },
          limited: {
            provider: 'limited',
            model: 'sim-large',
            fallback_chain: [{ provider: 'ant', model: 'sim-small' }],
            fallback_to_main: false,
          },
        },
        gateway: {
          aliases: {
            'gpt-ws': 'main',
            'gpt-http': 'http',
            'gpt-flaky': 'flaky',
            'gpt-cut': 'cutting',
            'gpt-down': 'down',
            'gpt-limited': 'limited',
          },
        },
        retry: FAST_RETRY,
      };
    },
  });
});
after(() => h.close());

const client = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
const lastCall = () => h.sim.log().at(-1)!;

test('a Responses caller gets the simulator’s own response through a responses_api route over HTTP', async () => {
  const r = await client().responses.create({ model: 'gpt-http', input: 'over http please' });
  assert.equal(r.output_text, '[sim-large] reply to: over http please');
  assert.match(r.id, /^resp_/);
  assert.equal(lastCall().path, '/v1/responses');
  assert.equal(lastCall().websocket, undefined);
  const stream = client().responses.stream({ model: 'gpt-http', input: 'stream over http' });
  for await (const _ of stream);
  assert.equal((await stream.finalResponse()).output_text, '[sim-large] reply to: stream over http');
});

test('a responses_websocket route answers whole and streamed turns over the upstream WebSocket, the key sent as on HTTP', async () => {
  const whole = await client().responses.create({ model: 'gpt-ws', input: 'whole over the socket' });
  assert.equal(whole.output_text, '[sim-large] reply to: whole over the socket');
  const call = lastCall();
  assert.equal(typeof call.websocket, 'number');
  assert.equal(call.key, WS, 'the unknown key was refused at the upgrade and the next one used');
  const stream = client().responses.stream({ model: 'gpt-ws', input: 'streamed over the socket' });
  const types: string[] = [];
  for await (const e of stream) types.push(e.type);
  assert.equal((await stream.finalResponse()).output_text, '[sim-large] reply to: streamed over the socket');
  assert.ok(types.includes('response.output_text.delta'));
  assert.equal(typeof lastCall().websocket, 'number');
});

test('a conversation continues on its upstream connection, and a caller’s full history goes as a delta', async () => {
  const first = await client().responses.create({ model: 'gpt-ws', input: 'socket kiwi' });
  const opened = lastCall().websocket;
  const second = await client().responses.create({ model: 'gpt-ws', previous_response_id: first.id, input: 'title?' });
  assert.equal(second.output_text, 'Sim title: socket kiwi');
  assert.equal(lastCall().websocket, opened, 'the same upstream connection');

  // A caller that sends the whole history each turn: the gateway sends the upstream only what is new.
  const history: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'history one' }];
  const a = await client().responses.create({ model: 'gpt-ws', input: history });
  history.push(...(a.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'history two' });
  const b = await client().responses.create({ model: 'gpt-ws', input: history });
  assert.equal(b.output_text, '[sim-large] reply to: history two');
  assert.ok(lastCall().fields.includes('previous_response_id'), 'the upstream turn continued the connection');
  assert.deepEqual(lastCall().roles, ['user', 'assistant', 'user'], 'and the simulator read the whole conversation');
});

test('the SDK’s WebSocket client, through the gateway’s own WebSocket mode, goes through a responses_websocket route', async () => {
  const socket = new ResponsesWS(client());
  const events: OpenAI.Responses.ResponsesServerEvent[] = [];
  socket.on('event', (e) => events.push(e));
  const turn = async (create: Record<string, unknown>) => {
    const from = events.length;
    socket.send({ type: 'response.create', ...create } as OpenAI.Responses.ResponsesClientEvent);
    const ends = ['response.completed', 'response.failed', 'error'];
    await until('the turn to end', () => events.slice(from).some((e) => ends.includes(e.type)));
    return events.slice(from).find((e) => ends.includes(e.type))!;
  };
  const one = await turn({ model: 'gpt-ws', input: 'gateway socket one' });
  assert.ok(one.type === 'response.completed');
  const two = await turn({ model: 'gpt-ws', previous_response_id: one.response.id, input: 'give a title' });
  assert.ok(two.type === 'response.completed');
  assert.equal(two.response.output_text ?? textOf(two.response), 'Sim title: gateway socket one');
  assert.equal(typeof lastCall().websocket, 'number');
  socket.close();
});

const textOf = (r: OpenAI.Responses.Response): string =>
  r.output
    .flatMap((i) => (i.type === 'message' ? i.content : []))
    .map((p) => (p.type === 'output_text' ? p.text : ''))
    .join('');

test('a responses_websocket route failing mid-conversation falls back to Anthropic with the conversation rebuilt', async () => {
  const first = await client().responses.create({ model: 'gpt-flaky', input: 'flaky first' });
  const second = await client().responses.create({
    model: 'gpt-flaky',
    previous_response_id: first.id,
    input: 'flaky second',
  });
  const { data: third, response } = await client()
    .responses.create({ model: 'gpt-flaky', previous_response_id: second.id, input: 'flaky third' })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-route'), 'ant/sim-small');
  assert.match(response.headers.get('x-switchyard-conversation') ?? '', /^rebuilt; turns=2/);
  assert.equal(third.output_text, '[sim-small] reply to: flaky third');
  const anthropic = lastCall();
  assert.equal(anthropic.api, 'anthropic');
  assert.deepEqual(anthropic.roles, ['user', 'assistant', 'user', 'assistant', 'user']);
  const flaky = h.sim.log().filter((c) => c.key === FLAKY);
  assert.deepEqual(
    flaky.map((c) => [c.outcome, typeof c.websocket]),
    [
      ['ok', 'number'],
      ['ok', 'number'],
      ['server', 'number'],
      ['server', 'number'],
    ],
  );
});

test('a socket the upstream drops mid-turn is a cut a whole answer falls back from', async () => {
  const first = await client().responses.create({ model: 'gpt-cut', input: 'cut first' });
  const final = await client().responses.create({
    model: 'gpt-cut',
    previous_response_id: first.id,
    input: 'cut second',
  });
  assert.equal(final.output_text, '[sim-small] reply to: cut second');
  assert.deepEqual(
    h.sim
      .log()
      .filter((c) => c.key === CUT)
      .map((c) => c.outcome),
    ['ok', 'cut', 'cut'],
    'the cut turn retried once, as over HTTP, then fell back',
  );
});

test('a refused connection to a responses_websocket route falls back like a refused HTTP connection', async () => {
  const { data, response } = await client()
    .responses.create({ model: 'gpt-down', input: 'nobody home' })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-route'), 'wsoa/sim-large');
  assert.equal(data.output_text, '[sim-large] reply to: nobody home');
});

test('a turn refused for the connection’s time limit goes again on a new connection, whole, and is answered', async () => {
  // Codex's way: store: false and the whole history each turn, so the upstream knows the conversation only on the
  // connection that holds it.
  const history: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'limit one' }];
  const a = await client().responses.create({ model: 'gpt-limited', input: history, store: false });
  history.push(...(a.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'limit two' });
  const { data: b, response } = await client()
    .responses.create({ model: 'gpt-limited', input: history, store: false })
    .withResponse();
  assert.equal(b.output_text, '[sim-large] reply to: limit two');
  assert.equal(response.headers.get('x-switchyard-route'), 'limited/sim-large', 'no fallback');
  const calls = h.sim.log().filter((c) => c.key === LIMIT);
  assert.deepEqual(
    calls.map((c) => c.outcome),
    ['ok', 'socket_limit', 'ok'],
  );
  const [first, refused, again] = calls;
  assert.equal(
    refused!.websocket,
    first!.websocket,
    'the refused turn went on the connection holding the conversation',
  );
  assert.ok(refused!.fields.includes('previous_response_id'));
  assert.notEqual(again!.websocket, first!.websocket, 'sent again on a new connection');
  assert.ok(!again!.fields.includes('previous_response_id'), 'with the whole conversation, not the old id');
  assert.deepEqual(again!.roles, ['user', 'assistant', 'user']);
});
