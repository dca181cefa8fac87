// A task's own key (`auxiliary.title_generation.api_key: "${TITLE_KEY}"`, value in .env) as a user sees it in
// `auth list`, `auth explain`, `auth test` and `doctor`: listed and probed under its provider, with where it comes
// from, and a bad one is not "all good". Real CLI, real files, the simulator on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { freePort } from '../helpers/net.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const PROVIDER_KEY = 'sk-task-provider-good-0001';
const TITLE_BAD = 'sk-task-title-never-valid-0002';
const TITLE_GOOD = 'sk-task-title-good-0003';
const SECRETS = [PROVIDER_KEY, TITLE_BAD, TITLE_GOOD];

const CONFIG = (url: string, extra = ''): string => `providers:
  xiaomi: { type: openai, base_url: ${url}/v1 }
main: { provider: xiaomi, model: sim-large }
auxiliary:
  title_generation:
    provider: xiaomi
    model: sim-small
    api_key: "\${TITLE_KEY}"
${extra}  compression: { provider: none }
`;
const SLOT = /auxiliary\.title_generation\.api_key ← \.env TITLE_KEY \(switchyard\.yaml:8\)/;

/** `extra`: more lines of the title_generation task (indented by four spaces). */
async function setup(t: { after(fn: () => Promise<void>): void }, dotenv: string, extra = '') {
  const sim = await startSimulator({
    scenario: { keys: { [PROVIDER_KEY]: {}, [TITLE_BAD]: { valid: false }, [TITLE_GOOD]: {} } },
  });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write('switchyard.yaml', CONFIG(sim.url, extra));
  ws.write('.env', dotenv);
  return { sim, run: (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } }) };
}

