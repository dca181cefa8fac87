// Seed 001 as a user meets it: a provider's key exported only in the shell (no .env, no config key). `gateway service
// --print|--install` and `doctor` say the service would not have it (on stderr / as a warning, without failing), and
// a gateway started without a key for a provider says so at start and on reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSimulator } from '../../src/sim/server.ts';
import { assertNoSecrets, CLI, inEffectLine, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { HUNG_PROCESS_MS, SLOW_STEP_MS } from '../helpers/until.ts';

const SHELL_KEY = 'sk-svc-shell-only-key-0001';
const DOTENV_KEY = 'sk-svc-dotenv-key-0002';

test('a key only in the shell: service --print/--install and doctor say the service reads the .env, which lacks it', async (t) => {
  const sim = await startSimulator({ scenario: { keys: { [SHELL_KEY]: {}, [DOTENV_KEY]: {} } } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  const config = ws.write(
    'switchyard.yaml',
    `providers:
  xiaomi: { type: openai, base_url: ${sim.url}/v1 }
main: { provider: xiaomi, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const env = { SWITCHYARD_HOME: ws.home, XDG_CONFIG_HOME: join(ws.dir, 'xdg'), XIAOMI_API_KEY: SHELL_KEY };
  // From this clone (--allow-clone): test/package/tarball.test.ts runs the installed command.
  const run = (args: string[], extra: Record<string, string> = {}) =>
    runCliInProcess([...args, ...(args[1] === 'service' ? ['--allow-clone'] : []), '--config', config], {
      env: { ...env, ...extra },
    });
  const said = inEffectLine(config, ws.home);
  const dotenv = join(ws.dir, '.env');
  const missing = `XIAOMI_API_KEY is set only in this shell's environment; the service reads ${dotenv} (missing) — add it there`;

  const printed = await run(['gateway', 'service', '--print']);
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^EnvironmentFile=-.*\/\.env$/m);
  assert.equal(printed.stderr, `${said}warning: ${missing}\n`);

  const installed = await run(['gateway', 'service', '--install']);
  assert.equal(installed.code, 0, installed.stderr);
  assert.ok(installed.stderr.includes(missing), installed.stderr);

  const doctor = await run(['doctor']);
  assert.equal(doctor.code, 0, doctor.stdout);
  assert.ok(
    doctor.stdout.includes(
      `warning: XIAOMI_API_KEY is set only in this shell's environment; the installed service (switchyard-gateway.service) reads ${dotenv} (missing) — add it there`,
    ),
    doctor.stdout,
  );
  assert.match(doctor.stdout, /^all good, with 1 warning above$/m);

  // In the .env (another variable there too), the service has it: nothing to say.
  ws.write('.env', `OTHER=1\n`);
  const lacking = await run(['gateway', 'service', '--print']);
  assert.ok(
    lacking.stderr.includes(
      `XIAOMI_API_KEY is set only in this shell's environment; the service reads ${dotenv}, which does not set it — add it there`,
    ),
    lacking.stderr,
  );
  ws.write('.env', `XIAOMI_API_KEY=${SHELL_KEY}\n`);
  assert.equal((await run(['gateway', 'service', '--print'])).stderr, said);

  // In the .env with another value: the service would use that one, not the shell's.
  ws.write('.env', `XIAOMI_API_KEY=${DOTENV_KEY}\n`);
  const differs = `XIAOMI_API_KEY is set in this shell's environment (sk-…0001) differently from ${dotenv} (sk-…0002); the service reads only the .env, so it would use another XIAOMI_API_KEY than this shell — set the same value in both`;
  assert.equal((await run(['gateway', 'service', '--print'])).stderr, `${said}warning: ${differs}\n`);
  const differsDoctor = await run(['doctor']);
  assert.ok(
    differsDoctor.stdout.includes(
      `warning: ${differs.replace('the service', 'the installed service (switchyard-gateway.service)')}`,
    ),
    differsDoctor.stdout,
  );
  assertNoSecrets([SHELL_KEY, DOTENV_KEY], differsDoctor.stdout);

  // Stored with `auth add`, it reaches the service through the state store: nothing to say either.
  unlinkSync(dotenv);
  const added = await runCliInProcess(['auth', 'add', 'xiaomi', '--config', config], { env, input: SHELL_KEY });
  assert.equal(added.code, 0, added.stderr);
  assert.equal((await run(['gateway', 'service', '--print'])).stderr, said);
  assertNoSecrets([SHELL_KEY, DOTENV_KEY]);
});

test('a config ${VAR} set only in the shell is named too', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const config = ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: "\${MIMO_URL}", api_key: "\${MIMO_KEY}" }
main: { provider: mimo, model: m }
`,
  );
  ws.write('.env', 'MIMO_URL=http://127.0.0.1:9/v1\n');
  const r = await runCliInProcess(['gateway', 'service', '--print', '--allow-clone', '--config', config], {
    env: { SWITCHYARD_HOME: ws.home, MIMO_KEY: SHELL_KEY },
  });
  assert.equal(r.code, 0, r.stderr);
  const said = inEffectLine(config, ws.home);
  assert.equal(
    r.stderr,
    `${said}warning: MIMO_KEY is set only in this shell's environment; the service reads ${join(ws.dir, '.env')}, which does not set it — add it there\n`,
  );
  // Set in the .env too, differently: the service would be sent somewhere else than the shell's commands.
  const r2 = await runCliInProcess(['gateway', 'service', '--print', '--allow-clone', '--config', config], {
    env: { SWITCHYARD_HOME: ws.home, MIMO_KEY: SHELL_KEY, MIMO_URL: 'http://127.0.0.1:8/v1' },
  });
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(
    r2.stderr,
    `${said}warning: MIMO_URL is set in this shell's environment (…8/v1) differently from ${join(ws.dir, '.env')} (…9/v1); the service reads only the .env, so it would use another MIMO_URL than this shell — set the same value in both
warning: MIMO_KEY is set only in this shell's environment; the service reads ${join(ws.dir, '.env')}, which does not set it — add it there\n`,
  );
  assertNoSecrets([SHELL_KEY]);
});

