// What `switchyard auth test` and `doctor` say about a probe that did not simply pass, as a user meets it: a model the
// provider will not serve to the key is a failure (not "valid"), records no success, and breaks the route naming it;
// a key the router already judged suspect reads as the router says, never as "likely a transient provider problem".
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import type { ScenarioInput } from '../../src/sim/scenario.ts';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { assertNoSecrets, inEffectLine, runCliInProcess } from '../helpers/cli.ts';
import { join } from 'node:path';
import { tempWorkspace } from '../helpers/tmp.ts';

const NO_O1 = 'sk-probe-no-o1-key-0001';
const TURNS = 'sk-probe-turns-bad-0002';
const BLOCKED_KEY = 'sk-probe-blocked-key-0003';

/** A provider `mimo` whose one key (TURNS) is valid until the test turns it (or as `key` scripts it), with no auth
 * retries unless `retry` says otherwise; `run` runs the CLI on that config. */
async function turningKey(
  t: TestContext,
  extraYaml = '',
  o: { key?: NonNullable<ScenarioInput['keys']>[string]; retry?: string } = {},
): Promise<{ sim: RunningSimulator; run: (args: string[]) => ReturnType<typeof runCliInProcess> }> {
  const sim = await startSimulator({ scenario: { keys: { [TURNS]: o.key ?? {} } } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: ${sim.url}/v1, api_key: ${TURNS} }
main: { provider: mimo, model: sim-large }
retry: ${o.retry ?? '{ auth_retries: 0 }'}
${extraYaml}auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  return { sim, run: (args) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } }) };
}

interface Listed {
  providers: { candidates: { health: { state: string; reason?: string; last_success_at?: number } }[] }[];
}

