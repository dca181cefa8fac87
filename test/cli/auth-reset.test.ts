// `switchyard auth explain` / `auth reset` wording as a user meets it: every key rejected (by the simulator, through a
// real chat), what to do about it, and which state store a reset changed; a reset of a key whose health another
// provider's name recorded (a shared key, a task's own key), and what it says when nothing changed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fingerprint } from '../../src/config/mask.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { openStore } from '../../src/state/open.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
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
  const config = (key: string): string =>
    ws.write(
      'switchyard.yaml',
      `providers:
  mimo: { type: openai, base_url: ${sim.url}/v1, api_key: ${key} }
main: { provider: mimo, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
    );
  config(DEAD);
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });

  const chat = await run(['chat', '-m', 'hi']);
  assert.equal(chat.code, 1, chat.stderr);
  const explain = await run(['auth', 'explain', 'mimo']);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(
    explain.stdout,
    /every credential of mimo is unusable; replace the rejected keys \(a new key starts clean: no reset needed\), or, if the provider accepts them again, run `switchyard auth reset mimo`/,
  );
  assert.doesNotMatch(explain.stdout, /fix or replace/);

  const reset = await run(['auth', 'reset', 'mimo']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(
    reset.stdout,
    new RegExp(
      `reset mimo: 1 key changed — all credentials are ok again as of \\d\\d:\\d\\d:\\d\\d in ${join(ws.home, 'state.db').replace(/[.]/g, '\\.')}\\n`,
    ),
  );
  assert.match(
    reset.stdout,
    /a running gateway sees it within a second if it uses this state store \(the same SWITCHYARD_HOME, or the same gateway\.state\)/,
  );
  const json = JSON.parse((await run(['auth', 'reset', 'mimo', '--json'])).stdout) as {
    store: { kind: string; location: string };
  };
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
  ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: ${FRESH} }
main: { provider: mimo, model: sim-large }
gateway: { state: 'redis://:hunter2secret@127.0.0.1:${port}/0' }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  // Named: a discovered ./switchyard.yaml that is not trusted does not choose the state store (local-env.test.ts).
  const reset = await runCliInProcess(['-c', join(ws.dir, 'switchyard.yaml'), 'auth', 'reset', 'mimo'], {
    cwd: ws.dir,
    env: { SWITCHYARD_HOME: ws.home },
  });
  assert.equal(reset.code, 1, reset.stdout + reset.stderr);
  assert.doesNotMatch(reset.stdout, /ok again/);
  assert.match(
    reset.stderr,
    new RegExp(
      `the reset of mimo was not saved: Redis at redis://:\\*+@127\\.0\\.0\\.1:${port}/0 is unreachable \\([^)]+\\); nothing changed for a running gateway`,
    ),
  );
  assert.match(reset.stderr, /start Redis or fix gateway\.state, then run the reset again/);
  assert.doesNotMatch(reset.stdout + reset.stderr, /hunter2secret/);
});

const SHARED = 'sk-reset-shared-dead-0003';
const OWN = 'sk-reset-own-good-key-0004';

