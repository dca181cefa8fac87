// Upstream calls through a proxy: `providers.X.proxy` (a real CONNECT proxy on loopback in front of the simulator),
// streaming and not, both provider types, a proxy that asks for a password, a proxy that is down; and which proxy
// the environment picks (HTTPS_PROXY, NO_PROXY, `proxy: none`, loopback), read from the variables as given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseProxy, environmentProxyWarnings, noProxyMatches, proxyProblem } from '../../src/config/proxy.ts';
import { SwitchyardError } from '../../src/routing/errors.ts';
import { startConnectProxy } from '../helpers/connect-proxy.ts';
import { closedPort, FAST_RETRY, harness, hello } from '../routing/helpers.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const KEY = 'sk-proxy-test-0000000001';
const ANT = 'sk-ant-proxy-test-000001';

function simHostPort(url: string): string {
  return new URL(url).host;
}

test('providers.X.proxy: both provider types reach the upstream through the proxy, streaming and not', async () => {
  await using proxy = await startConnectProxy();
  await using h = await harness({
    scenario: { keys: { [KEY]: {}, [ANT]: {} } },
    config: (u) => ({
      providers: {
        oa: { type: 'openai', base_url: u.openai, api_key: KEY, proxy: proxy.url },
        an: { type: 'anthropic', base_url: u.anthropic, api_key: ANT, proxy: proxy.url },
      },
      main: { provider: 'oa', model: 'sim-large' },
    }),
  });
  const answer = await h.router.chat({ messages: hello });
  assert.equal(answer.status, 'ok');
  const viaAnthropic = await h.router.chat({ messages: hello, route: { provider: 'an', model: 'sim-large' } });
  assert.equal(viaAnthropic.status, 'ok');
  const streamed = await h.router.chat({ messages: hello, stream: true });
  assert.equal(streamed.status, 'ok');
  let text = '';
  if (streamed.status === 'ok') for await (const e of streamed.events) if (e.type === 'text') text += e.text;
  assert.match(text, /reply to/);
  assert.ok(proxy.connects.length >= 1, 'the proxy carried the calls');
  assert.ok(
    proxy.connects.every((c) => c === simHostPort(h.openai)),
    `every tunnel went to the simulator: ${proxy.connects.join(', ')}`,
  );
  assert.equal(h.sim.calls(), 3, 'the simulator answered all three');
});

