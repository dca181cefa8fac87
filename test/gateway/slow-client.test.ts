// A client that trickles its request (a slowloris) cannot hold a connection for ever: past the request timeout the
// gateway answers 408 and closes it, while ordinary callers on other connections are served as usual, and an answer
// that streams for longer than that timeout is not cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startHarness, simProvider, FAST_RETRY } from './harness.ts';

/** Sends the headers and the first bytes of a body it never finishes; resolves with whatever the server answered
 * once it closes the connection (or after `giveUpMs`). */
function trickle(url: string, key: string, giveUpMs: number): Promise<{ answer: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    const drip = setInterval(() => socket.write(' '), 50);
    const done = (closed: boolean): void => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ answer, closed });
    };
    const giveUp = setTimeout(() => done(false), giveUpMs);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => done(true));
    socket.on('error', () => {});
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"model":`,
    );
  });
}

test('a client trickling its body gets 408 and its connection closed at the request timeout; others are served meanwhile, and a longer stream is not cut', async () => {
  await using h = await startHarness({
    scenario: { keys: { 'sk-sim-good-key-0001': {} }, stream_delay: 150 },
    config: (sim) => ({
      providers: { p: simProvider(sim, 'openai', 'sk-sim-good-key-0001') },
      main: { provider: 'p', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
    requestTimeout: { ms: 400, checkEveryMs: 100 },
  });
  const slow = trickle(h.url, h.key, 5_000);
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200, 'an ordinary caller is served while the slow one trickles');
  const { answer, closed } = await slow;
  assert.ok(closed, 'the gateway closed the trickling connection (it did not wait for the body for ever)');
  assert.match(answer, /^HTTP\/1\.1 408 /);
  // The limit is on receiving the request, not on the answer: a stream that lasts longer is not cut.
  const started = Date.now();
  const stream = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'main',
      stream: true,
      messages: [{ role: 'user', content: 'tell me a longer story' }],
    }),
  });
  const text = await stream.text();
  assert.ok(Date.now() - started > 400, `the stream outlived the request timeout (${Date.now() - started} ms)`);
  assert.match(text, /data: \[DONE\]/);
});
