// One key held by two providers (one vendor's OpenAI- and Anthropic-shaped endpoints): health is per key, so a
// rejection on one endpoint benches it on both. `config check` and `doctor` warn, naming both providers, the masked
// key and why it matters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const SHARED = 'sk-shared-vendor-key-0001';
const OWN = 'sk-shared-own-key-0002';

test('config check and doctor warn about a key two providers share', async (t) => {
  const sim = await startSimulator({ scenario: { keys: { [SHARED]: {}, [OWN]: {} } } });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: ${sim.url}/v1, api_key: ${SHARED} }
  mimo-claude: { type: anthropic, base_url: ${sim.url} }
  other: { type: openai, base_url: ${sim.url}/v1, api_key: ${OWN} }
main: { provider: mimo, model: sim-large }
fallback: [ { provider: mimo-claude, model: sim-large } ]
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  ws.write('.env', `MIMO_CLAUDE_API_KEY=${SHARED}\n`);
  const run = (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  const warning =
    'providers mimo and mimo-claude share one key sk-…0001 (mimo: config key; mimo-claude: .env MIMO_CLAUDE_API_KEY): health is kept per key, so when one of them rejects, rate-limits or runs it out of quota it is set aside for all of them, and falling back from one to another cannot help; give each provider its own key where the vendor allows it';

  const check = await run(['config', 'check']);
  assert.equal(check.code, 0, check.stderr);
  assert.ok(check.stdout.includes(`warning: ${warning}\n`), check.stdout);
  assert.doesNotMatch(check.stdout, /providers \S+ and other share/);

  const doctor = await run(['doctor']);
  assert.equal(doctor.code, 0, doctor.stdout);
  assert.ok(doctor.stdout.includes(`warning: ${warning}`), doctor.stdout);
  assert.match(doctor.stdout, /^all good, with 1 warning above$/m);
  const json = JSON.parse((await run(['doctor', '--json'])).stdout) as { config: { warnings: string[] } };
  assert.ok(json.config.warnings.includes(warning));

  // Each with its own key: nothing to say.
  ws.write('.env', `MIMO_CLAUDE_API_KEY=${OWN}-claude\n`);
  assert.doesNotMatch((await run(['config', 'check'])).stdout, /share one key/);
  assertNoSecrets([SHARED, OWN]);
});
