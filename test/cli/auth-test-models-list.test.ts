// `switchyard auth test` / `doctor` for a provider no route names a model of: only GET /v1/models can be tried. A key
// the chat rejected but the models list accepts (some providers list models for any key) must stay rejected: the
// list is reported as "accepted by /v1/models (chat not tested)", records no success and clears nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const GOOD = 'sk-listed-good-key-0001';
const CHAT_DEAD = 'sk-listed-chat-dead-0002';
const UNUSED = 'sk-listed-unused-key-0003';

interface Listed {
  providers: {
    candidates: { credential: { fingerprint: string }; health: { state: string; last_success_at?: number } }[];
  }[];
}

test('a models-list-only probe reads "accepted by /v1/models (chat not tested)" and leaves a rejected key rejected', async (t) => {
  // CHAT_DEAD: every chat call answers 401, but /v1/models lists models for it.
  const sim = await startSimulator({
    scenario: { keys: { [GOOD]: {}, [CHAT_DEAD]: { script: ['401'], loop_script: true }, [UNUSED]: {} } },
  });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: ${sim.url}/v1, api_key: ${GOOD} }
  spare: { type: openai, base_url: ${sim.url}/v1, api_key: ${CHAT_DEAD} }
  extra: { type: openai, base_url: ${sim.url}/v1, api_key: ${UNUSED} }
main: { provider: mimo, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });

  const chat = await run(['chat', '-m', 'hi', '--model', 'spare/sim-large']);
  assert.equal(chat.code, 1, chat.stderr);
  const chatCalls = sim.calls(CHAT_DEAD);

  const probe = await run(['auth', 'test', 'spare']);
  assert.equal(probe.code, 1, 'a key still set aside is not "all good"');
  assert.match(probe.stdout, /spare\s+\w+\s+sk-…0002\s+config key\s+\d+ms\s+accepted/);
  assert.doesNotMatch(probe.stdout, /\bvalid\b/);
  assert.match(
    probe.stdout,
    /spare sk-…0002: accepted by \/v1\/models \(chat not tested\), so its state is unchanged: rejected \(never accepted\); next probe at (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d/,
  );

  const list = JSON.parse((await run(['auth', 'list', 'spare', '--json'])).stdout) as Listed;
  const health = list.providers[0]?.candidates[0]?.health;
  assert.equal(health?.state, 'rejected');
  assert.equal(health?.last_success_at, undefined, 'no success recorded: the key is not "known-good"');

  // The next chat does not treat it as a known-good key (no retries, no "likely transient"): it is skipped.
  const again = await run(['chat', '-m', 'hi', '--model', 'spare/sim-large']);
  assert.equal(again.code, 1);
  assert.doesNotMatch(again.stderr, /transient/);
  assert.equal(sim.calls(CHAT_DEAD), chatCalls, 'no chat request reached the rejected key');

  // A key nothing has judged: accepted, exit 0, and the way to a real test is named; still no success recorded.
  const fresh = await run(['auth', 'test', 'extra', '--json']);
  assert.equal(fresh.code, 0, fresh.stderr);
  const parsed = JSON.parse(fresh.stdout) as {
    ok: boolean;
    providers: { results: { status: string; method: string; message: string }[] }[];
  };
  assert.equal(parsed.ok, true);
  assert.deepEqual(
    parsed.providers[0]?.results.map((r) => [r.status, r.method]),
    [['accepted', 'models list']],
  );
  assert.match(
    parsed.providers[0]?.results[0]?.message ?? '',
    /^accepted by \/v1\/models \(chat not tested\); to test it with a one-token chat, name a model for extra \(a route, or providers\.extra\.models\)$/,
  );
  const extra = JSON.parse((await run(['auth', 'list', 'extra', '--json'])).stdout) as Listed;
  assert.equal(extra.providers[0]?.candidates[0]?.health.last_success_at, undefined);

  const doctor = await run(['doctor']);
  assert.equal(doctor.code, 1);
  assert.match(doctor.stdout, /spare\s+\w+\s+sk-…0002\s+config key\s+\d+ms\s+accepted/);
  assert.match(doctor.stdout, /problems found/);
  assertNoSecrets([GOOD, CHAT_DEAD, UNUSED]);
});
