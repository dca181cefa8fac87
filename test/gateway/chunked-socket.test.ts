// A streamed answer's frames are written to the socket with their own chunk framing (gateway/stream/chunked-socket.ts): read
// here as raw bytes from a plain TCP socket, so a chunk size counted in characters rather than bytes, a frame written
// before the reply's head, or a trailer out of place would show. An HTTP/1.0 caller, which has no chunks, gets the
// frames through Node's own reply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { simProvider, startHarness } from './harness.ts';

const KEY = 'sk-sim-chunked-0001';
const WORDS = 'héllo wörld — 日本語 🎉';

/** Sends `head` and `body` on a new connection and reads until the server closes it. */
function rawExchange(url: string, head: string, body: string): Promise<Buffer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const parts: Buffer[] = [];
    socket.on('data', (b: Buffer) => parts.push(b));
    socket.on('close', () => resolve(Buffer.concat(parts)));
    socket.on('error', reject);
    // A reply that never comes fails here rather than hanging the suite.
    socket.setTimeout(10_000, () => socket.destroy(new Error('no reply within 10 s')));
    socket.write(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

function request(version: string, key: string): string {
  return [
    `POST /v1/chat/completions HTTP/${version}`,
    'host: localhost',
    `authorization: Bearer ${key}`,
    'content-type: application/json',
    'connection: close',
  ].join('\r\n');
}

const BODY = JSON.stringify({ model: 'sim-large', stream: true, messages: [{ role: 'user', content: WORDS }] });

/** A chunked body's chunks (each size checked against its bytes) and what follows the last chunk. */
function unchunk(body: Buffer): { data: string; chunks: number; trailer: string } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    assert.ok(eol > at, `a chunk size line at byte ${at}`);
    const size = Number.parseInt(body.subarray(at, eol).toString('latin1'), 16);
    assert.ok(Number.isInteger(size), `a hex chunk size at byte ${at}`);
    at = eol + 2;
    if (size === 0)
      return {
        data: Buffer.concat(parts).toString('utf8'),
        chunks: parts.length,
        trailer: body.subarray(at).toString('latin1'),
      };
    parts.push(body.subarray(at, at + size));
    assert.equal(
      body.subarray(at + size, at + size + 2).toString('latin1'),
      '\r\n',
      `the chunk at byte ${at} ends where its size says`,
    );
    at += size + 2;
  }
}

function headAndBody(raw: Buffer): { head: string; body: Buffer } {
  const end = raw.indexOf('\r\n\r\n');
  return { head: raw.subarray(0, end).toString('latin1'), body: raw.subarray(end + 4) };
}

/** The text the SSE frames carry, and whether they end with [DONE]. */
function streamed(sse: string): { text: string; done: boolean } {
  const frames = sse.split('\n\n').filter((f) => f.startsWith('data: '));
  const text = frames
    .filter((f) => f !== 'data: [DONE]')
    .map((f) => JSON.parse(f.slice(6)) as { choices: { delta: { content?: string } }[] })
    .map((c) => c.choices[0]?.delta.content ?? '')
    .join('');
  return { text, done: frames.at(-1) === 'data: [DONE]' };
}

async function gateway() {
  return startHarness({
    scenario: { keys: { [KEY]: {} } },
    config: (sim) => ({
      providers: { sim: simProvider(sim, 'openai', KEY) },
      main: { provider: 'sim', model: 'sim-large' },
    }),
  });
}

test('a streamed answer is chunked by its bytes, after the head, with the usage trailer last', async () => {
  await using h = await gateway();
  const { head, body } = headAndBody(await rawExchange(h.url, request('1.1', h.key), BODY));
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head, /\r\ntransfer-encoding: chunked/i);
  assert.match(head, /\r\ntrailer: x-switchyard-usage/i);
  const { data, chunks, trailer } = unchunk(body);
  assert.ok(chunks > 3, `one chunk per frame (${chunks})`);
  const { text, done } = streamed(data);
  assert.ok(text.includes(WORDS), `the words whole across chunks: ${text}`);
  assert.ok(done);
  assert.match(trailer, /^x-switchyard-usage: input=\d+; output=\d+;.*\r\n\r\n$/);
});

test('an HTTP/1.0 caller (nginx proxy_pass by default) gets the frames unchunked, without a trailer, ended by the close', async () => {
  await using h = await gateway();
  const { head, body } = headAndBody(await rawExchange(h.url, request('1.0', h.key), BODY));
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.doesNotMatch(head, /transfer-encoding|trailer/i);
  const { text, done } = streamed(body.toString('utf8'));
  assert.ok(text.includes(WORDS), `the words whole: ${text}`);
  assert.ok(done);
});
