// What a real gateway process says about its keys — /metrics' switchyard_credentials, GET /admin/credentials — against
// what `switchyard auth list` says from a shell on the same state store, and what a reset (the admin API's or the
// CLI's) changes. The simulator is the upstream.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import type { ScenarioInput } from '../../src/sim/server.ts';
import { assertNoSecrets, runCli } from '../helpers/cli.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const ADMIN = 'adm-credential-state-admin-key-51c0';
const RL = 'sk-sim-state-rl-key-0001';
const SPARE = 'sk-sim-state-spare-0002';

interface CredentialView {
  id: string;
  state: string;
  reason: string | null;
  until: string | null;
  cooldown_over: { reason: string; until: string | null } | null;
  usable: boolean;
  why: string | null;
}

interface World {
  sim: Awaited<ReturnType<typeof startSimulator>>;
  gw: GatewayProcess;
  key: string;
  /** Runs the CLI on the gateway's config and state store. */
  cli(args: string[]): ReturnType<typeof runCli>;
  chat(): Promise<{ status: number; body: string }>;
  credentials(): Promise<Record<string, CredentialView[]>>;
  metrics(): Promise<string>;
}

async function world(t: TestContext, scenario: ScenarioInput, config: (simUrl: string) => Record<string, unknown>): Promise<World> {
  const sim = await startSimulator({ scenario });
  const ws = tempWorkspace('switchyard-gw-state-');
  const configPath = ws.write('switchyard.yaml', stringify({ ...config(sim.url), gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' } }));
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home, SWITCHYARD_ADMIN_KEY: ADMIN };
  const cli = (args: string[]) => runCli(['-c', configPath, ...args], { cwd: ws.dir, env });
  const key = (JSON.parse((await cli(['gateway', 'keys', 'create', '--json'])).stdout) as { key: string }).key;
  const gw = await spawnGateway(t, ['--config', configPath], env, ws.dir);
  t.after(async () => {
    gw.child.kill('SIGTERM');
    await gw.exited;
    await sim.close();
    ws.cleanup();
  });
  const admin = { authorization: `Bearer ${ADMIN}` };
  return {
    sim, gw, key, cli,
    async chat() {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      });
      return { status: res.status, body: await res.text() };
    },
    async credentials() {
      return ((await (await fetch(`${gw.url}/admin/credentials`, { headers: admin })).json()) as { providers: Record<string, CredentialView[]> }).providers;
    },
    async metrics() {
      return (await fetch(`${gw.url}/metrics`, { headers: admin })).text();
    },
  };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a cooldown that has run out with no traffic since: /metrics, /admin/credentials and auth list all say ok', async (t) => {
  const w = await world(t, { models: { 'sim-large': {} }, keys: { [RL]: { rate_limit_after: 1, reset: '1s' }, [SPARE]: {} } }, (sim) => ({
    providers: { p: { type: 'openai', base_url: `${sim}/v1`, api_keys: [RL, SPARE] } },
    main: { provider: 'p', model: 'sim-large' },
  }));
  assert.equal((await w.chat()).status, 200);
  assert.equal((await w.chat()).status, 200, 'the 429 rotates to the spare key');
  const cooling = (await w.credentials())['p']![0]!;
  assert.deepEqual([cooling.state, cooling.reason, cooling.usable, cooling.cooldown_over], ['cooling', 'rate_limited', false, null]);
  assert.match(cooling.why ?? '', /^rate-limited until \d\d:\d\d:\d\d$/);
  assert.match(await w.metrics(), /switchyard_credentials\{provider="p",state="rate_limited"\} 1\n/);

  // Nothing is sent from here on: nothing writes to the key's record, which still says `cooling`.
  const until_ = cooling.until!;
  await until('the cooldown to end', () => Date.now() > Date.parse(until_) + 50, 5000);
  const over = (await w.credentials())['p']![0]!;
  assert.deepEqual(over, { ...over, state: 'ok', reason: null, until: null, usable: true, why: null, cooldown_over: { reason: 'rate_limited', until: until_ } });
  const metrics = await w.metrics();
  assert.match(metrics, /switchyard_credentials\{provider="p",state="ok"\} 2\n/);
  assert.doesNotMatch(metrics, /switchyard_credentials\{provider="p",state="rate_limited"\}/, 'an alert on rate_limited > 0 clears by itself');
  const list = await w.cli(['auth', 'list', 'p']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${over.id}\\s+sk-…0001\\s+config api_keys\\[0\\]\\s+ok \\(cooldown over\\)`));
  assertNoSecrets([RL, SPARE, w.key, ADMIN], w.gw.stderr());
});