test("a task's bad key is listed, probed on the task's model and reported under its provider", async (t) => {
  const { sim, run } = await setup(t, `XIAOMI_API_KEY=${PROVIDER_KEY}\nTITLE_KEY=${TITLE_BAD}\n`);
  const id = fingerprint(TITLE_BAD);

  const list = await run(['auth', 'list']);
  assert.equal(list.code, 0, list.stderr);
  const row = list.stdout.split('\n').find((l) => l.includes(id)) ?? '';
  assert.match(row, /^xiaomi\s+-\s+\w+\s+sk-…0002\s+/);
  assert.match(row, SLOT);

  const probe = await run(['auth', 'test', '--record']);
  assert.equal(probe.code, 1, 'a rejected task key is not "all valid"');
  assert.match(
    probe.stdout,
    new RegExp(
      `xiaomi\\s+${id}\\s+sk-…0002\\s+auxiliary\\.title_generation\\.api_key ← \\.env TITLE_KEY \\(switchyard\\.yaml:8\\)\\s+\\d+ms\\s+rejected`,
    ),
  );
  assert.match(probe.stdout, /xiaomi sk-…0002 \(title_generation's own key\): .*never been accepted/);
  assert.match(probe.stdout, /xiaomi\s+\w+\s+sk-…0001\s+\.env XIAOMI_API_KEY\s+\d+ms\s+valid/);
  const json = JSON.parse((await run(['auth', 'test', 'xiaomi', id.slice(0, 6), '--json'])).stdout) as {
    providers: { results: { task?: string; method: string; status: string }[] }[];
  };
  assert.deepEqual(
    json.providers[0]?.results.map((r) => [r.task, r.method, r.status]),
    [['title_generation', 'chat xiaomi/sim-small', 'rejected']],
  );
  assert.ok(sim.calls(TITLE_BAD) >= 1);

  const explain = await run(['auth', 'explain', 'xiaomi']);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(explain.stdout, /→ the next request uses \.env XIAOMI_API_KEY sk-…0001/);
  assert.match(explain.stdout, /tasks' own keys \(each tried first by its task, before the keys above\):/);
  assert.match(
    explain.stdout,
    new RegExp(
      `-\\s+${id}\\s+sk-…0002\\s+auxiliary\\.title_generation\\.api_key ← \\.env TITLE_KEY \\(switchyard\\.yaml:8\\)\\s+rejected`,
    ),
  );
  assert.match(
    explain.stdout,
    /→ title_generation skips its own key sk-…0002 \(\w+\) \(rejected \(never accepted\); next probe at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\) and uses the keys above/,
  );
  const explained = JSON.parse((await run(['auth', 'explain', 'xiaomi', '--json'])).stdout) as {
    task_keys: { task: string; where: string; health: { state: string } }[];
  };
  assert.deepEqual(
    explained.task_keys.map((k) => [k.task, k.health.state]),
    [['title_generation', 'rejected']],
  );

  const doctor = await run(['doctor']);
  assert.equal(doctor.code, 1, 'doctor is not "all good" while a task key is rejected');
  assert.match(doctor.stdout, /title_generation's own key/);
  assert.match(
    doctor.stdout,
    /title_generation: ok {2}xiaomi\/sim-small \(task\)/,
    'the provider key still serves the task',
  );
  assert.match(
    doctor.stdout,
    /xiaomi\/sim-small: its own key sk-…0002 \(auxiliary\.title_generation\.api_key\) is rejected; the provider's other keys answer instead/,
  );
  assert.match(doctor.stdout, /problems found/);
  assertNoSecrets(SECRETS);
});

test("a task's good key on a provider with no key of its own: the task is ok, the main route is not", async (t) => {
  const { run } = await setup(t, `TITLE_KEY=${TITLE_GOOD}\n`);

  const explain = await run(['auth', 'explain', 'xiaomi']);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(
    explain.stdout,
    /no API key for provider xiaomi — looked in providers\.xiaomi\.api_key, env XIAOMI_API_KEY, \.env/,
  );
  assert.match(explain.stdout, /tasks' own keys \(each tried first by its task, before any key of xiaomi\):/);
  assert.match(explain.stdout, /→ title_generation uses its own key sk-…0003 \(\w+\) first\n/);

  const probe = await run(['auth', 'test', 'xiaomi']);
  assert.equal(probe.code, 0, probe.stdout);
  assert.match(
    probe.stdout,
    /xiaomi\s+\w+\s+sk-…0003\s+auxiliary\.title_generation\.api_key ← \.env TITLE_KEY \(switchyard\.yaml:8\)\s+\d+ms\s+valid/,
  );

  const doctor = await run(['doctor']);
  assert.equal(doctor.code, 1);
  assert.match(doctor.stdout, /main: BROKEN {2}xiaomi\/sim-large \(main\) ✗/);
  assert.match(doctor.stdout, /xiaomi\/sim-large: no API key for provider xiaomi/);
  assert.match(doctor.stdout, /title_generation: ok {2}xiaomi\/sim-small \(task\)(?! ✗)/);
  assertNoSecrets(SECRETS);
});

test('a task key with provider: auto is never used, and config check says so', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  ws.write(
    'switchyard.yaml',
    `providers:
  xiaomi: { type: openai, base_url: http://127.0.0.1:9/v1 }
main: { provider: xiaomi, model: m }
auxiliary:
  title_generation: { api_key: "\${TITLE_KEY}" }
`,
  );
  ws.write('.env', `XIAOMI_API_KEY=${PROVIDER_KEY}\nTITLE_KEY=${TITLE_GOOD}\n`);
  const check = await runCliInProcess(['config', 'check'], { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  assert.equal(check.code, 0, check.stderr);
  assert.match(
    check.stdout,
    /^warning: auxiliary\.title_generation\.api_key is not used: with provider: auto the task's first routes are the main chain's, on their providers' own settings \(then its fallback_chain's\); name the provider \(provider: P\) for the task's api_key to apply$/m,
  );
  const list = await runCliInProcess(['auth', 'list'], { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  assert.doesNotMatch(list.stdout, /auxiliary\.title_generation/, 'an unused key is not listed as if it were tried');
  assertNoSecrets(SECRETS);
});

test("auth commands say when a task key's variable differs between the environment and .env", async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  ws.write('switchyard.yaml', CONFIG('http://127.0.0.1:9'));
  ws.write('.env', `TITLE_KEY=${TITLE_BAD}\n`);
  const r = await runCliInProcess(['auth', 'list'], {
    cwd: ws.dir,
    env: { SWITCHYARD_HOME: ws.home, TITLE_KEY: TITLE_GOOD },
  });
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('TITLE_KEY'));
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(
    warnings[0]!,
    /TITLE_KEY is set in the environment \(sk-…0003\) and differently in .*\.env \(sk-…0002\); the environment's value is used/,
  );
  assert.match(r.stdout, /auxiliary\.title_generation\.api_key ← env TITLE_KEY \(switchyard\.yaml:8\)/);
  assertNoSecrets(SECRETS);
});

test("a task's own base_url is named when it cannot be reached; a dead-end task chain is said as such; auth test of one ID", async (t) => {
  const port = await freePort();
  const { run } = await setup(
    t,
    `TITLE_KEY=${TITLE_BAD}\n`,
    `    base_url: http://127.0.0.1:${port}/v1\n    fallback_to_main: false\n`,
  );
  const id = fingerprint(TITLE_BAD);

  const probe = await run(['auth', 'test']);
  assert.equal(probe.code, 1);
  assert.match(
    probe.stdout,
    new RegExp(
      `xiaomi sk-…0002 \\(title_generation's own key\\): could not reach xiaomi at http://127\\.0\\.0\\.1:${port}/v1 \\([^)]*ECONNREFUSED[^)]*\\) — check auxiliary\\.title_generation\\.base_url and`,
    ),
  );
  assert.doesNotMatch(probe.stdout, /check providers\.xiaomi\.base_url/);

  // Only the named key: the provider's lack of a key of its own is not part of that answer.
  const one = await run(['auth', 'test', 'xiaomi', id]);
  assert.equal(one.code, 1);
  assert.doesNotMatch(one.stdout, /missing|no API key for provider xiaomi/);
  assert.match(one.stdout, new RegExp(`xiaomi\\s+${id}\\s+sk-…0002`));
});

test("a task key set aside with no other key and fallback_to_main: false: auth explain says the task's calls fail", async (t) => {
  const { run } = await setup(t, `TITLE_KEY=${TITLE_BAD}\n`, '    fallback_to_main: false\n');
  assert.equal(
    (await run(['auth', 'test', 'xiaomi', '--record'])).code,
    1,
    'the recorded probe marks the task key rejected',
  );
  const explain = await run(['auth', 'explain', 'xiaomi']);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(
    explain.stdout,
    /→ title_generation skips its own key sk-…0002 \(\w+\) \(rejected \(never accepted\)[^)]*\); xiaomi has no other key, so title_generation has no other route \(auxiliary\.title_generation\.fallback_to_main is false and its fallback_chain is empty\): its calls fail until the key is fixed or replaced/,
  );
  assert.doesNotMatch(explain.stdout, /next route of its chain/);
});

test('a task key set aside with no other key of its provider: auth explain names the route the task goes on to', async (t) => {
  const { run } = await setup(t, `TITLE_KEY=${TITLE_BAD}\n`);
  assert.equal((await run(['auth', 'test', 'xiaomi', '--record'])).code, 1);
  const explain = await run(['auth', 'explain', 'xiaomi']);
  assert.match(explain.stdout, /xiaomi has no other key, so the task goes on to xiaomi\/sim-large \(main\)/);
});
