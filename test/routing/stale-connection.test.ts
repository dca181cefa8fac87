// A stale pooled connection (docs/routing.md, the `resend_fresh` action): a provider that closes an idle keep-alive
// connection just as the next request goes out on it resets that request before any byte of the answer. The request is
// sent again at once on a fresh connection, with no retry spent and neither the key nor the breaker told. A reset on a
// fresh connection, or a second one, is the provider's failure as before. The upstream here drops a connection exactly
// when a request arrives on it, so the race is met every time, over real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/config/mask.ts';
import { startConnectProxy } from '../helpers/connect-proxy.ts';
import { droppingUpstream, pooled, type DroppingUpstream } from '../helpers/dropping-upstream.ts';
import { failure, harness, hello, type Harness } from './helpers.ts';

const KEY = 'sk-stale-connection-0001';

/** A router whose one route is the upstream, with no retries, and a breaker that opens at the first connection
 * failure it hears of: only a resend the breaker is not told of can save a call. */
function routerFor(up: DroppingUpstream, proxy?: string): Promise<Harness> {
  return harness({
    scenario: { keys: {} },
    router: { breaker: { threshold: 1 } },
    config: () => ({
      providers: {
        up: { type: 'openai', base_url: up.baseUrl, api_keys: [KEY], ...(proxy !== undefined ? { proxy } : {}) },
      },
      main: { provider: 'up', model: 'gpt-4o' },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
    }),
  });
}

for (const stream of [false, true])
  test(`a pooled connection reset as the next request goes out${stream ? ' (a stream)' : ''}: sent again on a fresh connection and answered, no retry spent, nothing judged`, async () => {
    await using up = await droppingUpstream();
    await using h = await routerFor(up);
    const first = await h.router.chat({ messages: hello, stream });
    assert.equal(first.status, 'ok');
    if ('events' in first) for await (const _ of first.events);
    await pooled();
    up.drop = 'reused';
    const r = await h.router.chat({ messages: hello, stream });
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    let text = 'response' in r ? r.response.content : '';
    if ('events' in r) for await (const e of r.events) if (e.type === 'text') text += e.text;
    assert.equal(text, 'fresh answer');
    assert.deepEqual(
      r.trail.map((a) => a.outcome),
      ['stale_connection', 'ok'],
    );
    const [stale, ok] = r.trail;
    assert.match(
      stale?.message ?? '',
      /ECONNRESET: the pooled connection was closed as the request went out; sent again on a fresh connection$/,
    );
    assert.equal(stale?.credential?.fingerprint, ok?.credential?.fingerprint, 'the same key');
    assert.equal(ok?.note, 'sent again on a fresh connection');
    assert.deepEqual(
      up.seen.slice(1),
      [
        { reused: true, dropped: true },
        { reused: false, dropped: false },
      ],
      'the request came again on a connection of its own',
    );
    assert.equal(
      h.events.some((e) => e.type === 'retry' || e.type === 'cooldown'),
      false,
      'no retry spent, no key cooled',
    );
    assert.equal(h.store.getHealth(fingerprint(KEY))?.state ?? 'ok', 'ok');
    assert.equal(h.router.breakers.state('up'), 'closed');
  });

test('through a proxy: the tunnel dropped under a reused connection is stale too, and the request goes through a new one', async () => {
  await using up = await droppingUpstream();
  await using proxy = await startConnectProxy();
  await using h = await routerFor(up, proxy.url);
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  await pooled();
  up.drop = 'reused';
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  assert.deepEqual(
    r.trail.map((a) => a.outcome),
    ['stale_connection', 'ok'],
  );
  assert.equal(proxy.connects.length, 2, 'one tunnel for the first two requests, a new one for the request sent again');
});

test('a connection reset on its first request is the provider failing: not sent again', async () => {
  await using up = await droppingUpstream();
  await using h = await routerFor(up);
  up.drop = 'all';
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'connection');
  assert.deepEqual(
    err.trail.map((a) => a.outcome),
    ['connection'],
  );
  assert.deepEqual(up.seen, [{ reused: false, dropped: true }]);
});

test('reset again on the fresh connection: a connection failure as before, sent fresh once per route', async () => {
  await using up = await droppingUpstream();
  await using h = await routerFor(up);
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  await pooled();
  up.drop = 'all';
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'connection');
  assert.deepEqual(
    err.trail.map((a) => a.outcome),
    ['stale_connection', 'connection'],
  );
  assert.deepEqual(
    up.seen.slice(1).map((s) => s.reused),
    [true, false],
  );
});
