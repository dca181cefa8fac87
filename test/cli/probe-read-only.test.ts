// `auth test` and `doctor` as diagnostics: they record nothing in the state store unless --record (a flaky working key
// is never benched by looking at it), their verdict says what a rejection means for the key, and on a terminal each
// row comes as its probe completes, with a spinner naming what is still awaited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { startSimulator, type ScenarioInput } from '../../src/sim/server.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { openStore } from '../../src/state/open.ts';
import { CLI, assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const FLAKY = 'sk-probe-flaky-known-good-01';
const NEVER = 'sk-probe-never-worked-0002';
const LIMITED = 'sk-probe-rate-limited-0003';
const SLOW = 'sk-probe-slow-upstream-0004';
const FAST = 'sk-probe-fast-upstream-0005';

type Listed = {
  providers: { candidates: { credential: { fingerprint: string }; health: Record<string, unknown> }[] }[];
};

async function world(t: test.TestContext, scenario: NonNullable<ScenarioInput['keys']>, providers: string) {
  const sim = await startSimulator({ scenario: { keys: scenario } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `${providers.replaceAll('SIM', sim.url)}
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
retry: { auth_retries: 2, base_delay: 5ms, max_delay: 10ms }
`,
  );
  const env = { SWITCHYARD_HOME: ws.home };
  return { sim, ws, env, run: (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env }) };
}

test("doctor and auth test never change a flaky known-good key's health without --record; their verdicts say what each failure means", async (t) => {
  // The flaky key at its worst: every call answers a transient 401 (the simulator's transient_401_rate).
  const w = await world(
    t,
    { [FLAKY]: { transient_401_rate: 1 }, [NEVER]: { valid: false }, [LIMITED]: { rate_limit_after: 0, reset: '30s' } },
    `providers:
  mimo: { type: openai, base_url: SIM/v1, api_keys: [${FLAKY}, ${NEVER}] }
  spare: { type: openai, base_url: SIM/v1, api_key: ${LIMITED} }
main: { provider: mimo, model: sim-large }
fallback: [ { provider: spare, model: sim-large } ]`,
  );
  // Known-good: the gateway had used it an hour ago.
  const store = openStore({ home: w.ws.home });
  store.applyHealth(fingerprint(FLAKY), {
    provider: 'mimo',
    at: Date.now() - 3_600_000,
    add_successes: 1,
    last_success_at: Date.now() - 3_600_000,
  });
  await store.flush();
  await store.close();
  const health = async (): Promise<Record<string, Record<string, unknown>>> => {
    const listed = JSON.parse((await w.run(['auth', 'list', '--json'])).stdout) as Listed;
    return Object.fromEntries(
      listed.providers.flatMap((p) => p.candidates.map((c) => [c.credential.fingerprint, c.health])),
    );
  };
  const before = await health();

  const doctor = await w.run(['doctor']);
  assert.equal(doctor.code, 1, doctor.stdout);
  assert.match(
    doctor.stdout,
    /mimo\s+\w+\s+sk-…d-01\s+config api_keys\[0\]\s+\d+ms\s+suspect \(worked before; likely transient\)$/m,
  );
  assert.match(
    doctor.stdout,
    /mimo sk-…d-01: mimo rejected key sk-…d-01 \(config[^;]*, which last worked at [^;]*; retried 2× with backoff — likely a transient provider problem$/m,
  );
  assert.match(doctor.stdout, /mimo\s+\w+\s+sk-…0002\s+config api_keys\[1\]\s+\d+ms\s+rejected \(never worked\)$/m);
  assert.match(doctor.stdout, /spare\s+\w+\s+sk-…0003\s+config key\s+\d+ms\s+rate-limited$/m);
  assert.doesNotMatch(doctor.stdout, /set aside|it rests/, 'nothing was set aside, and nothing says so');
  assert.match(
    doctor.stdout,
    /^no key's state was changed \(a key that answered is only noted as known-good\): a probe is read-only unless run with --record/m,
  );
  const probe = await w.run(['auth', 'test', '--json']);
  const parsed = JSON.parse(probe.stdout) as {
    recorded: boolean;
    providers: { results: { status: string; verdict?: string }[] }[];
  };
  assert.equal(parsed.recorded, false);
  assert.deepEqual(
    parsed.providers.map((p) => p.results.map((r) => [r.status, r.verdict])),
    [
      [
        ['suspect', 'known_good'],
        ['rejected', 'never_accepted'],
      ],
      [['rate_limited', undefined]],
    ],
  );
  assert.deepEqual(await health(), before, "doctor and auth test changed no key's health");
  assert.ok(w.sim.calls(FLAKY) >= 6, 'each probe retried the known-good key as the router would');

  const recorded = await w.run(['doctor', '--record']);
  assert.doesNotMatch(recorded.stdout, /no key's state was changed/);
  const after = await health();
  assert.equal(after[fingerprint(FLAKY)]?.['reason'], 'auth_suspect', 'with --record, as a request would have left it');
  assert.equal(after[fingerprint(NEVER)]?.['state'], 'rejected');
  assert.equal(after[fingerprint(LIMITED)]?.['reason'], 'rate_limited');
  assertNoSecrets([FLAKY, NEVER, LIMITED]);
});

test('a valid probe of a key the router set aside says it stays set aside unless recorded', async (t) => {
  const w = await world(
    t,
    { [FAST]: {} },
    `providers:
  mimo: { type: openai, base_url: SIM/v1, api_key: ${FAST} }
main: { provider: mimo, model: sim-large }`,
  );
  const store = openStore({ home: w.ws.home });
  store.applyHealth(fingerprint(FAST), {
    provider: 'mimo',
    at: Date.now(),
    state: 'rejected',
    until: Date.now() + 3_600_000,
  });
  await store.flush();
  await store.close();
  const probe = await w.run(['auth', 'test']);
  assert.equal(probe.code, 0, probe.stdout);
  assert.match(
    probe.stdout,
    /mimo sk-…0005: accepted, but not recorded, so the router still skips it \(rejected \(never accepted\); next probe at [^)]*\); run with --record, or `switchyard auth reset mimo \w+`, to put it back in use/,
  );
  const recorded = await w.run(['auth', 'test', '--record']);
  assert.doesNotMatch(recorded.stdout, /not recorded/);
  assert.match((await w.run(['auth', 'list'])).stdout, /sk-…0005\s+config key\s+ok /);
});

for (const command of [['auth', 'test'], ['doctor']]) {
  test(`a key \`${command.join(' ')}\` proved is known-good: a transient 401 on its first request is retried, not rejected`, async (t) => {
    const KEY = 'sk-probe-proved-then-401-0006';
    // The probe's chat answers, the first request's meets one transient 401, the retry answers.
    const w = await world(
      t,
      { [KEY]: { script: ['ok', 401, 'ok'] } },
      `providers:
  mimo: { type: openai, base_url: SIM/v1, api_key: ${KEY} }
main: { provider: mimo, model: sim-large }`,
    );
    const probed = await w.run(command);
    assert.equal(probed.code, 0, probed.stdout);
    const chat = await w.run(['chat', '-m', 'hello', '--no-session']);
    assert.equal(chat.code, 0, `the request was retried and answered: ${chat.stdout}${chat.stderr}`);
    assert.equal(w.sim.calls(KEY), 3, 'the probe, the rejected request and its retry');
    const listed = JSON.parse((await w.run(['auth', 'list', '--json'])).stdout) as Listed;
    const health = listed.providers[0]?.candidates[0]?.health;
    assert.equal(health?.['state'], 'ok', 'not rejected as never accepted');
    assertNoSecrets([KEY]);
  });
}

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

test(
  "on a terminal, each key's row comes as its probe completes, with a spinner naming the slow one",
  { skip: !hasScript && 'util-linux script not found' },
  async (t) => {
    // The slow provider is first in the config: its row must not hold back the fast one's.
    const w = await world(
      t,
      { [SLOW]: { latency: '4s' }, [FAST]: {} },
      `providers:
  slow: { type: openai, base_url: SIM/v1, api_key: ${SLOW} }
  fast: { type: openai, base_url: SIM/v1, api_key: ${FAST} }
main: { provider: slow, model: sim-large }
fallback: [ { provider: fast, model: sim-large } ]`,
    );
    const env = { PATH: process.env['PATH'] ?? '', HOME: w.ws.dir, TERM: 'xterm', NO_COLOR: '1', ...w.env };
    const child = spawn('script', ['-qfec', `exec '${process.execPath}' '${CLI}' auth test`, '/dev/null'], {
      cwd: w.ws.dir,
      env,
      stdio: 'pipe',
    });
    t.after(() => child.kill('SIGKILL'));
    let drawn = '';
    child.stdout.on('data', (d: Buffer) => (drawn += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const screen = (): string => stripVTControlCharacters(drawn);
    await until(
      "the fast key's row and the spinner on the slow one",
      () =>
        /fast\s+\w+\s+sk-…0005\s+config key\s+\d+ms\s+valid/.test(screen()) &&
        /probing: 1 of 2 answered; waiting on slow sk-…0004/.test(screen()),
      15_000,
    );
    assert.doesNotMatch(screen(), /sk-…0004\s+config key\s+\d+ms/, 'the slow key is still being waited on');
    assert.equal(await exited, 0);
    assert.match(screen(), /slow\s+\w+\s+sk-…0004\s+config key\s+\d+ms\s+valid/);
    assert.ok(
      screen().indexOf('sk-…0005  config') < screen().indexOf('sk-…0004  config'),
      'rows in the order the probes completed',
    );
  },
);

test('piped, the rows come without a spinner', async (t) => {
  const w = await world(
    t,
    { [FAST]: {} },
    `providers:
  fast: { type: openai, base_url: SIM/v1, api_key: ${FAST} }
main: { provider: fast, model: sim-large }`,
  );
  const r = await w.run(['auth', 'test']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /probing/);
  assert.ok(!(r.stdout + r.stderr).includes('\u001b'), 'no terminal control sequences');
});
