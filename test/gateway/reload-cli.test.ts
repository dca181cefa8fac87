// Hot reload of a real gateway process: a `.env` edit applies without a restart (also when the service got the old
// value from systemd's EnvironmentFile=), and SIGHUP with a broken config keeps the old one and logs where it broke.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { CLI, runCliInProcess, assertNoSecrets } from '../helpers/cli.ts';
import { spawnGateway, stopChild } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { HUNG_TEST_MS, SLOW_STEP_MS, until } from '../helpers/until.ts';

const OLD_KEY = 'sk-sim-reload-old-key-7a1c';
const NEW_KEY = 'sk-sim-reload-new-key-3e9d';

const SCENARIO = (oldKeyValid: boolean) => ({
  models: { 'sim-large': {}, 'sim-small': {} },
  keys: { [OLD_KEY]: { valid: oldKeyValid }, [NEW_KEY]: {} },
});

/** `listenFlag: false` starts it without `--listen`, on the config's own `gateway.listen` (a free port). */
async function startGateway(
  t: test.TestContext,
  processEnv: Record<string, string>,
  oldKeyValid = false,
  { listenFlag = true } = {},
) {
  const sim = await startSimulator({ scenario: SCENARIO(oldKeyValid) });
  const ws = tempWorkspace('switchyard-gw-reload-');
  const config = (model: string, gateway: Record<string, unknown> = listenFlag ? {} : { listen: '127.0.0.1:0' }) => ({
    providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: '${SIM_API_KEY}' } },
    main: { provider: 'sim', model },
    ...(Object.keys(gateway).length > 0 ? { gateway } : {}),
  });
  const configPath = ws.write('switchyard.yaml', stringify(config('sim-large')));
  ws.write('.env', `SIM_API_KEY=${OLD_KEY}\n`);
  const env = { PATH: process.env['PATH'] ?? '', HOME: ws.dir, SWITCHYARD_HOME: ws.home, ...processEnv };
  const key = (
    JSON.parse(
      (await runCliInProcess(['gateway', 'keys', 'create', '--json', '--config', configPath], { env })).stdout,
    ) as {
      key: string;
    }
  ).key;
  const child = spawn(
    process.execPath,
    [CLI, 'gateway', ...(listenFlag ? ['--listen', '127.0.0.1:0'] : []), '--config', configPath],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), HUNG_TEST_MS);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(async () => {
    await stopChild(child, exited);
    clearTimeout(killer);
    await sim.close();
    ws.cleanup();
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`gateway exited early: ${stderr}`)));
  });
  const chat = async () => {
    try {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.arrayBuffer();
      return { status: res.status, route: res.headers.get('x-switchyard-route') };
    } catch (err) {
      // fetch says only "other side closed" (a full suite at load 14 met it once): say what the gateway was doing.
      throw new Error(`a chat request failed: ${failureOf(err)}; ${childState(child)}; the gateway's log:\n${stderr}`, {
        cause: err,
      });
    }
  };
  return {
    ws,
    sim,
    child,
    chat,
    config,
    key,
    url,
    logs: () => stderr,
    writeConfig: (c: unknown) => ws.write('switchyard.yaml', typeof c === 'string' ? c : stringify(c)),
  };
}

/** fetch's error and what under it says why ("fetch failed: SocketError: other side closed"). */
function failureOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.name}: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

function childState(child: ChildProcess): string {
  if (child.exitCode !== null) return `the gateway had exited with ${child.exitCode}`;
  if (child.signalCode !== null) return `the gateway had been killed by ${child.signalCode}`;
  return 'the gateway was still running';
}

for (const [name, processEnv] of [
  ['the .env alone', {}],
  ['the old value also in the process environment (systemd EnvironmentFile=)', { SIM_API_KEY: OLD_KEY }],
] as const) {
  test(`a .env edit applies without a restart: ${name}`, async (t) => {
    const g = await startGateway(t, processEnv);
    assert.equal((await g.chat()).status, 502, 'the old key is rejected upstream');
    g.ws.write('.env', `SIM_API_KEY=${NEW_KEY}\n`);
    await until('the new key from .env to serve', async () => (await g.chat()).status === 200, SLOW_STEP_MS);
    assert.ok(g.sim.calls(NEW_KEY) > 0);
    // A variable the process got from this .env follows the file: the old value is not kept as "the
    // environment's", to be tried first (a known-good old key would cost auth retries on every request).
    const oldCalls = g.sim.calls(OLD_KEY);
    assert.equal((await g.chat()).status, 200);
    assert.equal(g.sim.calls(OLD_KEY), oldCalls, 'the old key is not tried again');
    assert.doesNotMatch(g.logs(), /is set in the environment/);
    assertNoSecrets([OLD_KEY, NEW_KEY, g.key], g.logs());
  });
}

