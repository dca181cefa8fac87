// The gateway CLI: client keys, the systemd unit and the loopback rule in-process; as a real child process, SIGTERM
// drain and a start and stop with its shared state store (Redis) unreachable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { REPO_ROOT, runCli, runCliInProcess, assertNoSecrets } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { freePort } from '../helpers/net.ts';
import { formatClock } from '../../src/errors/explain-format.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { GATEWAY_V8_FLAGS, HEAP_SIZINGS } from '../../src/gateway/server/process-memory.ts';

const UPSTREAM_KEY = 'sk-sim-cli-upstream-key-9d8c';

function workspace(config: Record<string, unknown> = {}) {
  const ws = tempWorkspace('switchyard-gw-cli-');
  const configPath = ws.write('switchyard.yaml', stringify(config));
  const env = { SWITCHYARD_HOME: ws.home, XDG_CONFIG_HOME: join(ws.dir, 'xdg'), HOME: ws.dir };
  return { ws, configPath, env };
}

test('keys create shows the key once; list never shows it; revoke by name', async (t) => {
  const { ws, configPath, env } = workspace();
  t.after(() => ws.cleanup());
  const created = await runCliInProcess(
    ['gateway', 'keys', 'create', '--name', 'ci', '--json', '--config', configPath],
    {
      env,
    },
  );
  assert.equal(created.code, 0, created.stderr);
  const record = JSON.parse(created.stdout) as { id: string; name: string; key: string; prefix: string };
  assert.match(record.key, /^sy-[0-9a-f]{40}$/);
  assert.equal(record.name, 'ci');
  const human = await runCliInProcess(['gateway', 'keys', 'create', '--config', configPath], { env });
  assert.equal(human.code, 0);
  assert.match(human.stdout, /Copy it now; it is not shown again/);
  const dup = await runCliInProcess(['gateway', 'keys', 'create', '--name', 'ci', '--config', configPath], { env });
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /already exists/);

  const list = await runCliInProcess(['gateway', 'keys', 'list', '--config', configPath], { env });
  assert.equal(list.code, 0);
  assert.match(list.stdout, /ci\s+sy-[0-9a-f]{6}…/);
  assertNoSecrets([record.key], list.stdout + list.stderr);

  const revoked = await runCliInProcess(['gateway', 'keys', 'revoke', 'ci', '--config', configPath], { env });
  assert.equal(revoked.code, 0, revoked.stderr);
  const listed = JSON.parse(
    (await runCliInProcess(['gateway', 'keys', 'list', '--json', '--config', configPath], { env })).stdout,
  ) as { name: string; revoked_at: string | null }[];
  assert.ok(listed.find((k) => k.name === 'ci')?.revoked_at);
  // Revoking is idempotent: again is "already revoked (when)", exit 0, not "unknown key".
  // In local time, as every time the CLI shows (formatClock): a zone half an hour off UTC tells it from UTC. Spawned:
  // the time zone is the process's (TZ), not the run's.
  const again = await runCli(['gateway', 'keys', 'revoke', 'ci', '--config', configPath], {
    env: { ...env, TZ: 'Asia/Kolkata' },
  });
  assert.equal(again.code, 0, again.stderr);
  const revokedAt = Date.parse(listed.find((k) => k.name === 'ci')?.revoked_at ?? '');
  const clock = formatClock(revokedAt, { seconds: true, timeZone: 'Asia/Kolkata' }).slice(-8);
  assert.match(
    again.stdout,
    new RegExp(
      `^Gateway key "ci" \\(id \\w+\\) was already revoked at (?:\\d{4}-\\d\\d-\\d\\d )?${clock}; nothing to do\\.$`,
      'm',
    ),
  );
  assert.match(list.stdout, /ci\s+sy-[0-9a-f]{6}…\s+(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\s+-\s+-\s+active$/m);
  const againJson = JSON.parse(
    (await runCliInProcess(['gateway', 'keys', 'revoke', 'ci', '--json', '--config', configPath], { env })).stdout,
  ) as { already_revoked: boolean; revoked_at: string };
  assert.equal(againJson.already_revoked, true);
  assert.ok(againJson.revoked_at);
  // An unknown key with --json: JSON on stdout, the message on stderr, exit 2.
  const unknown = await runCliInProcess(['gateway', 'keys', 'revoke', 'nope', '--json', '--config', configPath], {
    env,
  });
  assert.equal(unknown.code, 2);
  assert.match((JSON.parse(unknown.stdout) as { error: string }).error, /no gateway key has the id or name "nope"/);
  assert.match(unknown.stderr, /^switchyard: no gateway key has the id or name "nope"/m);
});

