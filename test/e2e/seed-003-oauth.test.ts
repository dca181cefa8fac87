// Seed 003's first expected step, "try same-provider auth recovery / refresh", with an OAuth provider: an auxiliary
// task's token is invalidated (401 token_invalidated) and re-minted — the same provider answers, nothing falls back;
// when the re-mint fails, the call goes on to the task's fallback_chain, then the main model, as for any auth failure.
// And two gateway processes on one state file under load, sharing a single-use refresh token: no invalid_grant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config/load.ts';
import { createSwitchyard } from '../../src/library/switchyard.ts';
import { startSimulator } from '../../src/sim/server.ts';
import type { ScenarioInput } from '../../src/sim/scenario.ts';
import { openStore } from '../../src/state/open.ts';
import { closePools } from '../../src/providers/registry.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { runCliInProcess } from '../helpers/cli.ts';

test.after(closePools);

const hello = [{ role: 'user' as const, content: 'Summarise this conversation.' }];
const RETRY = 'retry: { max_retries: 2, auth_retries: 2, base_delay: 2ms, max_delay: 10ms, max_wait: 20ms }\n';
const CHAIN = 'sk-aux-fallback-key-2';
const MAIN = 'sk-main-model-key-003';

/** `await using w = await seed003(…)` closes it when the test's scope ends. */
async function seed003(scenario: ScenarioInput, chainWorks: boolean) {
  const sim = await startSimulator({
    scenario: { ...scenario, keys: { [CHAIN]: chainWorks ? {} : { valid: false }, [MAIN]: {} } },
  });
  const ws = tempWorkspace();
  const configPath = ws.write(
    'switchyard.yaml',
    `providers:
  oauth_aux:
    type: openai
    base_url: ${sim.url}/v1
    oauth2: { token_url: ${sim.url}/oauth2/token, client_id: app, client_secret: "\${APP_SECRET}" }
  claude: { type: anthropic, base_url: ${sim.url}, api_key: ${CHAIN} }
  main_provider: { type: openai, base_url: ${sim.url}/v1, api_key: ${MAIN} }
main: { provider: main_provider, model: sim-large }
auxiliary:
  compression:
    provider: oauth_aux
    model: sim-small
    fallback_chain: [ { provider: claude, model: sim-small } ]
    fallback_to_main: true
${RETRY}`,
  );
  ws.write('.env', 'APP_SECRET=app-secret-value\n');
  const store = openStore({ home: ws.home });
  let router;
  try {
    router = createSwitchyard({ config: loadConfig({ configPath, env: {} }), store });
  } catch (err) {
    await store.close();
    await sim.close();
    throw err;
  }
  return {
    sim,
    router,
    /** `auth explain` on the same config and state file, as a user would run it after the load. */
    explain: (...args: string[]) =>
      runCliInProcess(['auth', 'explain', 'oauth_aux', ...args, '--config', configPath], {
        env: { SWITCHYARD_HOME: ws.home },
      }),
    async [Symbol.asyncDispose]() {
      await router.close();
      await store.close();
      await sim.close();
      ws.cleanup();
    },
  };
}

test('seed 003 with OAuth: an invalidated token is re-minted and the same provider answers — no fallback', async () => {
  await using w = await seed003({ oauth2: { clients: { app: { secret: 'app-secret-value' } } } }, true);
  assert.equal((await w.router.chat({ task: 'compression', messages: hello })).status, 'ok');
  w.sim.invalidateTokens('app');
  const r = await w.router.chat({ task: 'compression', messages: hello });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  assert.equal(r.route, 'oauth_aux/sim-small');
  assert.deepEqual(
    r.trail.map((a) => [a.route, a.outcome, a.status, a.note]),
    [
      ['oauth_aux/sim-small', 'auth_rejected', 401, undefined],
      ['oauth_aux/sim-small', 'ok', 200, 're-minted after 401'],
    ],
  );
  assert.equal(w.sim.calls(CHAIN) + w.sim.calls(MAIN), 0);
  assert.equal(w.sim.log().filter((c) => c.outcome === 'token_invalidated').length, 1);
  const explained = await w.explain();
  assert.equal(explained.code, 0, explained.stderr);
  assert.match(
    explained.stdout,
    /minted (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(re-minted after 401\); expires (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d/,
  );
  const json = JSON.parse((await w.explain('--json')).stdout) as { minted: { mint_reason?: string }[] };
  assert.equal(json.minted[0]?.mint_reason, 'rejected_401');
});

for (const chainWorks of [true, false]) {
  test(`seed 003 with OAuth: the re-mint fails → ${chainWorks ? "the task's fallback_chain" : 'fallback_chain fails too → the main model'}`, async () => {
    await using w = await seed003(
      { oauth2: { clients: { app: { secret: 'app-secret-value', script: ['ok', '500'] } } } },
      chainWorks,
    );
    assert.equal((await w.router.chat({ task: 'compression', messages: hello })).status, 'ok');
    w.sim.invalidateTokens('app');
    const r = await w.router.chat({ task: 'compression', messages: hello });
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    assert.equal(r.route, chainWorks ? 'claude/sim-small' : 'main_provider/sim-large');
    assert.equal(w.sim.calls(CHAIN), 1, 'the fallback_chain is tried');
    assert.equal(w.sim.calls(MAIN), chainWorks ? 0 : 1);
    const own = r.trail.filter((a) => a.route === 'oauth_aux/sim-small');
    assert.ok(own.length >= 1 && own.every((a) => a.outcome === 'auth_rejected' || a.outcome === 'auth_missing'));
    assert.match(
      own.find((a) => a.outcome === 'auth_missing')?.message ?? '',
      /^re-minting after 401 failed: oauth2 client app at .*answered 500/,
    );
    assert.equal(w.sim.oauth2()['app']!.issued, 1, 'the re-mint was tried and failed');
  });
}

test('two gateway processes on one state file share a single-use refresh token under load: no invalid_grant', async (t) => {
  await using sim = await startSimulator({
    scenario: { oauth2: { clients: { app: { refresh_token: 'rt-seed-0001', max_requests: 15, latency: '15ms' } } } },
  });
  using ws = tempWorkspace();
  const configPath = ws.write(
    'switchyard.yaml',
    `providers:
  oauth:
    type: openai
    base_url: ${sim.url}/v1
    oauth2: { token_url: ${sim.url}/oauth2/token, client_id: app, refresh_token: "\${APP_REFRESH_TOKEN}" }
main: { provider: oauth, model: sim-large }
gateway: { require_keys: false }
${RETRY}`,
  );
  ws.write('.env', 'APP_REFRESH_TOKEN=rt-seed-0001\n');
  const env = { SWITCHYARD_HOME: ws.home, HOME: ws.dir };
  const [first, second] = await Promise.all([
    spawnGateway(t, ['--config', configPath], env),
    spawnGateway(t, ['--config', configPath], env),
  ]);
  await using one = first;
  await using two = second;
  const gateways = [one, two];
  const clients = gateways.map((g) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'unused', maxRetries: 0 }));
  const results: string[] = [];
  await Promise.all(
    clients.flatMap((client) =>
      Array.from({ length: 6 }, async () => {
        for (let i = 0; i < 10; i++) {
          const r = await client.chat.completions.create({ model: 'main', messages: hello });
          results.push(r.choices[0]?.finish_reason ?? '');
        }
      }),
    ),
  );
  assert.equal(results.length, 120);
  const counts = sim.oauth2()['app']!;
  assert.equal(counts.invalid_grant, 0);
  assert.ok(counts.refreshed >= 8, `tokens were minted again and again (${counts.refreshed})`);
});
