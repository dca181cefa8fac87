// `switchyard chat` when the provider refuses rather than fails: a key that may not use the model (OpenAI's 403
// "Project … does not have access to model …"), the region the request comes from, a model it does not know. The
// real CLI (in-process), the simulator's 403_model_access / 403_region steps, state in a temp SWITCHYARD_HOME.
// Anthropic's region refusal ("Request not allowed", which does not say why) through chat, auth test and doctor too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoSecrets, inEffectLine, runCliInProcess } from '../helpers/cli.ts';
import { BACKUP, FAST_RETRY, simProvider, startChatWorld, type ChatWorld } from '../sessions/harness.ts';

const REFUSED = 'sk-chat-refused-key-0000aaaa';

/** `main` answers every call with `step`; `backup` (the main chain's fallback) answers. */
function world(step: string): Promise<ChatWorld> {
  return startChatWorld(
    { models: { 'sim-large': {} }, keys: { [REFUSED]: { script: [step], loop_script: true }, [BACKUP]: {} } },
    (url) => ({
      providers: { main: simProvider(url, REFUSED), backup: simProvider(url, BACKUP) },
      main: { provider: 'main', model: 'sim-large' },
      fallback: [{ provider: 'backup', model: 'sim-large' }],
      auxiliary: { title_generation: { provider: 'none' } },
      retry: FAST_RETRY,
    }),
  );
}

test('the main route refused the model for its key: the fallback answers and the note says why', async () => {
  const w = await world('403_model_access');
  try {
    const r = await runCliInProcess(['chat', '-m', 'hello'], { env: w.cliEnv });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[sim-large] reply to: hello\n');
    assert.equal(
      r.stderr,
      inEffectLine(w.configPath, w.home) +
        'note: main does not allow key sk-…aaaa (config) to use model "sim-large"; answering from backup/sim-large — the key stays in use for its other models; give its organisation or project access to the model with main, or name another model — `switchyard auth test main`\n',
    );
    assertNoSecrets([REFUSED, BACKUP]);
  } finally {
    await w.close();
  }
});

test('the main route refused for the region: the note says so, not "model not found"', async () => {
  const w = await world('403_region');
  try {
    const r = await runCliInProcess(['chat', '-m', 'hello'], { env: w.cliEnv });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      inEffectLine(w.configPath, w.home) +
        'note: main does not serve the country or region this request comes from; answering from backup/sim-large — the key was not judged; send from a region main supports (a server there, or a proxy there set as providers.main.proxy), or put another provider first\n',
    );
  } finally {
    await w.close();
  }
});

test('a main model the provider does not know: the note names it and where to look', async () => {
  const w = await startChatWorld(
    { models: { 'sim-large': {} }, keys: { [REFUSED]: { models: ['sim-large'] }, [BACKUP]: {} } },
    (url) => ({
      providers: { main: simProvider(url, REFUSED), backup: simProvider(url, BACKUP) },
      main: { provider: 'main', model: 'sim-gone' },
      fallback: [{ provider: 'backup', model: 'sim-large' }],
      auxiliary: { title_generation: { provider: 'none' } },
      retry: FAST_RETRY,
    }),
  );
  try {
    const r = await runCliInProcess(['chat', '-m', 'hello'], { env: w.cliEnv });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      inEffectLine(w.configPath, w.home) +
        'note: main does not know model "sim-gone"; answering from backup/sim-large — check the model name; `switchyard doctor` lists the models main offers\n',
    );
  } finally {
    await w.close();
  }
});

test('--model naming a route refused for the region: exit 1, the region explained, never "not found"; --json says blocked', async () => {
  const w = await world('403_region');
  try {
    const r = await runCliInProcess(['chat', '--model', 'main/sim-large', '-m', 'hello'], { env: w.cliEnv });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.startsWith(inEffectLine(w.configPath, w.home)), r.stderr);
    assert.match(
      r.stderr,
      /^switchyard: main: main does not serve the country or region this request comes from \(HTTP 403: Country, region, or territory not supported\) — the key was not judged and stays as it is; send from a region the provider supports \(a server there, or a proxy there set as providers\.main\.proxy\), or ask for a model of another provider\n$/m,
    );
    assert.doesNotMatch(r.stderr, /not.found|does not know/i);
    assert.equal(w.sim.calls(BACKUP), 0, 'a route the user named has no fallback');

    const j = await runCliInProcess(['chat', '--model', 'main/sim-large', '-m', 'hello', '--json'], { env: w.cliEnv });
    assert.equal(j.code, 1);
    const out = JSON.parse(j.stdout) as {
      kind: string;
      blocked?: string;
      failures: { kind: string; blocked?: string }[];
    };
    assert.equal(out.kind, 'not_found');
    assert.equal(out.blocked, 'region');
    assert.deepEqual(
      out.failures.map((f) => [f.kind, f.blocked]),
      [['not_found', 'region']],
    );
  } finally {
    await w.close();
  }
});