test('service --print and --install write a unit with the .env beside the config; no overwrite without --force', async (t) => {
  const { ws, configPath, env } = workspace();
  t.after(() => ws.cleanup());
  // Run from this clone: refused unless asked for (test/package/tarball.test.ts installs the package and runs it).
  const clone = await runCliInProcess(['gateway', 'service', '--print', '--config', configPath], { env });
  assert.equal(clone.code, 2);
  assert.match(
    clone.stderr,
    /this switchyard runs from a clone of its repository.* a service pinned to it stops working when the clone is moved/,
  );
  assert.match(
    clone.stderr,
    /npm pack && npm install -g \.\/switchyard-\*\.tgz && switchyard gateway service --install/,
  );
  assert.match(clone.stderr, /or pass --allow-clone/);
  assert.equal(clone.stdout, '');

  const printed = await runCliInProcess(['gateway', 'service', '--print', '--allow-clone', '--config', configPath], {
    env,
  });
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(
    printed.stdout,
    new RegExp(
      `^ExecStart=\\S+node\\S* ${join(REPO_ROOT, 'bin', 'switchyard.js').replace(/[.]/g, '\\.')} gateway --config ${configPath.replace(/[.]/g, '\\.')}$`,
      'm',
    ),
  );
  assert.match(printed.stdout, new RegExp(`^EnvironmentFile=-${join(ws.dir, '.env').replace(/[.]/g, '\\.')}$`, 'm'));
  assert.match(printed.stdout, /^Environment=SWITCHYARD_HOME=/m);

  const both = await runCliInProcess(
    ['gateway', 'service', '--print', '--install', '--allow-clone', '--config', configPath],
    {
      env,
    },
  );
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--print and --install cannot be used together/);
  const forceAlone = await runCliInProcess(['gateway', 'service', '--force', '--allow-clone', '--config', configPath], {
    env,
  });
  assert.equal(forceAlone.code, 2);
  assert.match(forceAlone.stderr, /--force only applies to --install/);
  assert.equal(forceAlone.stdout, '');

  const installed = await runCliInProcess(
    ['gateway', 'service', '--install', '--allow-clone', '--config', configPath],
    { env },
  );
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(
    installed.stdout,
    /systemctl --user daemon-reload && systemctl --user enable --now switchyard-gateway\.service/,
  );
  const unitFile = join(ws.dir, 'xdg', 'systemd', 'user', 'switchyard-gateway.service');
  assert.equal(readFileSync(unitFile, 'utf8'), printed.stdout);
  const refused = await runCliInProcess(['gateway', 'service', '--install', '--allow-clone', '--config', configPath], {
    env,
  });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /already exists; pass --force/);
  assert.equal(
    (
      await runCliInProcess(['gateway', 'service', '--install', '--force', '--allow-clone', '--config', configPath], {
        env,
      })
    ).code,
    0,
  );

  const noConfig = await runCliInProcess(['gateway', 'service', '--print', '--allow-clone'], { env, cwd: ws.home });
  assert.equal(noConfig.code, 2);
  assert.match(noConfig.stderr, /no config file/);
});

test('require_keys: false is refused off loopback', async (t) => {
  const { ws, configPath, env } = workspace({ gateway: { require_keys: false } });
  t.after(() => ws.cleanup());
  const r = await runCliInProcess(['gateway', '--listen', '0.0.0.0:0', '--config', configPath], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /require_keys is false but the gateway would listen on 0\.0\.0\.0/);
  assert.ok(!r.stderr.includes('    at '), 'no stack trace');
});

test('no config file found: the gateway does not start (it would have no route, yet answer /readyz as ready)', async (t) => {
  const ws = tempWorkspace('switchyard-gw-noconfig-');
  t.after(() => ws.cleanup());
  const port = await freePort();
  const r = await runCliInProcess(['gateway', '--listen', `127.0.0.1:${port}`], {
    cwd: ws.dir,
    env: { HOME: ws.dir, SWITCHYARD_HOME: ws.home },
  });
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^switchyard: no config file found — looked in .*switchyard\.yaml.*\n {2}create one with `switchyard config init`, or name one with --config FILE\n$/,
  );
});

