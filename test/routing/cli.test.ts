// `switchyard doctor` and `switchyard auth test` as a user runs them: the real CLI (in-process), a real config
// file, a temp SWITCHYARD_HOME, the simulator over loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const GOOD = 'sk-cli-good-key-0001';
const BAD = 'sk-cli-never-valid-02';
const BROKE = 'sk-cli-no-credit-0003';

/** `await using s = await setup()` closes it when the test's scope ends. */
async function setup(): Promise<
  AsyncDisposable & {
    run(args: string[]): ReturnType<typeof runCliInProcess>;
    calls(key: string): number;
  }
> {
  const sim = await startSimulator({
    scenario: { keys: { [GOOD]: {}, [BAD]: { valid: false }, [BROKE]: { quota: 'payment' } } },
  });
  const ws = tempWorkspace();
  ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: ${sim.url}/v1, api_keys: [${GOOD}, ${BAD}] }
  deepseek: { type: openai, base_url: ${sim.url}/v1, api_key: ${BROKE} }
  claude: { type: anthropic, base_url: ${sim.url} }
main: { provider: mimo, model: sim-large }
fallback: [ { provider: deepseek, model: sim-small } ]
auxiliary:
  title_generation: { provider: none }
  compression: { provider: claude, model: sim-small, fallback_to_main: false }
`,
  );
  return {
    run: (args) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } }),
    calls: (key) => sim.calls(key),
    async [Symbol.asyncDispose]() {
      await sim.close();
      ws.cleanup();
    },
  };
}

test('auth test: one live probe per credential with its result, read-only unless --record; exit 1 unless all are valid', async () => {
  await using s = await setup();
  const r = await s.run(['auth', 'test', 'mimo']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^PROVIDER\s+ID\s+KEY\s+SOURCES\s+LATENCY\s+RESULT$/m);
  assert.match(r.stdout, /mimo\s+\w+\s+sk-…0001\s+config api_keys\[0\]\s+\d+ms\s+valid$/m);
  assert.match(r.stdout, /sk-…d-02\s+config api_keys\[1\]\s+\d+ms\s+rejected \(never worked\)$/m);
  assert.match(r.stdout, /it has never been accepted — check or replace it/);
  assert.match(
    r.stdout,
    /^no key's state was changed \(a key that answered is only noted as known-good\): a probe is read-only unless run with --record, which saves each outcome in .*state\.db as a request's would$/m,
  );
  assert.equal(s.calls(GOOD), 1);
  assert.equal(s.calls(BAD), 1);
  const untouched = await s.run(['auth', 'list', 'mimo', '--json']);
  assert.doesNotMatch(untouched.stdout, /"state": "rejected"/, "a probe changes no key's state by default");
  assert.equal(untouched.stdout.match(/"last_success_at": \d+/g)?.length, 1, 'only the valid key is noted known-good');

  const recorded = await s.run(['auth', 'test', 'mimo', '--record', '--json']);
  assert.equal((JSON.parse(recorded.stdout) as { recorded: boolean }).recorded, true);
  const list = await s.run(['auth', 'list', 'mimo', '--json']);
  assert.match(list.stdout, /"state": "rejected"/, 'with --record, the outcome is recorded in health');
  assert.match(list.stdout, /"last_success_at": \d+/);
  const one = await s.run(['auth', 'test', 'mimo', '--json', list.stdout.match(/"fingerprint": "(\w+)"/)?.[1] ?? '']);
  assert.equal(one.code, 0, one.stderr);
  const parsed = JSON.parse(one.stdout) as {
    ok: boolean;
    recorded: boolean;
    providers: { results: { status: string }[] }[];
  };
  assert.equal(parsed.ok, true);
  assert.equal(parsed.recorded, false);
  assert.deepEqual(
    parsed.providers[0]?.results.map((x) => x.status),
    ['valid'],
  );
  assertNoSecrets([GOOD, BAD, BROKE]);
});

test('doctor: config, store, every credential probed, each task with its chain; --json; exit 1 when something needs attention', async () => {
  await using s = await setup();
  const r = await s.run(['doctor']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^config\s+ok\s+.*switchyard\.yaml/m);
  assert.match(r.stdout, /^state\s+ok\s+sqlite at /m);
  assert.match(r.stdout, /deepseek\s+\w+\s+sk-…0003\s+config key\s+\d+ms\s+quota/);
  assert.match(r.stdout, /no API key for provider claude — looked in providers\.claude\.api_key, env CLAUDE_API_KEY/);
  assert.match(r.stdout, /main: ok {2}mimo\/sim-large \(main\) → deepseek\/sim-small \(fallback\[0\]\) ✗/);
  assert.match(r.stdout, /title_generation: disabled \(auxiliary\.title_generation\.provider is none\)/);
  assert.match(r.stdout, /compression: BROKEN {2}claude\/sim-small \(task\) ✗/);
  const json = await s.run(['doctor', '--json']);
  const report = JSON.parse(json.stdout) as {
    ok: boolean;
    tasks: { task: string; status: string }[];
    store: { ok: boolean };
  };
  assert.equal(report.ok, false);
  assert.equal(report.store.ok, true);
  assert.deepEqual(
    report.tasks.map((t) => [t.task, t.status]),
    [
      ['main', 'ok'],
      ['title_generation', 'disabled'],
      ['compression', 'broken'],
    ],
  );
  assertNoSecrets([GOOD, BAD, BROKE]);
});

test('doctor on an invalid config reports it with its location and exits 2', async () => {
  using ws = tempWorkspace();
  ws.write(
    'switchyard.yaml',
    'providers:\n  mimo: { type: openai, base_url: http://127.0.0.1:9/v1, fallback_chian: [] }\n',
  );
  const r = await runCliInProcess(['doctor'], { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  assert.equal(r.code, 2);
  assert.match(r.stdout, /config\s+FAIL/);
  assert.match(r.stdout, /switchyard\.yaml:2/);
});

test('auth test by models list (no model known) does not bring an out-of-quota key back: the list cannot tell quota', async () => {
  const QUOTA = 'sk-cli-out-of-quota-04';
  await using sim = await startSimulator({ scenario: { keys: { [GOOD]: {}, [QUOTA]: { quota: true } } } });
  using ws = tempWorkspace();
  ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: ${sim.url}/v1, api_key: ${GOOD} }
  spare: { type: openai, base_url: ${sim.url}/v1, api_key: ${QUOTA} }
main: { provider: mimo, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  const chat = await run(['chat', '-m', 'hi', '--model', 'spare/sim-large']);
  assert.notEqual(chat.code, 0, 'the quota key fails the chat and is set aside');
  const probe = await run(['auth', 'test', 'spare', '--json']);
  assert.match(probe.stdout, /accepted by \/v1\/models \(chat not tested\), so its state is unchanged: out of quota/);
  const list = await run(['auth', 'list', 'spare']);
  assert.match(list.stdout, /cooling/);
});