/** `main` is an Anthropic provider whose key meets Anthropic's region refusal (a bare 403 forbidden "Request not
 * allowed", the simulator's 403_region on its Anthropic API); `backup` answers. */
function anthropicWorld(): Promise<ChatWorld> {
  return startChatWorld(
    { models: { 'sim-large': {} }, keys: { [REFUSED]: { script: ['403_region'], loop_script: true }, [BACKUP]: {} } },
    (url) => ({
      providers: {
        main: {
          type: 'anthropic',
          base_url: url,
          api_key: REFUSED,
          key_env: 'SWITCHYARD_TEST_UNUSED_KEY',
          timeout: '10s',
        },
        backup: simProvider(url, BACKUP),
      },
      main: { provider: 'main', model: 'sim-large' },
      fallback: [{ provider: 'backup', model: 'sim-large' }],
      auxiliary: { title_generation: { provider: 'none' } },
      retry: FAST_RETRY,
    }),
  );
}

test('Anthropic\'s "Request not allowed": chat, auth test and doctor say the region, never a rejected key', async () => {
  const w = await anthropicWorld();
  try {
    const chat = await runCliInProcess(['chat', '-m', 'hello'], { env: w.cliEnv });
    assert.equal(chat.code, 0, chat.stderr);
    assert.equal(
      chat.stderr,
      inEffectLine(w.configPath, w.home) +
        'note: main does not serve the country or region this request comes from; answering from backup/sim-large — the key was not judged; send from a region main supports (a server there, or a proxy there set as providers.main.proxy), or put another provider first\n',
    );

    const probe = await runCliInProcess(['auth', 'test', 'main'], { env: w.cliEnv });
    assert.equal(probe.code, 1, probe.stdout);
    assert.match(probe.stdout, /main\s+\w+\s+sk-…aaaa\s+config key\s+\d+ms\s+unreachable/);
    assert.ok(
      probe.stdout.includes(
        '  main sk-…aaaa: main does not serve the country or region this request comes from (HTTP 403: Request not allowed) — the key was not judged and stays as it is; send from a region the provider supports (a server there, or a proxy there set as providers.main.proxy), or add a fallback route to another provider\n',
      ),
      probe.stdout,
    );
    assert.doesNotMatch(probe.stdout, /rejected|key accepted|check or replace/);
    const json = JSON.parse((await runCliInProcess(['auth', 'test', 'main', '--json'], { env: w.cliEnv })).stdout) as {
      providers: { results: { status: string; blocked?: string }[] }[];
    };
    assert.deepEqual(
      json.providers[0]?.results.map((r) => [r.status, r.blocked]),
      [['unreachable', 'region']],
    );

    const list = JSON.parse((await runCliInProcess(['auth', 'list', 'main', '--json'], { env: w.cliEnv })).stdout) as {
      providers: { candidates: { health: { state: string } }[] }[];
    };
    assert.equal(list.providers[0]?.candidates[0]?.health.state, 'ok', 'the key was not judged');

    const doctor = await runCliInProcess(['doctor'], { env: w.cliEnv });
    assert.equal(doctor.code, 1, doctor.stdout);
    assert.match(doctor.stdout, /main: ok {2}main\/sim-large \(main\) ✗ → backup\/sim-large \(fallback\[0\]\)/);
    assert.match(
      doctor.stdout,
      /main\/sim-large: main does not serve the country or region this request comes from \(see its probe\); its keys could not be checked/,
    );
    assertNoSecrets([REFUSED, BACKUP]);
  } finally {
    await w.close();
  }
});
