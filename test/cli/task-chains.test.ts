// A task's chain, as the real CLI and gateway show and run it: its primary (its own provider, or the main chain for
// `auto`), then its fallback_chain, then the main chain if fallback_to_main — every combination, printed by
// `config show --explain`, `doctor` and `auth explain`, and the starter config's `auto` title task reaching claude.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const MIMO_BAD = 'sk-chain-mimo-never-01';
const DEEP_BAD = 'sk-chain-deep-never-02';
const CLAUDE_OK = 'sk-ant-chain-good-0003';

const CLAUDE = { provider: 'claude', model: 'sim-small' };
/** Task name → [settings, the chain `config show --explain` prints for it]. */
const TASKS: Record<string, [Record<string, unknown>, string]> = {
  auto_plain: [
    { provider: 'auto', fallback_to_main: false },
    'mimo/sim-large (main) → deepseek/sim-small (fallback[0])',
  ],
  auto_main: [{ provider: 'auto', fallback_to_main: true }, 'mimo/sim-large (main) → deepseek/sim-small (fallback[0])'],
  auto_chain: [
    { provider: 'auto', fallback_chain: [CLAUDE], fallback_to_main: false },
    'mimo/sim-large (main) → deepseek/sim-small (fallback[0]) → claude/sim-small (fallback_chain[0])',
  ],
  auto_chain_main: [
    { provider: 'auto', fallback_chain: [CLAUDE], fallback_to_main: true },
    'mimo/sim-large (main) → deepseek/sim-small (fallback[0]) → claude/sim-small (fallback_chain[0])',
  ],
  auto_model_main: [
    { provider: 'auto', model: 'sim-small', fallback_chain: [CLAUDE], fallback_to_main: true },
    'mimo/sim-small (main) → deepseek/sim-small (fallback[0]) → claude/sim-small (fallback_chain[0]) → mimo/sim-large (main)',
  ],
  own_plain: [{ provider: 'claude', model: 'sim-large', fallback_to_main: false }, 'claude/sim-large (task)'],
  own_main: [
    { provider: 'claude', model: 'sim-large', fallback_to_main: true },
    'claude/sim-large (task) → mimo/sim-large (main) → deepseek/sim-small (fallback[0])',
  ],
  own_chain: [
    { provider: 'claude', model: 'sim-large', fallback_chain: [CLAUDE], fallback_to_main: false },
    'claude/sim-large (task) → claude/sim-small (fallback_chain[0])',
  ],
  own_chain_main: [
    { provider: 'claude', model: 'sim-large', fallback_chain: [CLAUDE], fallback_to_main: true },
    'claude/sim-large (task) → claude/sim-small (fallback_chain[0]) → mimo/sim-large (main) → deepseek/sim-small (fallback[0])',
  ],
};

async function setup(t: test.TestContext) {
  const sim = await startSimulator({
    scenario: { keys: { [MIMO_BAD]: { valid: false }, [DEEP_BAD]: { valid: false }, [CLAUDE_OK]: {} } },
  });
  const ws = tempWorkspace();
  t.after(async () => {
    await sim.close();
    ws.cleanup();
  });
  const auxiliary = Object.fromEntries(Object.entries(TASKS).map(([name, [settings]]) => [name, settings]));
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: {
        mimo: { type: 'openai', base_url: `${sim.url}/v1`, api_key: MIMO_BAD },
        deepseek: { type: 'openai', base_url: `${sim.url}/v1`, api_key: DEEP_BAD },
        claude: { type: 'anthropic', base_url: sim.url, api_key: CLAUDE_OK },
      },
      main: { provider: 'mimo', model: 'sim-large' },
      fallback: [{ provider: 'deepseek', model: 'sim-small' }],
      // As `config init` writes it.
      auxiliary: {
        title_generation: { provider: 'auto', fallback_chain: [CLAUDE] },
        compression: { provider: 'none' },
        ...auxiliary,
      },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
    }),
  );
  const env = { SWITCHYARD_HOME: ws.home, HOME: ws.dir };
  return { sim, ws, configPath, env, run: (args: string[]) => runCliInProcess(args, { cwd: ws.dir, env }) };
}