/** Providers a and b holding one key the simulator never accepts; a is the main route. `extra`: more YAML. */
async function sharedKeyWorld(t: TestContext, extra = '') {
  const sim = await startSimulator({ scenario: { keys: { [SHARED]: { valid: false }, [OWN]: {} } } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `providers:
  a: { type: openai, base_url: ${sim.url}/v1, api_key: ${SHARED} }
  b: { type: openai, base_url: ${sim.url}/v1, api_key: ${SHARED} }
main: { provider: a, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
${extra}`,
  );
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  /** The STATE cell of the key's row in `auth list P`. */
  const state = async (provider: string): Promise<string> => {
    const list = await run(['auth', 'list', provider, '--json']);
    assert.equal(list.code, 0, list.stderr);
    const e = (JSON.parse(list.stdout) as { providers: { candidates: { health: { state: string } }[] }[] })
      .providers[0]!;
    return e.candidates[0]!.health.state;
  };
  return { sim, ws, run, state, fp: fingerprint(SHARED) };
}

test('a key two providers share: `auth reset` of the one that did not record its health clears it, and says nothing changed when nothing had to', async (t) => {
  const w = await sharedKeyWorld(t);
  assert.equal((await w.run(['chat', '-m', 'hi'])).code, 1, 'a rejects the key');
  assert.equal(await w.state('b'), 'rejected', "b's listing reads the health a recorded");

  // By ID (a prefix): the key b lists, whose health a recorded.
  const one = await w.run(['auth', 'reset', 'b', w.fp.slice(0, 6)]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(
    one.stdout,
    new RegExp(`^reset b: 1 key changed — credential ${w.fp} is ok again as of \\d\\d:\\d\\d:\\d\\d in `),
  );
  assert.match(
    one.stdout,
    new RegExp(`\\n  ${w.fp} is also a's key, and health is kept per key: it is ok again for a too\\n`),
  );
  assert.match(one.stdout, new RegExp(`→  1  ${w.fp}  sk-…0003  config key  ok `));
  assert.deepEqual([await w.state('b'), await w.state('a')], ['ok', 'ok']);

  // All of b's keys.
  assert.equal((await w.run(['chat', '-m', 'hi'])).code, 1);
  const all = await w.run(['auth', 'reset', 'b']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^reset b: \d+ keys? changed — all credentials are ok again as of /);
  assert.doesNotMatch(
    all.stdout,
    /rejected|auth reset b/,
    'neither the table nor the summary says it is still rejected',
  );
  assert.equal(await w.state('b'), 'ok');

  // Again, with nothing set aside: not "ok again", and no "a gateway sees it".
  const again = await w.run(['auth', 'reset', 'b']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(
    again.stdout,
    /^reset b: nothing to reset \(0 keys changed\): every credential of b was ok already \(as of \d\d:\d\d:\d\d in .+\)\n/,
  );
  assert.doesNotMatch(again.stdout, /ok again|a running gateway sees it/);
  const byId = await w.run(['auth', 'reset', 'b', w.fp]);
  assert.match(
    byId.stdout,
    new RegExp(`^reset b: nothing to reset \\(0 keys changed\\): credential ${w.fp} was ok already `),
  );
  const json = JSON.parse((await w.run(['auth', 'reset', 'b', '--json'])).stdout) as Record<string, unknown>;
  assert.deepEqual([json['reset'], json['already_ok'], json['still_set_aside'], json['shared']], [[], [w.fp], [], {}]);
  assertNoSecrets([SHARED, OWN]);
});

test("a task's own key another provider holds too: `auth reset` of that provider clears the health the task's probe recorded", async (t) => {
  // title_generation runs on a with its own key, which is b's key as well; `auth test a` probes it there.
  const w = await sharedKeyWorld(t, '');
  w.ws.write(
    'switchyard.yaml',
    `providers:
  a: { type: openai, base_url: ${w.sim.url}/v1, api_key: ${OWN} }
  b: { type: openai, base_url: ${w.sim.url}/v1, api_key: ${SHARED} }
main: { provider: a, model: sim-large }
auxiliary:
  title_generation: { provider: a, model: sim-large, api_key: ${SHARED} }
  compression: { provider: none }
`,
  );
  assert.equal((await w.run(['auth', 'test', 'a', '--record'])).code, 1, 'the task key is rejected');
  assert.equal(await w.state('b'), 'rejected');
  const reset = await w.run(['auth', 'reset', 'b']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /^reset b: \d+ keys? changed — all credentials are ok again as of /);
  assert.equal(await w.state('b'), 'ok');
  const list = await w.run(['auth', 'list', 'a']);
  assert.match(
    list.stdout,
    new RegExp(`${w.fp}  sk-…0003  auxiliary\\.title_generation\\.api_key \\(switchyard\\.yaml:6\\)  ok `),
    list.stdout,
  );
  // And by the task key's ID under the task's provider, which lists it among its tasks' own keys.
  assert.equal((await w.run(['auth', 'test', 'a', '--record'])).code, 1);
  const byId = await w.run(['auth', 'reset', 'a', w.fp.slice(0, 4)]);
  assert.equal(byId.code, 0, byId.stderr);
  assert.match(byId.stdout, new RegExp(`^reset a: 1 key changed — credential ${w.fp} is ok again `));
  assertNoSecrets([SHARED, OWN]);
});

test('a failure stamped after the reset (a process whose clock is ahead) is not called reset: it says so and exits 1', async (t) => {
  const w = await sharedKeyWorld(t);
  // The state file as another process left it: the key rejected "a minute from now".
  const store = openStore({ home: w.ws.home });
  await store.ready();
  const later = Date.now() + 60_000;
  store.applyHealth(w.fp, { provider: 'a', at: later, state: 'rejected', until: later + 3_600_000, add_failures: 1 });
  await store.close();
  const reset = await w.run(['auth', 'reset', 'b']);
  assert.equal(reset.code, 1, reset.stdout + reset.stderr);
  assert.doesNotMatch(reset.stdout, /ok again|nothing to reset/);
  // A minute ahead may be tomorrow: a time on another day than today's is said with its date.
  assert.match(
    reset.stdout,
    new RegExp(
      `^reset b: credential ${w.fp} is still set aside: its state was recorded at (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d:\\d\\d, after this reset \\(a process whose clock is ahead of this one's\\), and a failure recorded after a reset stands; run the reset again once that time has passed\\n`,
    ),
  );
  assert.equal(await w.state('b'), 'rejected');
});

test('a key given where its ID goes is refused without echoing it, naming the ID to use instead', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  // A short key (as test and toy keys are): too short for the key-shaped scrub to catch if it were echoed.
  const SHORT = 'sk-tiny-1';
  ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: http://127.0.0.1:9/v1, api_keys: [${SHORT}, ${FRESH}] }
main: { provider: mimo, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  for (const key of [SHORT, FRESH]) {
    const r = await run(['auth', 'reset', 'mimo', key]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`that is a key itself \\(\\S+\\), not an ID: its ID is ${fingerprint(key)}, which is what to pass`),
    );
    assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key), 'the key is not echoed');
  }
  const unknown = await run(['auth', 'reset', 'mimo', 'nothing-like-it']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no credential of mimo matches "nothing-like-it"/);
});
