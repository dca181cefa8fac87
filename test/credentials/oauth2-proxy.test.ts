// oauth2 token requests take the proxy the provider's own calls take: its `proxy:` (a real CONNECT proxy on loopback
// in front of the simulator's token endpoint), else the environment's HTTPS_PROXY minus NO_PROXY, read as for the
// base URL; a proxy that refuses the tunnel is said as the proxy's refusal, its password never shown.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startConnectProxy } from '../helpers/connect-proxy.ts';
import { FAST_RETRY, failure, harness, hello, loadedFrom } from '../routing/helpers.ts';
import { closePools } from '../../src/providers/registry.ts';
import { mintedSource, type OAuth2Spec } from '../../src/credentials/minted/spec.ts';

after(closePools);

/** The token endpoint is named `localhost` and the API `127.0.0.1`: the proxy's tunnels tell one from the other. */
const config = (sim: string, proxy: string | undefined): unknown => {
  const port = new URL(sim).port;
  return {
    providers: {
      p: {
        type: 'openai',
        base_url: `http://127.0.0.1:${port}/v1`,
        oauth2: { token_url: `http://localhost:${port}/oauth2/token`, client_id: 'app', client_secret: 's3cret' },
        ...(proxy !== undefined ? { proxy } : {}),
      },
    },
    main: { provider: 'p', model: 'sim-large' },
    retry: FAST_RETRY,
  };
};

test("providers.P.proxy: the token request goes through the provider's proxy, as its API calls do", async (t) => {
  const proxy = await startConnectProxy();
  t.after(() => proxy.close());
  await using h = await harness({
    scenario: { oauth2: { clients: { app: { secret: 's3cret' } } } },
    config: (u) => config(u.anthropic, proxy.url),
  });
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  const port = new URL(h.anthropic).port;
  assert.ok(proxy.connects.includes(`localhost:${port}`), `the token went through it: ${proxy.connects.join(', ')}`);
  assert.ok(proxy.connects.includes(`127.0.0.1:${port}`), 'and the call');
  assert.equal(h.sim.oauth2()['app']!.issued, 1);
});

test("a proxy that refuses the token request's tunnel is named, without its password; nothing is sent", async (t) => {
  const proxy = await startConnectProxy({ user: 'me', password: 'proxy-secret-pw-123' });
  t.after(() => proxy.close());
  const wrong = proxy.url.replace('proxy-secret-pw-123', 'wrong-password-456');
  await using h = await harness({
    scenario: { oauth2: { clients: { app: { secret: 's3cret' } } } },
    config: (u) => config(u.anthropic, wrong),
  });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.kind, 'auth_missing');
  assert.match(
    err.message,
    /the token endpoint http:\/\/localhost:\d+\/oauth2\/token could not be reached through the proxy http:\/\/me:\*\*\*@127\.0\.0\.1:\d+ \(providers\.p\.proxy\) \(the proxy refused the tunnel with HTTP 407/,
  );
  assert.doesNotMatch(JSON.stringify([err.message, err.trail, h.warnings]), /wrong-password-456|s3cret/);
  assert.equal(h.sim.oauth2()['app']?.issued ?? 0, 0);
  assert.equal(h.sim.calls(), 0);
});

test('the environment: HTTPS_PROXY is taken for an https token URL, NO_PROXY and proxy: none leave it out', () => {
  const proxyOf = (env: Record<string, string>, proxy?: string): OAuth2Spec['proxy'] => {
    const loaded = loadedFrom(
      {
        providers: {
          p: {
            type: 'openai',
            base_url: 'https://api.example.com/v1',
            oauth2: { token_url: 'https://login.example.com/oauth2/token', client_id: 'app', client_secret: 'x' },
            ...(proxy !== undefined ? { proxy } : {}),
          },
        },
      },
      { env },
    );
    const spec = mintedSource(loaded, 'p', 'providers.p', loaded.config.providers['p']!)?.spec;
    assert.equal(spec?.kind, 'oauth2');
    return spec?.kind === 'oauth2' ? spec.proxy : undefined;
  };
  assert.deepEqual(proxyOf({ HTTPS_PROXY: 'http://proxy.corp:3128' }), {
    url: 'http://proxy.corp:3128',
    from: 'env HTTPS_PROXY',
    variable: { name: 'HTTPS_PROXY', inDotenv: false },
  });
  assert.equal(proxyOf({ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '.example.com' }), undefined);
  assert.equal(proxyOf({ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'login.example.com' }), undefined);
  assert.equal(proxyOf({ HTTPS_PROXY: 'http://proxy.corp:3128' }, 'none'), undefined);
  assert.equal(
    proxyOf({ HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'api.example.com' })?.from,
    'env HTTPS_PROXY',
  );
  assert.equal(proxyOf({}, 'http://mine:8080')?.from, 'providers.p.proxy');
});