test("config show --explain prints every task's resolved chain, for every auto/explicit × fallback_chain × fallback_to_main", async (t) => {
  const s = await setup(t);
  const r = await s.run(['config', 'show', '--explain']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^chains \(each task's routes, in the order they are tried\):$/m);
  assert.match(
    r.stdout,
    /^ {2}title_generation: mimo\/sim-large \(main\) → deepseek\/sim-small \(fallback\[0\]\) → claude\/sim-small \(fallback_chain\[0\]\)$/m,
  );
  assert.match(r.stdout, /^ {2}compression: disabled \(auxiliary\.compression\.provider is none\)$/m);
  for (const [task, [, chain]] of Object.entries(TASKS))
    assert.ok(r.stdout.includes(`\n  ${task}: ${chain}\n`), `${task}: ${chain}\n${r.stdout}`);
  const json = JSON.parse((await s.run(['config', 'show', '--explain', '--json'])).stdout) as {
    chains: { task: string; routes: { route: string; origin: string }[] }[];
  };
  const title = json.chains.find((c) => c.task === 'title_generation');
  assert.deepEqual(
    title?.routes.map((x) => [x.route, x.origin]),
    [
      ['mimo/sim-large', 'main'],
      ['deepseek/sim-small', 'fallback[0]'],
      ['claude/sim-small', 'auxiliary.title_generation.fallback_chain[0]'],
    ],
  );
  assertNoSecrets([MIMO_BAD, DEEP_BAD, CLAUDE_OK]);
});

test("doctor: an auto task with a fallback_chain is ok through it when the main chain's keys are bad", async (t) => {
  const s = await setup(t);
  const r = await s.run(['doctor']);
  assert.equal(r.code, 1, 'main itself is broken');
  assert.match(r.stdout, /^ {2}main: BROKEN {2}mimo\/sim-large \(main\) ✗ → deepseek\/sim-small \(fallback\[0\]\) ✗$/m);
  assert.match(
    r.stdout,
    /^ {2}title_generation: ok {2}mimo\/sim-large \(main\) ✗ → deepseek\/sim-small \(fallback\[0\]\) ✗ → claude\/sim-small \(fallback_chain\[0\]\)$/m,
  );
  assert.match(r.stdout, /^ {2}auto_plain: BROKEN /m);
  assert.match(r.stdout, /^ {2}auto_chain: ok /m);
  const json = JSON.parse((await s.run(['doctor', '--json'])).stdout) as {
    tasks: { task: string; status: string; routes: { route: string; origin: string }[] }[];
  };
  const byTask = new Map(json.tasks.map((x) => [x.task, x]));
  for (const [task, [, chain]] of Object.entries(TASKS)) {
    const routes = byTask.get(task)?.routes.map((x) => x.route) ?? [];
    assert.deepEqual(
      routes,
      chain.split(' → ').map((x) => x.split(' ')[0]),
      task,
    );
    assert.equal(byTask.get(task)?.status, routes.some((x) => x.startsWith('claude/')) ? 'ok' : 'broken', task);
  }
  assertNoSecrets([MIMO_BAD, DEEP_BAD, CLAUDE_OK]);
});

test('auth explain P lists the chains that go through P', async (t) => {
  const s = await setup(t);
  const r = await s.run(['auth', 'explain', 'claude']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^chains through claude \(each task's routes, in the order they are tried\):$/m);
  assert.match(
    r.stdout,
    /^ {2}title_generation: mimo\/sim-large \(main\) → deepseek\/sim-small \(fallback\[0\]\) → claude\/sim-small \(fallback_chain\[0\]\)$/m,
  );
  assert.match(r.stdout, /^ {2}own_plain: claude\/sim-large \(task\)$/m);
  assert.doesNotMatch(r.stdout, /^ {2}(main|auto_plain|auto_main): /m, 'chains without claude are not listed');
  const json = JSON.parse((await s.run(['auth', 'explain', 'claude', '--json'])).stdout) as {
    chains: { task: string }[];
  };
  assert.deepEqual(
    json.chains.map((c) => c.task).sort(),
    [
      'auto_chain',
      'auto_chain_main',
      'auto_model_main',
      'own_chain',
      'own_chain_main',
      'own_main',
      'own_plain',
      'title_generation',
    ].sort(),
  );
});

test('the gateway runs an auto task through its fallback_chain when the main chain fails', async (t) => {
  const s = await setup(t);
  const key = (JSON.parse((await s.run(['gateway', 'keys', 'create', '--json'])).stdout) as { key: string }).key;
  const gw = await spawnGateway(t, ['--config', s.configPath], s.env, s.ws.dir);
  t.after(async () => {
    gw.child.kill('SIGTERM');
    await gw.exited;
  });
  const ask = (model: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'a title, please' }] }),
    });
  const title = await ask('title_generation');
  await title.arrayBuffer();
  assert.equal(title.status, 200);
  assert.equal(title.headers.get('x-switchyard-route'), 'claude/sim-small');
  assert.equal(s.sim.calls(CLAUDE_OK), 1);
  const plain = await ask('auto_plain');
  await plain.arrayBuffer();
  assert.notEqual(plain.status, 200, 'without a fallback_chain, an auto task has only the main chain');
  assert.equal(s.sim.calls(CLAUDE_OK), 1);
});
