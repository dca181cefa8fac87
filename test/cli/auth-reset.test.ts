// `switchyard auth explain` / `auth reset` wording as a user meets it: every key rejected (by the simulator, through a
// real chat), what to do about it, and which state store a reset changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/sim/server.ts';
import { assertNoSecrets, runCli } from '../helpers/cli.ts';
import { freePort } from '../helpers/net.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const DEAD = 'sk-reset-never-valid-0001';
const FRESH = 'sk-reset-fresh-key-0002';

test('every key rejected: replacing it needs no reset; `auth reset` names the state store it changed', async (t) => {
  const sim = await startSimulator({ scenario: { keys: { [DEAD]: { valid: false }, [FRESH]: {} } } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  const config = (key: string): string => ws.write('switchyard.yaml', `providers:
  mimo: { type: openai, base_url: ${sim.url}/v1, api_key: ${key} }
main: { provider: mimo, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`);
  config(DEAD);
  const run = (args: string[]) => runCli(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });

  const chat = await run(['chat', '-m', 'hi']);
  assert.equal(chat.code, 1, chat.stderr);
  const explain = await run(['auth', 'explain', 'mimo']);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(explain.stdout, /every credential of mimo is unusable; replace the rejected keys \(a new key starts clean: no reset needed\), or, if the provider accepts them again, run `switchyard auth reset mimo`/);
  assert.doesNotMatch(explain.stdout, /fix or replace/);

  const reset = await run(['auth', 'reset', 'mimo']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, new RegExp(`reset mimo: all credentials are ok again as of \\d\\d:\\d\\d:\\d\\d in ${join(ws.home, 'state.db').replace(/[.]/g, '\\.')}\\n`));
  assert.match(reset.stdout, /a running gateway sees it within a second if it uses this state store \(the same SWITCHYARD_HOME, or the same gateway\.state\)/);
  const json = JSON.parse((await run(['auth', 'reset', 'mimo', '--json'])).stdout) as { store: { kind: string; location: string } };
  assert.deepEqual(json.store, { kind: 'sqlite', location: join(ws.home, 'state.db') });

  // The rejected key again, then replaced in the config: the new key is a new credential, usable at once.
  await run(['chat', '-m', 'hi']);
  config(FRESH);
  const after = await run(['auth', 'explain', 'mimo']);
  assert.match(after.stdout, /→ the next request uses config key sk-…0002 \(\w+\): it is first in order and usable/);
  assertNoSecrets([DEAD, FRESH]);
});

test('`auth reset` with Redis unreachable says the reset was not saved (masked URL) and exits 1', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const port = await freePort();
  ws.write('switchyard.yaml', `providers:
  mimo: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: ${FRESH} }
main: { provider: mimo, model: sim-large }
gateway: { state: 'redis://:hunter2secret@127.0.0.1:${port}/0' }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`);
  // Named: a discovered ./switchyard.yaml that is not trusted does not choose the state store (local-env.test.ts).
  const reset = await runCli(['-c', join(ws.dir, 'switchyard.yaml'), 'auth', 'reset', 'mimo'], { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  assert.equal(reset.code, 1, reset.stdout + reset.stderr);
  assert.doesNotMatch(reset.stdout, /ok again/);
  assert.match(reset.stderr, new RegExp(`the reset of mimo was not saved: Redis at redis://:\\*+@127\\.0\\.0\\.1:${port}/0 is unreachable \\([^)]+\\); nothing changed for a running gateway`));
  assert.match(reset.stderr, /start Redis or fix gateway\.state, then run the reset again/);
  assert.doesNotMatch(reset.stdout + reset.stderr, /hunter2secret/);
});
