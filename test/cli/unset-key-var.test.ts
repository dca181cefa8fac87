// A key slot written as `${DS_KEY}` with DS_KEY set nowhere: every "no API key" message names that slot and DS_KEY
// first, not only the provider's default variable (DEEPSEEK_API_KEY), which the config never asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const UNSET =
  /providers\.deepseek\.api_key is \$\{DS_KEY\}, which is not set \(neither in the environment nor in \.env\), env DEEPSEEK_API_KEY, \.env/;

test('an unset ${VAR} key slot is named, with its variable, in config check, auth test, doctor and chat', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  ws.write(
    'switchyard.yaml',
    `providers:
  deepseek: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: "\${DS_KEY}" }
main: { provider: deepseek, model: deepseek-chat }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  ws.write('.env', 'OTHER=1\n');
  const env = { SWITCHYARD_HOME: ws.home };
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env });

  const check = await run(['config', 'check']);
  const checked = check.stdout + check.stderr;
  assert.match(
    checked,
    new RegExp(`providers\\.deepseek: no API key found \\(looked in ${UNSET.source}[^)]*\\); set DS_KEY,`),
  );
  assert.doesNotMatch(checked, /set DEEPSEEK_API_KEY/);

  const probe = await run(['auth', 'test']);
  assert.equal(probe.code, 1);
  assert.match(probe.stdout, UNSET);

  const doctor = await run(['doctor']);
  assert.match(doctor.stdout, UNSET);

  const chat = await run(['chat', '-m', 'hi']);
  assert.equal(chat.code, 1);
  assert.match(chat.stderr, UNSET);
});
