// What is in effect, said by every command that reads config or state: one line on stderr naming the config file and
// the state store, `in_effect` in --json objects; and for the commands that cannot work on defaults (auth, doctor,
// chat), no config file found is an error that says where it looked (exit 2), not an empty "ok".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { inEffectJson, inEffectLine, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('no config file found: auth, doctor and chat say where they looked and exit 2', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home };
  const looked = `no config file found — looked in ${join(ws.dir, 'switchyard.yaml')}, ${join(ws.dir, '.config', 'switchyard', 'config.yaml')}`;
  for (const args of [
    ['auth', 'list'],
    ['auth', 'test'],
    ['chat', '-m', 'hi'],
  ]) {
    const r = await runCliInProcess(args, { cwd: ws.dir, env });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(
      r.stderr,
      `switchyard: ${looked}\n  create one with \`switchyard config init\`, or name one with --config FILE\n`,
      args.join(' '),
    );
    assert.equal(r.stdout, '');
  }
  const doctor = await runCliInProcess(['doctor'], { cwd: ws.dir, env });
  assert.equal(doctor.code, 2, doctor.stdout);
  assert.match(doctor.stdout, new RegExp(`^config {3}FAIL {2}${looked.replace(/[.]/g, '\\.')}$`, 'm'));
  assert.doesNotMatch(doctor.stdout, /all good|^config {3}ok/m);

  // Commands that work on defaults name that instead.
  const sessions = await runCliInProcess(['sessions', 'list'], { cwd: ws.dir, env });
  assert.equal(sessions.code, 0, sessions.stderr);
  assert.equal(sessions.stderr, inEffectLine(null, ws.home));
});

test('a command names the config file and state store it used, on stderr and as in_effect in --json', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const config = ws.write(
    'conf/switchyard.yaml',
    'providers:\n  mimo: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: sk-in-effect-0000000000001 }\nmain: { provider: mimo, model: m }\n',
  );
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home };
  const list = await runCliInProcess(['auth', 'list', '--config', config], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stderr, inEffectLine(config, ws.home));
  assert.equal(list.stderr, `switchyard: config ${config} · state sqlite ${join(ws.home, 'state.db')}\n`);
  const json = JSON.parse(
    (await runCliInProcess(['auth', 'explain', 'mimo', '--json', '--config', config], { env })).stdout,
  ) as { in_effect: unknown };
  assert.deepEqual(json.in_effect, inEffectJson(config, ws.home));
  // Found by $SWITCHYARD_CONFIG, it is named all the same.
  const byEnv = await runCliInProcess(['gateway', 'keys', 'list'], {
    cwd: ws.dir,
    env: { ...env, SWITCHYARD_CONFIG: config },
  });
  assert.equal(byEnv.stderr, inEffectLine(config, ws.home));
  // config show reads no state: the config alone.
  const show = await runCliInProcess(['config', 'show', '--config', config], { env });
  assert.equal(show.stderr, `switchyard: config ${config}\n`);
});
