// A request while it is still arriving, over a raw socket. `Expect: 100-continue` as curl sends it for large bodies:
// the gateway says "100 Continue" only when it is about to read the body — after the key checks, and never for a
// body over gateway.body_limit — so a caller that will be refused gets the refusal instead, and does not upload a
// body nobody reads. And a caller that leaves before its body has arrived gets its line (499) and leaves no count
// behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startHarness, simProvider, ADMIN_KEY, type Harness } from './harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { latency: '300ms', models: { 'sim-large': {} }, keys: { 'sk-sim-expect-000001': {} } },
    config: (sim) => ({
      providers: { p: simProvider(sim, 'openai', 'sk-sim-expect-000001') },
      main: { provider: 'p', model: 'sim-large' },
      gateway: { body_limit: 4096, max_in_flight_per_key: 1 },
    }),
  });
});
after(() => h.close());

/** A regression would leave a socket waiting for ever (no 100, or no close): fail instead of hanging the suite. */
const LIMIT = { timeout: 10_000 };

async function metricsText(): Promise<string> {
  return (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
}

const BODY = JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hello' }] });

interface Exchange {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves once `pattern` has been received (or the socket closed), with what was received. */
  until(pattern: RegExp): Promise<string>;
  closed: Promise<void>;
}

/** Sends the headers of a chat request that expects 100-continue, and nothing else yet. */
function expectContinue(headers: { key?: string; length?: number } = {}): Exchange {
  const url = new URL(h.url);
  const socket = connect(Number(url.port), url.hostname);
  let text = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    text += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      for (const w of waiters.splice(0)) w();
      resolve();
    }),
  );
  socket.on('error', () => {});
  const lines = [
    'POST /v1/chat/completions HTTP/1.1',
    `Host: ${url.host}`,
    'Content-Type: application/json',
    `Content-Length: ${headers.length ?? Buffer.byteLength(BODY)}`,
    'Expect: 100-continue',
    ...(headers.key !== undefined ? [`Authorization: Bearer ${headers.key}`] : []),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const until = (pattern: RegExp): Promise<string> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (pattern.test(text) || socket.destroyed) resolve(text);
        else waiters.push(check);
      };
      check();
    });
  return { socket, received: () => text, until, closed };
}

test('a caller with a good key gets 100 Continue, sends the body, and is answered', LIMIT, async () => {
  const x = expectContinue({ key: h.key });
  assert.match(await x.until(/^HTTP\/1\.1 100 Continue\r\n\r\n/), /^HTTP\/1\.1 100 Continue/);
  x.socket.write(BODY);
  const text = await x.until(/reply to: hello/);
  assert.match(text, /HTTP\/1\.1 200 OK/);
  x.socket.destroy();
});

test('no key or a wrong one: 401 at once, no 100 Continue, and the connection closes', LIMIT, async () => {
  for (const key of [undefined, 'sy-0000000000000000000000000000000000000000']) {
    const x = expectContinue(key === undefined ? {} : { key });
    await x.closed;
    assert.match(x.received(), /^HTTP\/1\.1 401 /);
    assert.doesNotMatch(x.received(), /100 Continue/);
    assert.match(x.received(), /connection: close/i);
  }
});

test('a Content-Length over gateway.body_limit: 413 without 100 Continue', LIMIT, async () => {
  const x = expectContinue({ key: h.key, length: 100_000 });
  await x.closed;
  assert.match(x.received(), /^HTTP\/1\.1 413 /);
  assert.doesNotMatch(x.received(), /100 Continue/);
});

test('the key already at gateway.max_in_flight_per_key: 429 without 100 Continue', LIMIT, async () => {
  const first = expectContinue({ key: h.key });
  await first.until(/100 Continue/);
  first.socket.write(BODY);
  // The first holds its key's place from its headers on (the upstream then takes 300 ms): the second is refused
  // before its body is asked for.
  const second = expectContinue({ key: h.key });
  await second.closed;
  assert.match(second.received(), /^HTTP\/1\.1 429 /);
  assert.doesNotMatch(second.received(), /100 Continue/);
  assert.match(await first.until(/reply to: hello/), /HTTP\/1\.1 200 OK/);
  first.socket.destroy();
});

test(
  'a caller that leaves while its body is still arriving gets a 499 client_closed line, and the in-flight gauge comes back',
  LIMIT,
  async () => {
    const url = new URL(h.url);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nAuthorization: Bearer ${h.key}\r\n\r\n{"model":"main",`,
    );
    // The headers are in (the key checked, the request counted in flight) before the caller goes.
    for (let i = 0; i < 200 && !/^switchyard_gateway_in_flight_requests 1$/m.test(await metricsText()); i++)
      await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    let line: { status?: number; outcome?: string; key?: string } | undefined;
    for (let i = 0; i < 100 && line === undefined; i++) {
      line = h.logs
        .map((l) => JSON.parse(l) as { status?: number; outcome?: string; key?: string; msg: string })
        .find((l) => l.msg === 'request' && l.status === 499);
      if (line === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual([line?.status, line?.outcome, line?.key], [499, 'client_closed', 'test-client']);
    assert.match(await metricsText(), /^switchyard_gateway_in_flight_requests 0$/m);
  },
);