test('a gateway bound to every interface says so under the local URL it prints', async (t) => {
  const { ws, configPath, env } = workspace({ gateway: { admin_key: 'admin-key-for-the-bind-test-0001' } });
  t.after(() => ws.cleanup());
  const gw = await spawnGateway(t, ['--config', configPath, '--listen', '0.0.0.0:0'], env);
  t.after(async () => {
    gw.child.kill('SIGTERM');
    await gw.exited;
  });
  for (let i = 0; i < 100 && !/bound to every interface/.test(gw.stdout()); i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.match(
    gw.stdout(),
    /listening on http:\/\/127\.0\.0\.1:\d+\n.*\n {2}bound to every interface \(0\.0\.0\.0:\d+\): other machines that reach this one can call it too\n/,
  );
});

test("the gateway starts with process-memory.ts's V8 flags and the bounded heap's, another sizing's with SWITCHYARD_GATEWAY_HEAP, unless node was given the same flag", async (t) => {
  const { ws, configPath, env } = workspace({ gateway: { admin_key: 'admin-key-for-the-flags-test-0001' } });
  t.after(() => ws.cleanup());
  const argvOf = async (extra: Record<string, string>, nodeFlags: string[] = []): Promise<string[]> => {
    const gw = await spawnGateway(t, ['--config', configPath], { ...env, ...extra }, undefined, { nodeFlags });
    // The same pid, replaced by bin/switchyard.js with the flags before it listened.
    const argv = readFileSync(`/proc/${gw.child.pid}/cmdline`, 'utf8').split('\0');
    gw.child.kill('SIGTERM');
    await gw.exited;
    return argv;
  };
  const has = (argv: string[], flags: readonly string[]) => {
    for (const flag of flags) assert.ok(argv.includes(flag), `${flag} not in ${argv.join(' ')}`);
  };
  // By default a bounded heap (RSS under load ~2× idle rather than ~2.7×); allocation sites are never pretenured.
  const plain = await argvOf({});
  has(plain, [...GATEWAY_V8_FLAGS, ...HEAP_SIZINGS.bounded.flags]);
  const lean = await argvOf({ SWITCHYARD_GATEWAY_HEAP: 'lean' });
  has(lean, [...GATEWAY_V8_FLAGS, ...HEAP_SIZINGS.lean.flags]);
  // V8's own sizing: none of the sizes, the other flags still.
  const v8 = await argvOf({ SWITCHYARD_GATEWAY_HEAP: 'v8' });
  has(v8, GATEWAY_V8_FLAGS);
  assert.ok(!v8.some((f) => /^--(max-semi-space-size|heap-growing-percent)=/.test(f)), v8.join(' '));
  // The operator's own flag is kept, ours not added: a size in NODE_OPTIONS, V8's default on node's command line.
  const own = await argvOf({ SWITCHYARD_GATEWAY_HEAP: 'lean', NODE_OPTIONS: '--max-semi-space-size=8' });
  assert.ok(!own.includes('--max-semi-space-size=16'), own.join(' '));
  assert.ok(own.includes('--heap-growing-percent=25'), own.join(' '));
  const pretenured = await argvOf({}, ['--allocation-site-pretenuring']);
  assert.ok(pretenured.includes('--allocation-site-pretenuring'), pretenured.join(' '));
  assert.ok(!pretenured.includes('--no-allocation-site-pretenuring'), pretenured.join(' '));
  // V8's memory reducer back on, for an operator who wants the heap shrunk between bursts at the CPU it costs.
  const reducing = await argvOf({}, ['--memory-reducer']);
  assert.ok(reducing.includes('--memory-reducer'), reducing.join(' '));
  assert.ok(!reducing.includes('--no-memory-reducer'), reducing.join(' '));
  assert.ok(reducing.includes('--no-allocation-site-pretenuring'), reducing.join(' '));
});

test('SWITCHYARD_GATEWAY_HEAP set to no sizing: the gateway refuses to start, naming the three, exit 2', async () => {
  const { ws, configPath, env } = workspace({});
  try {
    const r = await runCli(['gateway', '--listen', '127.0.0.1:0', '--config', configPath], {
      env: { ...env, SWITCHYARD_GATEWAY_HEAP: 'small' },
    });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /SWITCHYARD_GATEWAY_HEAP="small" is not a heap sizing: use bounded \(the default.*\), lean .*, v8 /,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    ws.cleanup();
  }
});

test('SIGTERM drains the in-flight request, then exits 0', async (t) => {
  const sim = await startSimulator({
    scenario: { models: { 'sim-large': {} }, keys: { [UPSTREAM_KEY]: { latency: '1500ms' } } },
  });
  const { ws, configPath, env } = workspace({
    providers: { p: { type: 'openai', base_url: `${sim.url}/v1`, api_key: UPSTREAM_KEY } },
    main: { provider: 'p', model: 'sim-large' },
  });
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  const key = (
    JSON.parse(
      (await runCliInProcess(['gateway', 'keys', 'create', '--json', '--config', configPath], { env })).stdout,
    ) as {
      key: string;
    }
  ).key;
  const gw = await spawnGateway(t, ['--config', configPath], env);
  const { url, child } = gw;
  const inFlight = fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'slow one' }] }),
  });
  // Wait until the upstream has the call, then ask the gateway to stop.
  while (sim.calls(UPSTREAM_KEY) === 0) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGTERM');
  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.match(
    ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? '',
    /slow one/,
  );
  assert.equal(await gw.exited, 0, gw.stderr());
  assert.match(gw.stderr(), /draining in-flight requests/);
  // No `gateway:` section, so the config said nothing about the admin key: the gateway says it, once.
  assert.equal(
    gw.stderr().split("gateway.admin_key is not set, so the gateway's admin endpoints are off").length,
    2,
    gw.stderr(),
  );
  assertNoSecrets([UPSTREAM_KEY, key], gw.stderr());
});