test('under systemd (EnvironmentFile= is the .env) a rotated key in .env replaces a known-good old one at once', async (t) => {
  // The old key worked, then was revoked at the provider and replaced in .env. The process environment still holds
  // the old value (systemd set it from the file at start); it must not win over the file, or every request would
  // spend auth retries on the old key, which counts as known-good.
  const g = await startGateway(t, { SIM_API_KEY: OLD_KEY }, true);
  assert.equal((await g.chat()).status, 200);
  g.sim.setScenario(SCENARIO(false));
  g.ws.write('.env', `SIM_API_KEY=${NEW_KEY}\n`);
  await until(
    'the new key from .env to serve',
    async () => (await g.chat()).status === 200 && g.sim.calls(NEW_KEY) > 0,
    SLOW_STEP_MS,
  );
  const oldCalls = g.sim.calls(OLD_KEY);
  assert.equal((await g.chat()).status, 200);
  assert.equal(g.sim.calls(OLD_KEY), oldCalls, 'the old key is not tried again');
  assert.doesNotMatch(g.logs(), /is set in the environment/);
});

test("under systemd, a key taken out of the .env is not used, and the warning says why the process environment's copy is ignored", async (t) => {
  const g = await startGateway(t, { SIM_API_KEY: OLD_KEY }, true);
  assert.equal((await g.chat()).status, 200);
  g.ws.write('.env', '# the key moved elsewhere\n');
  await until('the reload warning', () => /no API key found/.test(g.logs()), SLOW_STEP_MS);
  assert.match(
    g.logs(),
    /providers\.sim\.api_key is \$\{SIM_API_KEY\}, which is set in this process only as the \.env's value at start \(systemd's EnvironmentFile=\), and it follows the \.env, which no longer has it/,
  );
  assert.notEqual((await g.chat()).status, 200, 'the old key is not used');
  assertNoSecrets([OLD_KEY, NEW_KEY, g.key], g.logs());
});

test('SIGHUP with a broken config keeps the old one and logs the located error', async (t) => {
  const g = await startGateway(t, {});
  g.ws.write('.env', `SIM_API_KEY=${NEW_KEY}\n`);
  await until('the new key from .env to serve', async () => (await g.chat()).status === 200, SLOW_STEP_MS);
  g.writeConfig(
    'providers:\n  sim: { type: openai, base_url: http://127.0.0.1:1/v1, api_key: x }\nmain: { provider: sim, model: sim-small }\nretry: { max_retries: lots }\n',
  );
  g.child.kill('SIGHUP');
  await until(
    'the SIGHUP reload to be refused',
    () => /"signal":"SIGHUP"[\s\S]*new config is invalid/.test(g.logs()),
    SLOW_STEP_MS,
  );
  const refused =
    g
      .logs()
      .split('\n')
      .find((l) => l.includes('new config is invalid')) ?? '';
  assert.match(refused, /switchyard\.yaml:4:\d+/);
  assert.match(refused, /retry\.max_retries/);
  assert.deepEqual(await g.chat(), { status: 200, route: 'sim/sim-large' }, 'still serving on the old config');
  // A good config afterwards is taken again.
  g.writeConfig(g.config('sim-small'));
  g.child.kill('SIGHUP');
  await until('the fixed config to serve', async () => (await g.chat()).route === 'sim/sim-small', SLOW_STEP_MS);
});

