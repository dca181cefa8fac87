// The recording proxy the live tier captures fixtures with (test/clients/record.ts), in front of a real gateway and
// the simulator: an HTTP request passes unchanged and is kept with the route that answered it; a WebSocket is relayed
// message by message and kept with every message; a refused upgrade reaches the client as the gateway refused it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startHarness, simProvider, type Harness } from '../gateway/harness.ts';
import { until } from '../helpers/until.ts';
import { startRecorder, type Recorder } from './record.ts';

let h: Harness;
let rec: Recorder;

before(async () => {
  h = await startHarness({
    scenario: { keys: { 'sk-sim-record-0001': {} } },
    config: (sim) => ({
      providers: { up: simProvider(sim, 'openai', 'sk-sim-record-0001') },
      main: { provider: 'up', model: 'sim-large' },
    }),
  });
  rec = await startRecorder({ target: h.url });
});
after(async () => {
  await rec.close();
  await h.close();
});

test('an HTTP request is kept with its key redacted and the route that answered', async () => {
  rec.take();
  const res = await fetch(`${rec.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200);
  await res.text();
  await until('the exchange', () => rec.exchanges.length > 0);
  const [e] = rec.take();
  assert.equal(e?.request.headers['authorization'], 'Bearer <redacted>');
  assert.equal(e?.answered.route, 'up/sim-large');
});

test('a WebSocket is relayed message by message, and kept with every message each way', async () => {
  rec.take();
  const ws = new WebSocket(`${rec.url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${h.key}`, 'OpenAI-Beta': 'responses_websockets=2026-02-06' },
  });
  const events: { type: string }[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as { type: string }));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'response.create', model: 'main', input: 'hi' }));
  await until('the turn to complete', () => events.some((e) => e.type === 'response.completed'));
  ws.close();
  const [e] = rec.take();
  assert.equal(e?.request.method, 'GET');
  assert.equal(e?.answered.status, 101);
  assert.equal(e?.request.headers['openai-beta'], 'responses_websockets=2026-02-06');
  assert.equal(e?.request.headers['authorization'], 'Bearer <redacted>');
  const frames = e?.frames ?? [];
  assert.deepEqual(frames[0], { sent: { type: 'response.create', model: 'main', input: 'hi' } });
  // Every event the client got, in order, kept whole.
  assert.deepEqual(
    frames.slice(1).map((f) => ('answered' in f ? (f.answered as { type: string }).type : 'sent')),
    events.map((ev) => ev.type),
  );
});

test('a refused upgrade reaches the client as the gateway answered it, and is kept with its error', async () => {
  rec.take();
  const ws = new WebSocket(`${rec.url.replace('http', 'ws')}/v1/responses`);
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    ws.once('unexpected-response', (_req, r) => resolve(r));
    ws.once('open', () => reject(new Error('upgraded without a key')));
  });
  let body = '';
  for await (const chunk of res) body += String(chunk);
  assert.equal(res.statusCode, 401);
  assert.match(body, /missing gateway key/);
  await until('the exchange', () => rec.exchanges.some((x) => x.answered.status === 401));
  const [e] = rec.take();
  assert.equal(e?.frames, undefined);
  assert.match(JSON.stringify(e?.answered.error), /missing gateway key/);
});