test("a proxy that wants a password: the one in the URL is sent to the proxy, never shown; a wrong one is named as the proxy's refusal, not the key's", async () => {
  await using proxy = await startConnectProxy({ user: 'me', password: 'proxy-secret-pw-123' });
  const wrong = proxy.url.replace('proxy-secret-pw-123', 'wrong-password-456');
  await using h = await harness({
    scenario: { keys: { [KEY]: {} } },
    config: (u) => ({
      providers: {
        good: { type: 'openai', base_url: u.openai, api_key: KEY, proxy: proxy.url },
        bad: { type: 'openai', base_url: u.openai, api_key: KEY, proxy: wrong },
      },
      main: { provider: 'good', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
  assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
  const tunnelsBefore = proxy.connects.length;
  await assert.rejects(
    h.router.chat({ messages: hello, route: { provider: 'bad', model: 'sim-large' } }),
    (err: unknown) => {
      assert.ok(SwitchyardError.isInstance(err));
      assert.equal(err.kind, 'connection');
      assert.equal(err.blocked, 'proxy');
      assert.match(
        err.message,
        /the proxy http:\/\/me:\*\*\*@127\.0\.0\.1:\d+ \(providers\.bad\.proxy\) would not open a tunnel to bad at http:\/\/127\.0\.0\.1:\d+\/v1/,
      );
      assert.match(
        err.message,
        /the proxy refused the tunnel with HTTP 407: it wants a user and password, or refused the ones given/,
      );
      assert.match(err.message, /not retried, as asking again cannot change that, and the key was never sent/);
      assert.match(err.message, /put the proxy's user and password in its URL \(http:\/\/user:password@host:port\)/);
      assert.doesNotMatch(err.message, /wrong-password-456|proxy-secret-pw-123/);
      return true;
    },
  );
  // Asked once: retrying cannot mend a wrong password (max_retries is 2 here).
  assert.equal(proxy.connects.length - tunnelsBefore, 1, 'one tunnel asked for, not retried');
  // Refused again and again, the provider's breaker hears nothing: the provider was never reached.
  for (let i = 0; i < 6; i++)
    await h.router.chat({ messages: hello, route: { provider: 'bad', model: 'sim-large' } }).catch(() => {});
  assert.equal(h.router.breakers.state('bad'), 'closed', 'the proxy refusing is not the provider failing');
  // The key was never judged: the proxy refused before the provider saw anything.
  const [candidate] = h.router.pool.candidates('bad');
  assert.ok(candidate);
  assert.equal(candidate.health.state, 'ok', `key health untouched: ${JSON.stringify(candidate.health)}`);
  assert.equal(candidate.usable, true);
});

test('a proxy that is down: the message names the proxy and where it was set', async () => {
  const port = await closedPort();
  await using h = await harness({
    scenario: { keys: { [KEY]: {} } },
    config: (u) => ({
      providers: { oa: { type: 'openai', base_url: u.openai, api_key: KEY, proxy: `http://127.0.0.1:${port}` } },
      main: { provider: 'oa', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
  await assert.rejects(h.router.chat({ messages: hello }), (err: unknown) => {
    assert.ok(SwitchyardError.isInstance(err));
    assert.match(
      err.message,
      new RegExp(`through the proxy http://127\\.0\\.0\\.1:${port} \\(providers\\.oa\\.proxy\\) \\(.*ECONNREFUSED`),
    );
    assert.match(err.message, /`proxy: none` under providers\.oa sends directly/);
    return true;
  });
  assert.equal(h.sim.calls(), 0);
});

test('the environment: HTTPS_PROXY for https upstreams, HTTP_PROXY for http ones, lower case first, then the .env', () => {
  const env = { HTTPS_PROXY: 'http://corp:3128', http_proxy: 'http://plain:8080', HTTP_PROXY: 'http://upper:8080' };
  assert.deepEqual(chooseProxy('openai', undefined, 'https://api.openai.com/v1', env, {}), {
    url: 'http://corp:3128',
    from: 'env HTTPS_PROXY',
    variable: { name: 'HTTPS_PROXY', inDotenv: false },
  });
  assert.deepEqual(chooseProxy('local', undefined, 'http://models.lan:8000/v1', env, {}), {
    url: 'http://plain:8080',
    from: 'env http_proxy',
    variable: { name: 'http_proxy', inDotenv: false },
  });
  assert.deepEqual(chooseProxy('openai', undefined, 'https://api.openai.com/v1', {}, { https_proxy: 'http://dot:1' }), {
    url: 'http://dot:1',
    from: '.env https_proxy',
    variable: { name: 'https_proxy', inDotenv: true },
  });
  assert.equal(chooseProxy('openai', undefined, 'https://api.openai.com/v1', {}, {}), undefined);
});

test("the provider's proxy: wins over the environment; none ignores it; loopback never takes the environment's", () => {
  const env = { HTTPS_PROXY: 'http://corp:3128', HTTP_PROXY: 'http://corp:3128' };
  assert.deepEqual(chooseProxy('a', 'http://eu-exit:3128', 'https://api.anthropic.com', env, {}), {
    url: 'http://eu-exit:3128',
    from: 'providers.a.proxy',
  });
  assert.equal(chooseProxy('a', 'none', 'https://api.anthropic.com', env, {}), undefined);
  for (const base of ['http://127.0.0.1:8000/v1', 'http://localhost:11434/v1', 'http://[::1]:8000/v1'])
    assert.equal(chooseProxy('local', undefined, base, env, {}), undefined, base);
  // A proxy written for the provider applies even on loopback: the user asked for it.
  assert.deepEqual(chooseProxy('local', 'http://127.0.0.1:3128', 'http://127.0.0.1:8000/v1', {}, {}), {
    url: 'http://127.0.0.1:3128',
    from: 'providers.local.proxy',
  });
});

test('NO_PROXY as curl reads it: hosts and their subdomains, a leading dot or *., a port, or * for all', () => {
  assert.equal(noProxyMatches('example.com', 'api.example.com', 443), true);
  assert.equal(noProxyMatches('.example.com', 'example.com', 443), true);
  assert.equal(noProxyMatches('*.example.com', 'api.example.com', 443), true);
  assert.equal(noProxyMatches('example.com', 'badexample.com', 443), false);
  assert.equal(noProxyMatches('internal:8443, other', 'internal', 8443), true);
  assert.equal(noProxyMatches('internal:8443', 'internal', 443), false);
  assert.equal(noProxyMatches('*', 'anything', 1), true);
  assert.equal(noProxyMatches('', 'anything', 1), false);
  const env = { HTTPS_PROXY: 'http://corp:3128', NO_PROXY: 'azure.internal,.corp.example' };
  assert.equal(chooseProxy('az', undefined, 'https://gpt.azure.internal/openai', env, {}), undefined);
  assert.equal(chooseProxy('o', undefined, 'https://api.openai.com/v1', env, {})?.url, 'http://corp:3128');
});

test('auth test and chat as a user runs them: through the proxy the config names, which auth test says, password never printed', async () => {
  await using proxy = await startConnectProxy({ user: 'me', password: 'proxy-cli-secret-789' });
  await using sim = await startSimulator({ scenario: { keys: { [KEY]: {} } } });
  using ws = tempWorkspace();
  ws.write(
    'switchyard.yaml',
    `providers:
  oa: { type: openai, base_url: ${sim.url}/v1, api_key: ${KEY}, proxy: "${proxy.url}" }
main: { provider: oa, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  const probe = await run(['auth', 'test']);
  assert.equal(probe.code, 0, probe.stdout + probe.stderr);
  assert.match(probe.stdout, /oa\s+\w+\s+sk-…0001\s+config key\s+\d+ms\s+valid/);
  assert.match(probe.stdout, /oa: through the proxy http:\/\/me:\*\*\*@127\.0\.0\.1:\d+ \(providers\.oa\.proxy\)/);
  const chat = await run(['chat', '-m', 'hello']);
  assert.equal(chat.code, 0, chat.stderr);
  assert.match(chat.stdout, /reply to: hello/);
  assert.equal(proxy.connects.length >= 2, true, 'both went through the proxy');
  const shown = await run(['config', 'show', '--explain']);
  assert.match(shown.stdout, /providers\.oa\.proxy\s+http:\/\/me:\*\*\*@127\.0\.0\.1:\d+/);
  assertNoSecrets(['proxy-cli-secret-789']);
});

test('a proxy variable written as curl takes it (host:port) is http://host:port; one that cannot be used is warned about once, if a provider reads it, and ignored', () => {
  assert.deepEqual(chooseProxy('o', undefined, 'https://api.openai.com/v1', { HTTPS_PROXY: 'proxy.corp:3128' }, {}), {
    url: 'http://proxy.corp:3128',
    from: 'env HTTPS_PROXY',
    variable: { name: 'HTTPS_PROXY', inDotenv: false },
  });
  assert.equal(
    chooseProxy('o', undefined, 'https://api.openai.com/v1', { HTTPS_PROXY: 'http://bad:99999' }, {}),
    undefined,
  );
  const providers = { o: { base_url: 'https://api.openai.com/v1' }, local: { base_url: 'http://127.0.0.1:8000/v1' } };
  assert.deepEqual(
    environmentProxyWarnings(providers, { HTTPS_PROXY: 'socks5://eu:1080' }, { https_proxy: 'http://bad:99999' }),
    [
      'env HTTPS_PROXY is not a proxy switchyard can use ("socks5://eu:1080": SOCKS proxies are not supported; use an HTTP proxy (CONNECT)); calls to https providers go directly',
      '.env https_proxy is not a proxy switchyard can use ("http://bad:99999": not a valid URL (a port above 65535, a space, …)); calls to https providers go directly',
    ],
  );
  // Nobody reads HTTP_PROXY here (the only http provider is on loopback), and o has its own proxy: nothing to say.
  assert.deepEqual(
    environmentProxyWarnings(
      { ...providers, o: { base_url: 'https://api.openai.com/v1', proxy: 'none' } },
      { HTTP_PROXY: 'garbage', HTTPS_PROXY: 'garbage' },
      {},
    ),
    [],
  );
});

test('a proxy: that cannot be used says why: no scheme, SOCKS, a bad port, no host', () => {
  assert.equal(proxyProblem('proxy.corp:3128'), 'it has no scheme: write http://proxy.corp:3128');
  assert.equal(proxyProblem('socks5://eu-exit:1080'), 'SOCKS proxies are not supported; use an HTTP proxy (CONNECT)');
  assert.equal(proxyProblem('http://u:pw@proxy.corp:99999'), 'not a valid URL (a port above 65535, a space, …)');
  assert.equal(proxyProblem('ftp://proxy.corp:21'), 'ftp: is not a proxy scheme (http or https)');
  assert.equal(proxyProblem('http://proxy.corp:3128'), undefined);
});

test('config show --explain shows a proxy the environment or the .env gives a provider, with the variable, password masked', async () => {
  using ws = tempWorkspace();
  ws.write(
    'switchyard.yaml',
    `providers:
  oa: { type: openai, base_url: "https://api.example.com/v1", key_env: OA_KEY }
  plain: { type: openai, base_url: "http://models.example:8000/v1", key_env: OA_KEY }
  local: { type: openai, base_url: "http://127.0.0.1:8000/v1", key_env: OA_KEY }
  own: { type: openai, base_url: "https://api.example.com/v1", key_env: OA_KEY, proxy: none }
main: { provider: oa, model: m }
`,
  );
  ws.write('.env', 'HTTP_PROXY=dotenv-proxy.example:8080\n');
  const r = await runCliInProcess(['config', 'show', '--explain'], {
    cwd: ws.dir,
    env: { SWITCHYARD_HOME: ws.home, HTTPS_PROXY: 'http://me:env-proxy-pw-42@corp.example:3128' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /providers\.oa\.proxy\s+http:\/\/me:\*\*\*@corp\.example:3128\s+env HTTPS_PROXY/);
  assert.match(r.stdout, /providers\.plain\.proxy\s+http:\/\/dotenv-proxy\.example:8080\s+\.env/);
  assert.doesNotMatch(r.stdout, /providers\.local\.proxy/);
  assert.match(r.stdout, /providers\.own\.proxy\s+none/);
  assertNoSecrets(['env-proxy-pw-42']);
});
