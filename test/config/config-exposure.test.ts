// A config file with keys written in it (not `${VAR}`) that other users of the machine can read is warned about in
// the `.env`'s words, with the chmod that fixes it, wherever the config's warnings are shown: `config check`,
// `doctor`, `chat`, the gateway's log. One whose keys all come from variables is not, whatever its mode. The real
// CLI (in-process; the gateway as a child process), real files in a temp dir, the simulator on loopback.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSimulator } from '../../src/sim/server.ts';
import { CLI, assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { HUNG_PROCESS_MS } from '../helpers/until.ts';

const KEY = 'sk-exposed-literal-key-0001';
const HEADER_TOKEN = 'tok-exposed-header-0002';
const ADMIN = 'admin-exposed-literal-0003';
const DOTENV_KEY = 'sk-exposed-dotenv-key-0004';
const SECRETS = [KEY, HEADER_TOKEN, ADMIN, DOTENV_KEY];

/** A config in a temp dir (written 0600, then given `mode`); `run` runs the CLI there. */
function project(t: TestContext, yaml: string, mode: number, dotenv?: string) {
  const ws = tempWorkspace('switchyard-exposure-');
  t.after(() => ws.cleanup());
  const path = ws.write('switchyard.yaml', yaml);
  chmodSync(path, mode);
  if (dotenv !== undefined) ws.write('.env', dotenv);
  const env = { HOME: ws.home, SWITCHYARD_HOME: ws.home };
  return { ws, path, env, run: (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env }) };
}

/** The warning for `path` holding the given keys at mode 0644. */
const warning = (path: string, keys: string): string =>
  `${path} can be read by other users of this machine (mode 0644) and it holds keys (${keys}): chmod 600 ${path}`;

test('config check: literal keys in a readable config are named with the chmod that fixes it; at 0600 nothing is said', async (t) => {
  const p = project(
    t,
    `providers:
  p:
    type: openai
    base_url: https://api.example.com/v1
    api_key: ${KEY}
    headers: { X-Title: my-agent, X-Auth-Token: ${HEADER_TOKEN} }
main: { provider: p, model: m }
gateway: { admin_key: ${ADMIN} }
`,
    0o644,
  );
  const open = await p.run(['config', 'check']);
  assert.equal(open.code, 0, open.stderr);
  // The harmless X-Title header is not a key; the others are, each by its path.
  assert.ok(
    open.stdout.includes(
      `warning: ${warning(p.path, 'providers.p.api_key, providers.p.headers.X-Auth-Token, gateway.admin_key')}\n`,
    ),
    open.stdout,
  );
  chmodSync(p.path, 0o600);
  const closed = await p.run(['config', 'check']);
  assert.equal(closed.code, 0, closed.stderr);
  assert.doesNotMatch(closed.stdout, /can be read by other users/);
  assertNoSecrets(SECRETS);
});

test('a config whose keys all come from variables is not warned about, whatever its mode', async (t) => {
  const p = project(
    t,
    `providers:
  p: { type: openai, base_url: https://api.example.com/v1, api_key: "\${P_KEY}", headers: { Authorization: "Bearer \${P_KEY}", X-Title: my-agent } }
  q: { type: openai, base_url: https://api.example.com/v1, api_keys: ["\${Q_KEY}"] }
main: { provider: p, model: m }
gateway: { admin_key: "\${ADMIN_KEY}" }
`,
    0o666,
    `P_KEY=${DOTENV_KEY}\n`,
  );
  const r = await p.run(['config', 'check']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /can be read by other users/);
  assertNoSecrets(SECRETS);
});

test('a password written in a URL (base_url, proxy, gateway.state) is a key written in the file too', async (t) => {
  const p = project(
    t,
    `providers:
  p: { type: openai, base_url: "https://u:url-pw-in-base-5@api.example.com/v1", key_env: P_KEY, proxy: "http://me:url-pw-in-proxy-6@proxy.example:3128" }
  q: { type: openai, base_url: https://api.example.com/v1, key_env: Q_KEY }
main: { provider: p, model: m }
gateway: { state: "redis://:url-pw-in-redis-7@127.0.0.1:1/0" }
`,
    0o644,
  );
  const r = await p.run(['config', 'check']);
  assert.ok(
    r.stdout.includes(`warning: ${warning(p.path, 'providers.p.base_url, providers.p.proxy, gateway.state')}\n`),
    r.stdout,
  );
  assertNoSecrets(['url-pw-in-base-5', 'url-pw-in-proxy-6', 'url-pw-in-redis-7']);
});

test('more than three literal keys: three are named, then how many more', async (t) => {
  const providers = ['a', 'b', 'c', 'd', 'e']
    .map((n) => `  ${n}: { type: openai, base_url: https://api.example.com/v1, api_key: sk-${n}-literal-000000 }`)
    .join('\n');
  const p = project(t, `providers:\n${providers}\nmain: { provider: a, model: m }\n`, 0o640);
  const r = await p.run(['config', 'check']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    r.stdout.includes(
      `(mode 0640) and it holds keys (providers.a.api_key, providers.b.api_key, providers.c.api_key and 2 more): chmod 600 ${p.path}\n`,
    ),
    r.stdout,
  );
});

test('doctor, chat and the gateway log say it too, in the same words', async (t) => {
  const sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [KEY]: {} } } });
  t.after(() => sim.close());
  const p = project(
    t,
    `providers:
  p: { type: openai, base_url: ${sim.url}/v1, api_key: ${KEY} }
main: { provider: p, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
gateway: { require_keys: false }
`,
    0o644,
  );
  const said = warning(p.path, 'providers.p.api_key');

  const doctor = await p.run(['doctor']);
  assert.ok(doctor.stdout.includes(`warning: ${said}\n`), doctor.stdout);

  const chat = await p.run(['chat', '-m', 'hi']);
  assert.equal(chat.code, 0, chat.stderr);
  assert.equal(chat.stdout, '[sim-large] reply to: hi\n');
  assert.ok(chat.stderr.includes(`warning: ${said}\n`), chat.stderr);

  assert.ok((await gatewayStartLog(t, p.path, p.env)).includes(said));
  assertNoSecrets(SECRETS);
});

/** What `switchyard gateway` logged until it was listening (then it is stopped with SIGTERM). */
async function gatewayStartLog(t: TestContext, configPath: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'gateway', '--listen', '127.0.0.1:0', '--config', configPath], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), HUNG_PROCESS_MS);
  t.after(() => clearTimeout(killer));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('listening on')) resolve();
    });
    child.on('exit', () => reject(new Error(`gateway exited early: ${stderr}`)));
  });
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  return stderr;
}

test('a readable .env beside a config with no key written in it: only the .env is named, in the same sentence', async (t) => {
  const p = project(
    t,
    'providers:\n  p: { type: openai, base_url: https://api.example.com/v1 }\nmain: { provider: p, model: m }\n',
    0o644,
    `P_API_KEY=${DOTENV_KEY}\n`,
  );
  const dotenv = join(p.ws.dir, '.env');
  chmodSync(dotenv, 0o644);
  const r = await p.run(['config', 'check']);
  assert.equal(r.code, 0, r.stderr);
  // The config holds no key (P_API_KEY is read from .env): only the .env is named.
  assert.ok(
    r.stdout.includes(
      `warning: ${dotenv} can be read by other users of this machine (mode 0644) and it holds keys: chmod 600 ${dotenv}\n`,
    ),
    r.stdout,
  );
  assert.equal(r.stdout.split('can be read by other users').length - 1, 1, r.stdout);
});
