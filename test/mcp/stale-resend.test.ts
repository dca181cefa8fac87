// An MCP server's request whose pooled connection the server dropped as it went out (a keep-alive closed while idle)
// is sent again on a fresh connection, through the fetch every MCP transport uses; a drop on a connection's first
// request is the server's failure and is not. The upstream drops by rule (test/helpers/dropping-upstream.ts), not by
// a race.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { resendingStale } from '../../src/mcp/stale-resend.ts';
import { droppingUpstream, pooled } from '../helpers/dropping-upstream.ts';

const post = (body: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body,
});

test('a request on a pooled connection dropped before any answer is sent again on a fresh one', async () => {
  await using up = await droppingUpstream();
  const send = resendingStale(fetch);
  assert.equal((await send(up.baseUrl, post('{"model":"first"}'))).status, 200);
  await pooled();
  up.drop = 'reused';
  const again = await send(up.baseUrl, post('{"model":"second"}'));
  assert.equal(again.status, 200);
  assert.match(await again.text(), /fresh answer/);
  assert.deepEqual(up.seen, [
    { reused: false, dropped: false },
    { reused: true, dropped: true },
    { reused: false, dropped: false },
  ]);
});

test('without it, the same drop fails the request: what the resend covers', async () => {
  await using up = await droppingUpstream();
  assert.equal((await fetch(up.baseUrl, post('{"model":"first"}'))).status, 200);
  await pooled();
  up.drop = 'reused';
  await assert.rejects(fetch(up.baseUrl, post('{"model":"second"}')), TypeError);
});

test("a drop on a connection's first request is not sent again", async () => {
  await using up = await droppingUpstream();
  up.drop = 'all';
  await assert.rejects(resendingStale(fetch)(up.baseUrl, post('{"model":"only"}')), TypeError);
  assert.deepEqual(up.seen, [{ reused: false, dropped: true }]);
});

test('a request on a pooled connection that timed out waiting for its answer is not sent again', async () => {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    // The second is held until its connection closes: a timeout, not a drop. Any after it would be answered.
    if (requests === 2) req.socket.once('close', () => res.destroy());
    else res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // One pool for both, so the second goes out on the first's connection; the wait for its headers is bounded.
  const agent = new Agent({ headersTimeout: 300 });
  const through = (init: RequestInit): RequestInit => ({ ...init, dispatcher: agent }) as RequestInit;
  try {
    const send = resendingStale(fetch);
    assert.equal((await send(url, through(post('{}')))).status, 200);
    await pooled();
    await assert.rejects(send(url, through(post('{}'))), TypeError);
    assert.equal(requests, 2, 'not sent a third time');
  } finally {
    server.closeAllConnections();
    await agent.close();
    await new Promise((r) => server.close(r));
  }
});