test('Redis unreachable: the gateway starts and serves on local state, and SIGTERM exits 0 saying what was not shared', async (t) => {
  const sim = await startSimulator({
    scenario: {
      models: { 'sim-large': {} },
      keys: { [UPSTREAM_KEY]: { rate_limit_after: 0, reset: '1h' }, 'sk-sim-cli-second-key-77': {} },
    },
  });
  const deadPort = await freePort();
  const { ws, configPath, env } = workspace({
    providers: {
      p: { type: 'openai', base_url: `${sim.url}/v1`, api_keys: [UPSTREAM_KEY, 'sk-sim-cli-second-key-77'] },
    },
    main: { provider: 'p', model: 'sim-large' },
    gateway: { state: `redis://:redis-pw-never-shown@127.0.0.1:${deadPort}/0`, require_keys: false },
  });
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  const gw = await spawnGateway(t, ['--config', configPath], env);
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200, 'the first key cooled, the second answered: no request fails for want of Redis');
  gw.child.kill('SIGTERM');
  assert.equal(await gw.exited, 0, gw.stderr());
  assert.match(gw.stderr(), /shared state store \(Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0\) is unreachable/);
  assert.match(gw.stderr(), /could not be written to Redis .* and end with this process/);
  assert.doesNotMatch(gw.stderr(), /error while stopping/);
  // A `gateway:` section without admin_key: the config's own warning, not said twice.
  assert.equal(gw.stderr().split('gateway.admin_key is not set').length, 2, gw.stderr());
  assertNoSecrets(['redis-pw-never-shown', UPSTREAM_KEY], gw.stderr());
});

test('keys create NAME names the key like --name; two different names are refused with the usage', async (t) => {
  const { ws, configPath, env } = workspace();
  t.after(() => ws.cleanup());
  const created = await runCliInProcess(['gateway', 'keys', 'create', 'tester', '--json', '--config', configPath], {
    env,
  });
  assert.equal(created.code, 0, created.stderr);
  assert.equal((JSON.parse(created.stdout) as { name: string }).name, 'tester');
  const human = await runCliInProcess(['gateway', 'keys', 'create', 'laptop', '--config', configPath], { env });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /Created gateway key "laptop"/);
  const same = await runCliInProcess(
    ['gateway', 'keys', 'create', 'phone', '--name', 'phone', '--config', configPath],
    { env },
  );
  assert.equal(same.code, 0, same.stderr);
  const both = await runCliInProcess(['gateway', 'keys', 'create', 'a', '--name', 'b', '--config', configPath], {
    env,
  });
  assert.equal(both.code, 2);
  assert.match(
    both.stderr,
    /two names given \("a" and --name "b"\); usage: switchyard gateway keys create \[NAME \| --name NAME\] \[--json\]/,
  );
  const list = await runCliInProcess(['gateway', 'keys', 'list', '--json', '--config', configPath], { env });
  assert.deepEqual((JSON.parse(list.stdout) as { name: string }[]).map((k) => k.name).sort(), [
    'laptop',
    'phone',
    'tester',
  ]);
});