test('the gateway logs each provider with no key at all, at start and on reload', async (t) => {
  const ws = tempWorkspace();
  const configText = (extra: string) => `providers:
  xiaomi: { type: openai, base_url: http://127.0.0.1:9/v1 }
  keyed: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: sk-gw-keyed-0002 }${extra}
main: { provider: xiaomi, model: m }
gateway: { require_keys: false }
`;
  const config = ws.write('switchyard.yaml', configText(''));
  const child = spawn(process.execPath, [CLI, 'gateway', '--listen', '127.0.0.1:0', '--config', config], {
    env: { PATH: process.env['PATH'] ?? '', HOME: ws.dir, SWITCHYARD_HOME: ws.home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), HUNG_PROCESS_MS);
  let logs = '';
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
    clearTimeout(killer);
    ws.cleanup();
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => line.includes('listening on') && resolve());
    child.on('exit', () => reject(new Error(`gateway exited early: ${logs}`)));
  });
  const xiaomi = `providers.xiaomi: no API key found (looked in providers.xiaomi.api_key, env XIAOMI_API_KEY, no .env at ${join(ws.dir, '.env')}, stored keys); set XIAOMI_API_KEY, or store one with \`switchyard auth add xiaomi\``;
  await until(
    () => logs.includes(xiaomi),
    () => `the start-up warning; logs: ${logs}`,
  );
  assert.doesNotMatch(logs, /providers\.keyed: no API key/);

  ws.write('switchyard.yaml', configText('\n  deepseek: { type: openai, base_url: http://127.0.0.1:9/v1 }'));
  await until(
    () => logs.includes('providers.deepseek: no API key found'),
    () => `the reload warning; logs: ${logs}`,
  );
  assert.ok(logs.split(xiaomi).length - 1 >= 2, 'said again on reload');
  assertNoSecrets(['sk-gw-keyed-0002'], logs);
});

async function until(check: () => boolean, what: () => string): Promise<void> {
  const end = Date.now() + SLOW_STEP_MS;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`gave up waiting for ${what()}`);
}