test('an emptied or truncated config is refused on reload like a syntax error; the old one keeps serving', async (t) => {
  const g = await startGateway(t, {}, true);
  assert.equal((await g.chat()).status, 200);
  const refusals = () =>
    g
      .logs()
      .split('\n')
      .filter((l) => l.includes('new config is invalid; still serving with the previous one'));
  // `: > switchyard.yaml`, or a generator writing with `>` that failed before its first line.
  g.writeConfig('');
  await until('the emptied file to be refused', () => refusals().length >= 1, SLOW_STEP_MS);
  assert.match(refusals()[0]!, /"level":50.*switchyard\.yaml:1:1: the file is empty/);
  assert.deepEqual(await g.chat(), { status: 200, route: 'sim/sim-large' }, 'still serving on the old config');
  // Cut off after the providers: no main route any more.
  g.writeConfig(stringify(g.config('sim-small')).split('main:')[0]!);
  await until('the truncated file to be refused', () => refusals().length >= 2, SLOW_STEP_MS);
  assert.match(refusals()[1]!, /switchyard\.yaml: main: not set, and the running config has one \(sim\/sim-large\)/);
  // Only comments left: as empty as an empty file.
  g.writeConfig('# generated by deploy.sh\n');
  await until('the comment-only file to be refused', () => refusals().length >= 3, SLOW_STEP_MS);
  assert.match(refusals()[2]!, /switchyard\.yaml:1:1: the file is empty/);
  assert.doesNotMatch(g.logs(), /"msg":"config reloaded"/);
  assert.deepEqual(await g.chat(), { status: 200, route: 'sim/sim-large' }, 'still serving on the old config');
  g.writeConfig(g.config('sim-small'));
  await until('a whole config to be taken again', async () => (await g.chat()).route === 'sim/sim-small', SLOW_STEP_MS);
});

test('a reload to thousands of providers is read off the main thread: requests flow meanwhile and the new config applies', async (t) => {
  const g = await startGateway(t, {}, true);
  assert.equal((await g.chat()).status, 200);
  const many = g.config('sim-small') as { providers: Record<string, unknown> };
  for (let i = 0; i < 3000; i++)
    many.providers[`spare${i}`] = {
      type: 'openai',
      base_url: `https://spare${i}.example.com/v1`,
      api_key: '${SIM_API_KEY}',
    };
  g.writeConfig(many);
  const seen: { status: number; route: string | null }[] = [];
  while (!/"msg":"config reloaded"/.test(g.logs())) {
    seen.push(await g.chat());
    assert.ok(seen.length < 10_000, 'the reload never came');
  }
  assert.deepEqual(
    seen.filter((r) => r.status !== 200),
    [],
    'every request during the reload was answered',
  );
  assert.match(g.logs(), /"providers":3001,"msg":"config reloaded"/);
  // Requests were served while the new config was being read (their log lines fall between the two): a load on the
  // main thread would answer none until it ended.
  const during = g.logs().split('config changed; reloading')[1]!.split('"msg":"config reloaded"')[0]!;
  assert.match(during, /"path":"\/v1\/chat\/completions","status":200/);
  assert.deepEqual(await g.chat(), { status: 200, route: 'sim/sim-small' });
});

