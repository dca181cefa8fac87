// Operations while requests flow: a credential reset through /admin, a config edit (hot reload), an invalid config
// (kept out, logged), and the metrics that tell the story.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from './harness.ts';
import { until } from '../helpers/until.ts';

async function chat(h: Harness, model = 'main'): Promise<{ status: number; route: string | null }> {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
  await res.arrayBuffer();
  return { status: res.status, route: res.headers.get('x-switchyard-route') };
}

/** Runs `worker` in `n` parallel loops until `stop()` is called; returns every status seen. */
function flow(h: Harness, n: number, model = 'main'): { stop(): Promise<{ status: number; route: string | null }[]> } {
  let running = true;
  const results: { status: number; route: string | null }[] = [];
  const loops = Array.from({ length: n }, async () => {
    while (running) results.push(await chat(h, model));
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

const admin = { authorization: `Bearer ${ADMIN_KEY}` };

test('a credential reset through /admin while requests flow: no request fails, the first key is used again', async () => {
  await using h = await startHarness({
    // The first key answers 429 to everything (until the scenario changes below).
    scenario: {
      models: { 'sim-large': {} },
      keys: { 'sk-sim-first-key-00001': { rate_limit_after: 0, reset: '1h' }, 'sk-sim-second-key-0002': {} },
    },
    config: (sim) => ({
      providers: { p: simProvider(sim, 'openai', ['sk-sim-first-key-00001', 'sk-sim-second-key-0002']) },
      main: { provider: 'p', model: 'sim-large' },
      retry: FAST_RETRY,
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
  const load = flow(h, 4);
  await until('the first key to cool', () => h.sim.calls('sk-sim-second-key-0002') >= 5);
  const creds = (await (await fetch(`${h.url}/admin/credentials`, { headers: admin })).json()) as {
    providers: { p: { id: string; state: string; reason: string | null; masked: string }[] };
  };
  const first = creds.providers.p[0];
  assert.equal(first?.state, 'cooling');
  assert.equal(first?.reason, 'rate_limited');
  // The provider recovers (the simulator forgets its rate limit; counts restart at 0); only a reset tells us so.
  h.sim.setScenario({
    models: { 'sim-large': {} },
    keys: { 'sk-sim-first-key-00001': {}, 'sk-sim-second-key-0002': {} },
  });
  const reset = await fetch(`${h.url}/admin/credentials/p/reset`, {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ id: first?.id }),
  });
  assert.equal(reset.status, 200);
  await until('the first key to be used again', () => h.sim.calls('sk-sim-first-key-00001') > 3);
  const results = await load.stop();
  assert.ok(results.length > 10);
  assert.deepEqual(
    results.filter((r) => r.status !== 200),
    [],
    'no request failed',
  );
  const unknown = await fetch(`${h.url}/admin/credentials/nope/reset`, { method: 'POST', headers: admin });
  assert.equal(unknown.status, 404);
});

test('/readyz tells anyone the status; the config path and the store kind only to the admin key', async () => {
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { 'sk-sim-ready-key-00001': {} } },
    config: (sim) => ({
      providers: { p: simProvider(sim, 'openai', 'sk-sim-ready-key-00001') },
      main: { provider: 'p', model: 'sim-large' },
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
  const callers: Record<string, string>[] = [
    {},
    { authorization: `Bearer ${h.key}` },
    { authorization: 'Bearer wrong' },
  ];
  for (const headers of callers) {
    const res = await fetch(`${h.url}/readyz`, { headers });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { status: 'ready', store: { ok: true } }, JSON.stringify(headers));
    assert.ok(!text.includes(h.configPath), 'no path without the admin key');
  }
  const full = (await (await fetch(`${h.url}/readyz`, { headers: admin })).json()) as {
    status: string;
    config: { path: string };
    store: { ok: boolean; kind: string };
  };
  assert.equal(full.status, 'ready');
  assert.equal(full.config.path, h.configPath);
  assert.equal(full.store.kind, h.store.kind);
});

test('a config edit while requests flow applies without a failed request; a bad edit is refused and logged', async () => {
  const config = (sim: string, model: string) => ({
    providers: { p: simProvider(sim, 'openai', 'sk-sim-reload-key-0001') },
    main: { provider: 'p', model },
    retry: FAST_RETRY,
    gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
  });
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {}, 'sim-small': {} }, keys: { 'sk-sim-reload-key-0001': {} } },
    config: (sim) => config(sim, 'sim-large'),
    watch: true,
  });
  const load = flow(h, 4);
  await until('requests to flow', () => h.sim.calls() > 10);
  h.writeConfig(config(h.sim.url, 'sim-small'));
  await until('the new main model to serve', async () => (await chat(h)).route === 'p/sim-small');

  // A broken config keeps the running one, and the log says where the problem is.
  h.writeConfig({ ...config(h.sim.url, 'sim-small'), retry: { max_retries: 'many' } });
  await until('the invalid config to be logged', () => h.logs.some((l) => l.includes('new config is invalid')));
  const line = h.logs.find((l) => l.includes('new config is invalid')) ?? '';
  assert.match(line, /retry\.max_retries/);
  assert.match(line, /switchyard\.yaml:\d+/);
  assert.equal((await chat(h)).route, 'p/sim-small');
  const results = await load.stop();
  assert.deepEqual(
    results.filter((r) => r.status !== 200),
    [],
    'no request failed',
  );

  // The log level applies at once: at warn, a successful request writes no line.
  h.writeConfig({
    ...config(h.sim.url, 'sim-small'),
    gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}', log_level: 'warn' },
  });
  await until('the new log level', () => h.logs.some((l) => l.includes('gateway.log_level is now warn')));
  const linesBefore = h.logs.length;
  assert.equal((await chat(h)).route, 'p/sim-small');
  assert.deepEqual(
    h.logs.slice(linesBefore).filter((l) => l.includes('"path":"/v1/chat/completions"')),
    [],
  );

  // A reload whose admin key names an unset variable says so, as a start does (loopback: the edit is not refused).
  h.writeConfig({
    ...config(h.sim.url, 'sim-small'),
    gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY_UNSET_HERE}', log_level: 'warn' },
  });
  await until('the admin key warning', () =>
    h.logs.some((l) => l.includes('gateway.admin_key: ${SWITCHYARD_ADMIN_KEY_UNSET_HERE} is not set')),
  );
  h.writeConfig({
    ...config(h.sim.url, 'sim-small'),
    gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}', log_level: 'warn' },
  });
  await until('the admin key back', async () => (await fetch(`${h.url}/metrics`, { headers: admin })).status === 200);

  const metrics = await (await fetch(`${h.url}/metrics`, { headers: admin })).text();
  assert.match(metrics, /switchyard_gateway_config_reloads_total\{result="ok"\} [1-9]/);
  assert.match(metrics, /switchyard_gateway_config_reloads_total\{result="invalid"\} [1-9]/);
});