test('a probe answered "model not found" is no pass: auth test and doctor fail, and no success is recorded', async (t) => {
  // The key may use sim-small only: sim-large answers 404 model_not_found.
  const sim = await startSimulator({ scenario: { keys: { [NO_O1]: { models: ['sim-small'] } } } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `providers:
  oa: { type: openai, base_url: ${sim.url}/v1, api_key: ${NO_O1} }
main: { provider: oa, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });

  const probe = await run(['auth', 'test']);
  assert.equal(probe.code, 1, probe.stdout);
  assert.match(probe.stdout, /oa\s+\w+\s+sk-…0001\s+config key\s+\d+ms\s+model unavailable/);
  assert.doesNotMatch(probe.stdout, /\bvalid\b|the test request itself failed/);
  assert.match(
    probe.stdout,
    /oa sk-…0001: key accepted, but model sim-large is not served to it \(HTTP 404: [^)]*\); every call of a route naming it fails — check the model name in the route that names it and providers\.oa\.models/,
  );

  const list = JSON.parse((await run(['auth', 'list', 'oa', '--json'])).stdout) as Listed;
  assert.equal(
    list.providers[0]?.candidates[0]?.health.last_success_at,
    undefined,
    'a refused model does not make the key "known-good"',
  );

  const doctor = await run(['doctor']);
  assert.equal(doctor.code, 1, doctor.stdout);
  assert.match(doctor.stdout, /main: BROKEN {2}oa\/sim-large \(main\) ✗/);
  assert.match(
    doctor.stdout,
    /oa\/sim-large: oa accepts its keys but does not serve sim-large to them \(see its probe\)/,
  );
  assert.doesNotMatch(doctor.stdout, /all good|main: ok/);
  assertNoSecrets([NO_O1]);
});

test('auth test on a key the router set aside as suspect uses the router\'s words, not "likely transient"', async (t) => {
  // Works once (known-good), then every call is rejected.
  const { sim, run } = await turningKey(t);
  const first = await run(['chat', '-m', 'hi']);
  assert.equal(first.code, 0, first.stderr);
  sim.setScenario({ keys: { [TURNS]: { valid: false } } });
  const second = await run(['chat', '-m', 'hi']);
  assert.equal(second.code, 1, second.stderr);
  const list = JSON.parse((await run(['auth', 'list', 'mimo', '--json'])).stdout) as Listed;
  assert.equal(list.providers[0]?.candidates[0]?.health.reason, 'auth_suspect');

  const probe = await run(['auth', 'test', 'mimo']);
  assert.equal(probe.code, 1, probe.stdout);
  assert.match(
    probe.stdout,
    /mimo sk-…0002: mimo still rejects key sk-…0002 \(config\)[^;]*, which last worked at \d\d:\d\d(:\d\d)?; it stays set aside \(auth suspect\) until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d/,
  );
  assert.doesNotMatch(probe.stdout, /transient/);
  assertNoSecrets([TURNS]);
});

test('a 403 "this key may not use this model" probe: model_unavailable, saying how to give the key access', async (t) => {
  const up = await startCannedUpstream([
    {
      status: 403,
      body: {
        error: {
          message: 'The model `o1` is blocked at the organization level.',
          type: 'invalid_request_error',
          code: 'model_permission_blocked_org',
        },
      },
    },
  ]);
  const ws = tempWorkspace();
  t.after(async () => {
    await up.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `providers:
  oa: { type: openai, base_url: ${up.baseUrl}, api_key: ${BLOCKED_KEY} }
main: { provider: oa, model: o1 }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const probe = await runCliInProcess(['auth', 'test', '--json'], { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  assert.equal(probe.code, 1, probe.stdout);
  const parsed = JSON.parse(probe.stdout) as {
    ok: boolean;
    providers: { results: { status: string; model?: string; message: string }[] }[];
  };
  assert.equal(parsed.ok, false);
  const r = parsed.providers[0]?.results[0];
  assert.equal(r?.status, 'model_unavailable');
  assert.equal(r?.model, 'o1');
  assert.match(
    r?.message ?? '',
    /^key accepted, but model o1 is not served to it \(HTTP 403: The model `o1` is blocked at the organization level\.\); every call of a route naming it fails — give the key's organisation or project access to o1 with the provider, or name another model in the route that names it$/,
  );
  assert.equal(up.calls.length, 1);
  assertNoSecrets([BLOCKED_KEY]);
});

test('auth test on a key the router judged probably revoked says so, not "likely transient"', async (t) => {
  const { sim, run } = await turningKey(t, 'cooldowns: { auth_suspect: 1s }\n');
  assert.equal((await run(['chat', '-m', 'hi'])).code, 0);
  sim.setScenario({ keys: { [TURNS]: { valid: false } } });
  assert.equal((await run(['chat', '-m', 'hi'])).code, 1, 'rejected once: auth suspect');
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  assert.equal(
    (await run(['chat', '-m', 'hi'])).code,
    1,
    'rejected again after its suspicion ran out: probably revoked',
  );
  const list = JSON.parse((await run(['auth', 'list', 'mimo', '--json'])).stdout) as Listed;
  assert.equal(list.providers[0]?.candidates[0]?.health.state, 'rejected');

  const probe = await run(['auth', 'test', 'mimo']);
  assert.equal(probe.code, 1, probe.stdout);
  assert.match(
    probe.stdout,
    /mimo sk-…0002: mimo rejected key sk-…0002 \(config\)[^;]*\(last worked at \d\d:\d\d(:\d\d)?\); it was probably revoked — check or replace it/,
  );
  assert.doesNotMatch(probe.stdout, /transient/);
});

test('auth test retries a known-good key\'s rejection as the router does: one transient 401 is no "rejected"', async (t) => {
  const { sim, run } = await turningKey(t, '', {
    key: { script: ['ok', 401, 'ok', 401, 401, 401] },
    retry: '{ auth_retries: 2, base_delay: 10ms }',
  });
  assert.equal(
    (await run(['auth', 'test', 'mimo', '--record'])).code,
    0,
    'first call ok, recorded: the key is known-good',
  );

  const flaky = await run(['auth', 'test', 'mimo']);
  assert.equal(flaky.code, 0, flaky.stdout);
  assert.match(flaky.stdout, /mimo\s+\w+\s+sk-…0002\s+config key\s+\d+ms\s+valid/);
  assert.match(
    flaky.stdout,
    /mimo sk-…0002: accepted on retry 1 \(rejected before it: a transient rejection, which the router retries too\)/,
  );

  // Rejected on every retry too: what the router would conclude — set aside as auth suspect, saying it was retried.
  const down = await run(['auth', 'test', 'mimo', '--record']);
  assert.equal(down.code, 1, down.stdout);
  assert.match(
    down.stdout,
    /mimo\s+\w+\s+sk-…0002\s+config key\s+\d+ms\s+suspect \(worked before; likely transient\)$/m,
  );
  assert.match(
    down.stdout,
    /mimo sk-…0002: mimo rejected key sk-…0002 \(config\)[^;]*, which last worked at \d\d:\d\d(:\d\d)?; retried 2× with backoff — likely a transient provider problem; it is set aside \(auth suspect\) until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d, probed once every \S+ while no other key can answer/,
  );
  const list = JSON.parse((await run(['auth', 'list', 'mimo', '--json'])).stdout) as Listed;
  assert.equal(list.providers[0]?.candidates[0]?.health.reason, 'auth_suspect');
  assert.equal(sim.calls(), 6, 'one call, then 1 + 1 retry, then 1 + 2 retries');
  assertNoSecrets([TURNS]);
});

test('auth test says, as auth list and explain do, that env and .env hold different values of a key variable', async (t) => {
  const [fromEnv, fromDotenv] = ['sk-probe-env-value-0004', 'sk-probe-dotenv-value-0005'];
  const sim = await startSimulator({ scenario: { keys: { [fromEnv]: {}, [fromDotenv]: {} } } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `providers:
  xiaomi: { type: openai, base_url: ${sim.url}/v1 }
main: { provider: xiaomi, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  ws.write('.env', `XIAOMI_API_KEY=${fromDotenv}\n`);
  const run = (args: string[]) =>
    runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home, XIAOMI_API_KEY: fromEnv } });
  const warning = `${inEffectLine(join(ws.dir, 'switchyard.yaml'), ws.home)}warning: XIAOMI_API_KEY is set in the environment (sk-…0004) and differently in ${ws.dir}/.env (sk-…0005); the environment's value is tried first, the .env's after it\n`;
  for (const args of [
    ['auth', 'test'],
    ['auth', 'test', 'xiaomi', '--json'],
    ['auth', 'list'],
    ['auth', 'explain', 'xiaomi'],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, warning, args.join(' '));
  }
  assertNoSecrets([fromEnv, fromDotenv]);
});
