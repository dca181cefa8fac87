// `switchyard chat` says the config's warnings once at start, worded as `config check` words them: env and .env
// holding different values for one variable (both masked, which wins), and a .env line that is not NAME=value (which
// otherwise shows up only as "no API key for …"). Real CLI, real files, the simulator on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/sim/server.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const SHELL_KEY = 'sk-chatwarn-shell-good-0001';
const FILE_KEY = 'sk-chatwarn-dotenv-old-0002';
const MISTYPED = 'sk-chatwarn-mistyped-0003';

test('chat prints the config warnings once at start, on stderr, as config check words them', async (t) => {
  const sim = await startSimulator({ scenario: { keys: { [SHELL_KEY]: {}, [MISTYPED]: {} } } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: ${sim.url}/v1, api_key: "\${MIMO_KEY}" }
  deepseek: { type: openai, base_url: ${sim.url}/v1 }
main: { provider: mimo, model: sim-large }
fallback: [ { provider: deepseek, model: sim-small } ]
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
gateway: { log_level: info }
`,
  );
  ws.write('.env', `MIMO_KEY=${FILE_KEY}\nDEEPSEEK_API_KEY: ${MISTYPED}\n`);
  const env = { SWITCHYARD_HOME: ws.home, MIMO_KEY: SHELL_KEY };
  const dotenv = join(ws.dir, '.env');
  const conflict = `warning: MIMO_KEY is set in the environment (sk-…0001) and differently in ${dotenv} (sk-…0002); the environment's value is used`;
  const badLine = `warning: ${dotenv}:2: ignored: not a NAME=value line`;

  const check = await runCliInProcess(['config', 'check'], { cwd: ws.dir, env });
  assert.ok(check.stdout.includes(conflict) && check.stdout.includes(badLine), check.stdout);
  // A gateway: section without admin_key: config check says so, as do config show and doctor (they check the config,
  // gateway: section included); a chat has no admin endpoints and does not.
  assert.match(check.stdout, /warning: gateway\.admin_key is not set/);
  const show = await runCliInProcess(['config', 'show'], { cwd: ws.dir, env });
  assert.match(show.stderr, /^warning: gateway\.admin_key is not set/m);
  const doctor = await runCliInProcess(['doctor', '--json'], { cwd: ws.dir, env });
  assert.ok(
    (JSON.parse(doctor.stdout) as { config: { warnings: string[] } }).config.warnings.some((w) =>
      w.startsWith('gateway.admin_key is not set'),
    ),
    doctor.stdout,
  );

  const once = await runCliInProcess(['chat', '-m', 'hi'], { cwd: ws.dir, env });
  assert.equal(once.code, 0, once.stderr);
  const lines = once.stderr.trimEnd().split('\n');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('warning: ')),
    [badLine, conflict],
  );

  // Interactive (piped): said once at start, not again per message.
  const piped = await runCliInProcess(['chat'], { cwd: ws.dir, env, input: 'hello\nagain\n' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stderr.split(conflict).length - 1, 1, piped.stderr);
  assert.equal(piped.stderr.split(badLine).length - 1, 1, piped.stderr);
  assertNoSecrets([SHELL_KEY, FILE_KEY, MISTYPED]);
});

test("seed 001 in chat: the key variable out of quota in the environment, a new one in .env — the chat says which key it used instead, and the conflict line does not claim the environment's answered", async (t) => {
  const QUOTA = 'sk-chatwarn-quota-key-0006';
  const GOOD = 'sk-chatwarn-new-good-0013';
  const sim = await startSimulator({ scenario: { keys: { [QUOTA]: { quota: 'openai' }, [GOOD]: {} } } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `providers:\n  xiaomi: { type: openai, base_url: ${sim.url}/v1 }\nmain: { provider: xiaomi, model: sim-large }\nauxiliary: { title_generation: { provider: none } }\n`,
  );
  ws.write('.env', `XIAOMI_API_KEY=${GOOD}\n`);
  const env = { SWITCHYARD_HOME: ws.home, XIAOMI_API_KEY: QUOTA };
  for (const message of ['first', 'second']) {
    const r = await runCliInProcess(['chat', '-m', message], { cwd: ws.dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`reply to: ${message}`));
    assert.match(
      r.stderr,
      /warning: XIAOMI_API_KEY is set in the environment \(sk-…0006\) and differently in .*\.env \(sk-…0013\); the environment's value is tried first, the \.env's after it\n/,
    );
    // Known out of quota from the first call on: each chat says which key answered instead (docs/credentials.md).
    assert.match(
      r.stderr,
      /warning: xiaomi: env XIAOMI_API_KEY sk-…0006 out of quota until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d; using \.env XIAOMI_API_KEY sk-…0013\n/,
    );
    assert.equal(r.stderr.match(/; using /g)?.length, 1, 'once per change');
  }
  assertNoSecrets([QUOTA, GOOD]);
});