test('an edit that would leave no providers is refused, also when the gateway runs without a main route', async () => {
  const config = (sim: string) => ({
    providers: { p: simProvider(sim, 'openai', 'sk-sim-reload-key-0001') },
    gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
  });
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { 'sk-sim-reload-key-0001': {} } },
    config,
    watch: true,
  });
  const direct = async (): Promise<string | null> => (await chat(h, 'p/sim-large')).route;
  assert.equal(await direct(), 'p/sim-large');
  h.writeConfig({ providers: {}, gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' } });
  await until('the edit to be refused', () => h.logs.some((l) => l.includes('new config is invalid')));
  assert.match(
    h.logs.find((l) => l.includes('new config is invalid')) ?? '',
    /switchyard\.yaml: providers: none left, and the running config has 1: every request would fail/,
  );
  assert.equal(await direct(), 'p/sim-large', 'still serving on the old config');
});

test('an edit turning require_keys off is refused while the gateway listens on an address other machines reach', async () => {
  const config = (sim: string, gateway: Record<string, unknown>) => ({
    providers: { p: simProvider(sim, 'openai', 'sk-sim-reload-key-0001') },
    main: { provider: 'p', model: 'sim-large' },
    gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}', ...gateway },
  });
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { 'sk-sim-reload-key-0001': {} } },
    config: (sim) => config(sim, {}),
    watch: true,
    listen: '0.0.0.0:0',
  });
  const anonymous = async (): Promise<number> =>
    (
      await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      })
    ).status;
  assert.equal(await anonymous(), 401);
  h.writeConfig(config(h.sim.url, { require_keys: false }));
  await until('the edit to be refused', () => h.logs.some((l) => l.includes('new config is invalid')));
  const line = h.logs.find((l) => l.includes('new config is invalid')) ?? '';
  assert.match(
    line,
    /require_keys is false but the gateway would listen on 0\.0\.0\.0 \(the address it is listening on\)/,
  );
  assert.equal(await anonymous(), 401, 'still closed to callers without a key');
  assert.ok(!h.logs.some((l) => l.includes('require_keys is now false')));

  // Losing the admin key (a .env rewritten without the variable) would open /metrics to other machines: refused too.
  const refusedBefore = h.logs.filter((l) => l.includes('new config is invalid')).length;
  const { gateway: _dropped, ...withoutGateway } = config(h.sim.url, {});
  h.writeConfig(withoutGateway);
  await until(
    'the second refusal',
    () => h.logs.filter((l) => l.includes('new config is invalid')).length > refusedBefore,
  );
  assert.match(
    h.logs.filter((l) => l.includes('new config is invalid')).at(-1) ?? '',
    /gateway\.admin_key would no longer be set .* \/metrics would be open to them/,
  );
  assert.equal((await fetch(`${h.url}/metrics`)).status, 401, '/metrics still needs the admin key');
});