test('a refused reload is shown by /readyz (when) and /admin/status (when and why) until a good one applies', async (t) => {
  const ADMIN = 'adm-reload-status-admin-key-5c1d';
  const g = await startGateway(t, { SWITCHYARD_ADMIN_KEY: ADMIN }, true);
  type Body = {
    status?: string;
    config?: { last_reload?: { ok: boolean; at: string; serving?: string; error?: string } };
  };
  const get = async (path: string, admin = false): Promise<{ status: number; body: Body }> => {
    const res = await fetch(`${g.url}${path}`, admin ? { headers: { authorization: `Bearer ${ADMIN}` } } : {});
    return { status: res.status, body: (await res.json()) as Body };
  };
  g.writeConfig(g.config('sim-large', { admin_key: '${SWITCHYARD_ADMIN_KEY}' }));
  g.child.kill('SIGHUP');
  await until('the admin key to apply', async () => (await get('/admin/status', true)).status === 200, SLOW_STEP_MS);
  assert.equal((await get('/admin/status', true)).body.config?.last_reload?.ok, true);
  assert.equal((await get('/readyz')).body.config, undefined, 'nothing to say while the last reload applied');

  g.writeConfig(
    'providers:\n  sim: { type: openai, base_url: http://127.0.0.1:1/v1, api_key: x }\nmain: { provider: sim, model: sim-small }\nretry: { max_retries: lots }\n',
  );
  g.child.kill('SIGHUP');
  await until(
    'the reload to be refused',
    async () => (await get('/readyz')).body.config?.last_reload?.ok === false,
    SLOW_STEP_MS,
  );
  const ready = await get('/readyz');
  assert.equal(ready.status, 200, 'still ready: the previous config serves');
  assert.equal(ready.body.status, 'ready');
  assert.match(ready.body.config?.last_reload?.at ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.equal(ready.body.config?.last_reload?.serving, 'the previous config');
  assert.equal(ready.body.config?.last_reload?.error, undefined, 'why (file paths) only with the admin key');
  const status = await get('/admin/status', true);
  assert.match(status.body.config?.last_reload?.error ?? '', /switchyard\.yaml:4:\d+: retry\.max_retries/);
  assert.match((await get('/readyz', true)).body.config?.last_reload?.error ?? '', /retry\.max_retries/);
  assert.deepEqual(await g.chat(), { status: 200, route: 'sim/sim-large' });

  g.writeConfig(g.config('sim-small', { admin_key: '${SWITCHYARD_ADMIN_KEY}' }));
  g.child.kill('SIGHUP');
  await until(
    'the fixed config to apply',
    async () => (await get('/admin/status', true)).body.config?.last_reload?.ok === true,
    SLOW_STEP_MS,
  );
  assert.equal((await get('/readyz')).body.config, undefined);
  assertNoSecrets([ADMIN]);
});

test('a gateway.listen edit warns that it takes effect at the next restart, unless --listen overrides it', async (t) => {
  const [flagged, plain] = await Promise.all([startGateway(t, {}), startGateway(t, {}, false, { listenFlag: false })]);
  for (const g of [flagged, plain]) {
    g.writeConfig(g.config('sim-large', { listen: '127.0.0.1:4999', body_limit: 1048576, state_prefix: 'other:' }));
    await until('the edit to be applied', () => /"msg":"config reloaded"/.test(g.logs()), SLOW_STEP_MS);
    // Restart-only settings the override does not touch still warn.
    assert.match(g.logs(), /gateway\.body_limit changed; it takes effect at the next restart/);
    assert.match(g.logs(), /gateway\.state_prefix changed; it takes effect at the next restart/);
  }
  // With --listen 127.0.0.1:0 the file's gateway.listen never applies, not even after a restart with that command.
  assert.doesNotMatch(flagged.logs(), /gateway\.listen changed; it takes effect/);
  const kept =
    flagged
      .logs()
      .split('\n')
      .find((l) => l.includes('gateway.listen changed')) ?? '';
  assert.match(kept, /"level":30/, 'information, not a warning');
  assert.match(kept, /--listen 127\.0\.0\.1:0 overrides it and stays in force/);
  assert.match(plain.logs(), /"level":40[^\n]*gateway\.listen changed; it takes effect at the next restart/);
});

test('the ./switchyard.yaml it started with removed: the reload says so as it is, no --config and no `config init`, and it keeps serving', async (t) => {
  await using sim = await startSimulator({ scenario: SCENARIO(true) });
  using ws = tempWorkspace('switchyard-gw-gone-');
  const text = stringify({
    providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: OLD_KEY } },
    main: { provider: 'sim', model: 'sim-large' },
    gateway: { require_keys: false },
  });
  const configPath = ws.write('switchyard.yaml', text);
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home };
  // Found in the current directory (no --config): a gateway runs on such a file once it is trusted.
  assert.equal((await runCliInProcess(['config', 'trust'], { cwd: ws.dir, env })).code, 0);
  await using g = await spawnGateway(t, [], env, ws.dir);
  const chat = async () => {
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.arrayBuffer();
    return res.status;
  };
  assert.equal(await chat(), 200);
  const gone = `config file ${configPath}, read at start, no longer exists; put it back to change the config`;
  const refusals = () =>
    g
      .stderr()
      .split('\n')
      .filter((l) => l.includes('new config is invalid'));
  unlinkSync(configPath);
  await until('the file watch to refuse the reload', () => refusals().length >= 1, SLOW_STEP_MS);
  g.child.kill('SIGHUP');
  await until('the SIGHUP reload to be refused', () => refusals().length >= 2, SLOW_STEP_MS);
  for (const line of refusals()) {
    assert.equal((JSON.parse(line) as { error: string }).error, gone);
    assert.match(line, /still serving with the previous one/);
  }
  assert.doesNotMatch(g.stderr(), /--config|config init/);
  assert.equal(await chat(), 200, 'still serving on the config it has');
  ws.write('switchyard.yaml', text.replace('sim-large', 'sim-small'));
  await until('the file put back to be taken again', () => /"msg":"config reloaded"/.test(g.stderr()), SLOW_STEP_MS);
});
