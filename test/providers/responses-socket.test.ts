// A Responses route's turns over the WebSocket mode (src/providers/openai-responses/socket.ts) against the simulator's: a
// conversation kept on its connection until the connection's age cap (or the upstream's close at its own limit), then
// carried on a new one; and the failures classified as over HTTP (a refused upgrade by its status, an `error` event
// by the status it carries).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import { SocketTurn } from '../../src/providers/openai-responses/socket.ts';
import { SocketPool } from '../../src/providers/openai-responses/socket-pool.ts';
import { responsesStreamHandler } from '../../src/providers/openai-responses/adapter.ts';
import { UpstreamError } from '../../src/errors/upstream-error.ts';
import type { SendContext } from '../../src/providers/types.ts';
import type { Obj } from '../../src/providers/translate/obj.ts';
import { until } from '../helpers/until.ts';

const KEY = 'sk-sim-socket-turns-01';
const sim = await startSimulator({ scenario: { keys: { [KEY]: {}, 'sk-sim-socket-429': { script: ['429'] } } } });
after(() => sim.close());

let clock = 1_000_000;
const pool = new SocketPool({ now: () => clock, maxAgeMs: 60_000 });
after(() => pool.closeAll());

const ctx = (apiKey = KEY): SendContext => ({
  provider: 'ws',
  baseUrl: `${sim.url}/v1`,
  apiKey,
  headers: {},
  timeoutMs: 5_000,
  responsesApi: true,
  responsesWebsocket: true,
});

async function turn(body: Obj, apiKey = KEY): Promise<Obj> {
  const c = ctx(apiKey);
  const t = new SocketTurn(c, { model: 'sim-large', ...body }, responsesStreamHandler(c), pool);
  for await (const _ of t);
  return t.final!;
}

test('a conversation stays on its connection until the age cap, then goes on on a new one', async () => {
  const first = await turn({ input: 'age one' });
  const second = await turn({ input: 'age two', previous_response_id: first['id'] });
  clock += 60_000;
  await turn({ input: 'title?', previous_response_id: second['id'] });
  const connections = sim.log().map((c) => c.websocket);
  assert.equal(connections[0], connections[1], 'the second turn continued the first one’s connection');
  assert.notEqual(connections[2], connections[1], 'past the cap, a new connection');
});

test('a connection the upstream closes at its time limit is forgotten, and the conversation goes on on a new one', async () => {
  await using short = await startSimulator({ scenario: { keys: { [KEY]: {} } }, socketMaxMs: 100 });
  const c: SendContext = { ...ctx(), baseUrl: `${short.url}/v1` };
  const own = new SocketPool();
  after(() => own.closeAll());
  const run = async (body: Obj): Promise<Obj> => {
    const t = new SocketTurn(c, { model: 'sim-large', ...body }, responsesStreamHandler(c), own);
    for await (const _ of t);
    return t.final!;
  };
  const first = await run({ input: 'limit one' });
  await until('the upstream to close the connection', () => own.size() === 0);
  await run({ input: 'title?', previous_response_id: first['id'] });
  const connections = short.log().map((call) => call.websocket);
  assert.equal(connections.length, 2);
  assert.notEqual(connections[0], connections[1]);
});

test('an upgrade refused 401 is an auth failure; an error event is classified by its status', async () => {
  await assert.rejects(turn({ input: 'x' }, 'sk-sim-unknown'), (err: unknown) => {
    assert.ok(UpstreamError.isInstance(err));
    assert.equal(err.kind, 'auth_rejected');
    assert.equal(err.status, 401);
    assert.doesNotMatch(err.message, /sk-sim-unknown/);
    return true;
  });
  await assert.rejects(turn({ input: 'x' }, 'sk-sim-socket-429'), (err: unknown) => {
    assert.ok(UpstreamError.isInstance(err));
    assert.equal(err.kind, 'rate_limited');
    assert.equal(err.midStream, false);
    return true;
  });
});