test('on loopback, turning require_keys off and on applies at once and is logged each way', async () => {
  const config = (sim: string, gateway: Record<string, unknown>) => ({
    providers: { p: simProvider(sim, 'openai', 'sk-sim-reload-key-0001') },
    main: { provider: 'p', model: 'sim-large' },
    gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}', ...gateway },
  });
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { 'sk-sim-reload-key-0001': {} } },
    config: (sim) => config(sim, {}),
    watch: true,
  });
  const anonymous = async (): Promise<number> =>
    (
      await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      })
    ).status;
  h.writeConfig(config(h.sim.url, { require_keys: false }));
  await until('the warning', () =>
    h.logs.some(
      (l) =>
        l.includes('gateway.require_keys is now false: requests are answered without a client key') &&
        l.includes('"level":40'),
    ),
  );
  assert.equal(await anonymous(), 200);
  // Without a key, only callers on this machine as themselves: not through a proxy, not under another host name.
  for (const headers of [
    { 'x-forwarded-for': '203.0.113.9' },
    { forwarded: 'for=203.0.113.9' },
    { 'x-real-ip': '203.0.113.9' },
    { host: 'rebind.attacker.example:4141' },
  ] as Record<string, string>[]) {
    const r = await rawPost(h.url, '/v1/chat/completions', headers, {
      model: 'main',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.match(
      (JSON.parse(r.body) as { error: { message: string } }).error.message,
      /require_keys is false, which lets in callers on this machine only, and this request (came through a proxy|is addressed to "rebind\.attacker\.example")/,
    );
  }
  assert.equal(
    (
      await rawPost(
        h.url,
        '/v1/chat/completions',
        { host: `localhost:${new URL(h.url).port}` },
        { model: 'main', messages: [{ role: 'user', content: 'hi' }] },
      )
    ).status,
    200,
  );
  h.writeConfig(config(h.sim.url, { require_keys: true }));
  await until('the note', () => h.logs.some((l) => l.includes('gateway.require_keys is now true')));
  assert.equal(await anonymous(), 401);
});

/** A POST with headers fetch will not set (Host). */
function rawPost(
  base: string,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; body: string }> {
  const url = new URL(path, base);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

test('metrics: requests, attempts, rotations, cooldowns, fallbacks, credential states, latency', async () => {
  await using h = await startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: {
        'sk-sim-metrics-rl-0001': { script: ['429'], reset: '1h' },
        'sk-sim-metrics-ok-0002': {},
        'sk-sim-metrics-bad-003': { valid: false },
      },
    },
    config: (sim) => ({
      providers: {
        p: simProvider(sim, 'openai', ['sk-sim-metrics-rl-0001', 'sk-sim-metrics-ok-0002']),
        dead: simProvider(sim, 'openai', 'sk-sim-metrics-bad-003'),
      },
      main: { provider: 'dead', model: 'sim-large' },
      fallback: [{ provider: 'p', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
  // Before any request: every provider's breaker has a series (closed), for a dashboard or an alert to start from.
  const fresh = await (await fetch(`${h.url}/metrics`)).text();
  assert.match(fresh, /switchyard_breaker_open\{provider="p"\} 0/);
  assert.match(fresh, /switchyard_breaker_open\{provider="dead"\} 0/);
  for (let i = 0; i < 3; i++) assert.equal((await chat(h)).status, 200);
  const text = await (await fetch(`${h.url}/metrics`)).text();
  assert.match(text, /switchyard_gateway_requests_total\{api="openai",route="p\/sim-large",outcome="ok"\} 3/);
  assert.match(text, /switchyard_attempts_total\{provider="p",outcome="ok"\} 3/);
  assert.match(text, /switchyard_rotations_total\{provider="p",kind="rate_limited"\} 1/);
  assert.match(text, /switchyard_cooldowns_total\{provider="p",reason="rate_limited"\} 1/);
  assert.match(text, /switchyard_fallbacks_total\{task="main",kind="auth_rejected"\} \d/);
  assert.match(text, /switchyard_credentials\{provider="p",state="rate_limited"\} 1/);
  assert.match(text, /switchyard_credentials\{provider="dead",state="rejected"\} 1/);
  assert.match(text, /switchyard_upstream_latency_seconds_count\{provider="p"\} \d/);
  assert.match(text, /switchyard_gateway_overhead_seconds_count\{api="openai"\} 3/);
  assert.match(text, /switchyard_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1/);
  assert.ok(!text.includes('sk-sim-metrics'), 'no key material in metrics');
});
