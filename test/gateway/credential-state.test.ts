// What a real gateway process says about its keys — /metrics' switchyard_credentials, GET /admin/credentials — against
// what `switchyard auth list` says from a shell on the same state store, and what a reset (the admin API's or the
// CLI's) changes. The simulator is the upstream.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import type { ScenarioInput } from '../../src/sim/server.ts';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

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

interface ResetAnswer {
  provider: string;
  reset: string[];
  already_ok: string[];
  still_set_aside: string[];
  shared: Record<string, string[]>;
  credentials: CredentialView[];
}

/** `await using w = await world(…)` stops the gateway and the simulator when the test's scope ends. */
interface World extends AsyncDisposable {
  sim: Awaited<ReturnType<typeof startSimulator>>;
  gw: GatewayProcess;
  key: string;
  /** Runs the CLI on the gateway's config and state store. */
  cli(args: string[]): ReturnType<typeof runCliInProcess>;
  chat(): Promise<{ status: number; body: string }>;
  credentials(): Promise<Record<string, CredentialView[]>>;
  /** POST /admin/credentials/P/reset, with `{"id": id}` when given. */
  reset(provider: string, id?: string): Promise<{ status: number; body: ResetAnswer }>;
  metrics(): Promise<string>;
}

/** `before`: run before the gateway starts, with the CLI on another config (written from `config`'s shape) and the
 * same state store — how a key's health comes to be recorded under a provider name the gateway's config no longer has. */
async function world(
  t: TestContext,
  scenario: ScenarioInput,
  config: (simUrl: string) => Record<string, unknown>,
  before?: (
    cliWith: (config: Record<string, unknown>, args: string[]) => ReturnType<typeof runCliInProcess>,
    simUrl: string,
  ) => Promise<void>,
): Promise<World> {
  const sim = await startSimulator({ scenario });
  const ws = tempWorkspace('switchyard-gw-state-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({ ...config(sim.url), gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' } }),
  );
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home, SWITCHYARD_ADMIN_KEY: ADMIN };
  const cli = (args: string[]) => runCliInProcess(['-c', configPath, ...args], { cwd: ws.dir, env });
  if (before)
    await before(
      (c, args) => runCliInProcess(['-c', ws.write('before.yaml', stringify(c)), ...args], { cwd: ws.dir, env }),
      sim.url,
    );
  const key = (JSON.parse((await cli(['gateway', 'keys', 'create', '--json'])).stdout) as { key: string }).key;
  const gw = await spawnGateway(t, ['--config', configPath], env, ws.dir);
  const admin = { authorization: `Bearer ${ADMIN}` };
  return {
    async [Symbol.asyncDispose]() {
      gw.child.kill('SIGTERM');
      await gw.exited;
      await sim.close();
      ws.cleanup();
    },
    sim,
    gw,
    key,
    cli,
    async chat() {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      });
      return { status: res.status, body: await res.text() };
    },
    async credentials() {
      return (
        (await (await fetch(`${gw.url}/admin/credentials`, { headers: admin })).json()) as {
          providers: Record<string, CredentialView[]>;
        }
      ).providers;
    },
    async reset(provider, id) {
      const init =
        id === undefined
          ? { method: 'POST', headers: admin }
          : { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ id }) };
      const res = await fetch(`${gw.url}/admin/credentials/${provider}/reset`, init);
      return { status: res.status, body: (await res.json()) as ResetAnswer };
    },
    async metrics() {
      return (await fetch(`${gw.url}/metrics`, { headers: admin })).text();
    },
  };
}

test('a cooldown that has run out with no traffic since: /metrics, /admin/credentials and auth list all say ok', async (t) => {
  await using w = await world(
    t,
    // 4 s, not 1: on a loaded machine the two calls and the first read outlasted a 1 s cooldown.
    { models: { 'sim-large': {} }, keys: { [RL]: { rate_limit_after: 1, reset: '4s' }, [SPARE]: {} } },
    (sim) => ({
      providers: { p: { type: 'openai', base_url: `${sim}/v1`, api_keys: [RL, SPARE] } },
      main: { provider: 'p', model: 'sim-large' },
    }),
  );
  assert.equal((await w.chat()).status, 200);
  assert.equal((await w.chat()).status, 200, 'the 429 rotates to the spare key');
  const cooling = (await w.credentials())['p']![0]!;
  assert.deepEqual(
    [cooling.state, cooling.reason, cooling.usable, cooling.cooldown_over],
    ['cooling', 'rate_limited', false, null],
  );
  assert.match(cooling.why ?? '', /^rate-limited until \d\d:\d\d:\d\d$/);
  assert.match(await w.metrics(), /switchyard_credentials\{provider="p",state="rate_limited"\} 1\n/);

  // Nothing is sent from here on: nothing writes to the key's record, which still says `cooling`.
  const until_ = cooling.until!;
  await until('the cooldown to end', () => Date.now() > Date.parse(until_) + 50, 10_000);
  const over = (await w.credentials())['p']![0]!;
  assert.deepEqual(over, {
    ...over,
    state: 'ok',
    reason: null,
    until: null,
    usable: true,
    why: null,
    cooldown_over: { reason: 'rate_limited', until: until_ },
  });
  const metrics = await w.metrics();
  assert.match(metrics, /switchyard_credentials\{provider="p",state="ok"\} 2\n/);
  assert.doesNotMatch(
    metrics,
    /switchyard_credentials\{provider="p",state="rate_limited"\}/,
    'an alert on rate_limited > 0 clears by itself',
  );
  const list = await w.cli(['auth', 'list', 'p']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${over.id}\\s+sk-…0001\\s+config api_keys\\[0\\]\\s+ok \\(cooldown over\\)`));
  assertNoSecrets([RL, SPARE, w.key, ADMIN], w.gw.stderr());
});

const QUOTA = 'sk-sim-state-quota-0003';

test("a provider renamed with its key out of quota: the 503 says `auth reset mimo`, and that reset — the admin API's or the CLI's — clears it", async (t) => {
  const mimo = (sim: string) => ({
    providers: { mimo: { type: 'openai', base_url: `${sim}/v1`, api_key: QUOTA } },
    main: { provider: 'mimo', model: 'sim-large' },
  });
  await using w = await world(
    t,
    { models: { 'sim-large': {} }, keys: { [QUOTA]: { quota: 'openai' } } },
    mimo,
    async (cliWith, sim) => {
      // Before the rename: the key ran out of quota as xiaomi's, so its health was recorded under that name.
      const xiaomi = {
        providers: { xiaomi: { type: 'openai', base_url: `${sim}/v1`, api_key: QUOTA } },
        main: { provider: 'xiaomi', model: 'sim-large' },
      };
      assert.equal((await cliWith(xiaomi, ['chat', '-m', 'hi'])).code, 1);
    },
  );
  const calls = w.sim.calls(QUOTA);
  const refused = await w.chat();
  assert.equal(refused.status, 503, refused.body);
  assert.match(refused.body, /switchyard auth reset mimo/);
  assert.equal(w.sim.calls(QUOTA), calls, 'the cooling key is not sent');
  const [before] = (await w.credentials())['mimo']!;
  assert.deepEqual([before!.state, before!.reason], ['cooling', 'quota']);

  // The admin API, by ID prefix: the key mimo lists is reset, wherever its health was recorded.
  const byId = await w.reset('mimo', before!.id.slice(0, 6));
  assert.equal(byId.status, 200, JSON.stringify(byId.body));
  assert.deepEqual([byId.body.reset, byId.body.already_ok, byId.body.still_set_aside], [[before!.id], [], []]);
  assert.deepEqual([byId.body.credentials[0]!.state, byId.body.credentials[0]!.usable], ['ok', true]);
  const again = await w.reset('mimo');
  assert.deepEqual(
    [again.status, again.body.reset, again.body.already_ok],
    [200, [], [before!.id]],
    'nothing set aside: nothing said to be reset',
  );

  // Still out of quota upstream: cooled again. Topped up, then `switchyard auth reset mimo` from a shell.
  assert.equal((await w.chat()).status, 503);
  assert.equal((await w.credentials())['mimo']![0]!.state, 'cooling');
  w.sim.setScenario({ models: { 'sim-large': {} }, keys: { [QUOTA]: {} } });
  // The gateway writes health to the store within a second: a shell sees the cooldown once it has.
  await until('the cooldown to reach the store', async () =>
    /cooling/.test((await w.cli(['auth', 'list', 'mimo'])).stdout),
  );
  const cli = await w.cli(['auth', 'reset', 'mimo']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /^reset mimo: \d+ keys? changed — all credentials are ok again as of /);
  assert.doesNotMatch(cli.stdout, /cooling/);
  await until('the gateway to see the reset and answer', async () => (await w.chat()).status === 200, 3000);
  assert.equal((await w.credentials())['mimo']![0]!.state, 'ok');
  assertNoSecrets([QUOTA, w.key, ADMIN], w.gw.stderr());
});

test('the admin API resets a key two providers share from either, and says who else holds it', async (t) => {
  const NEVER = 'sk-sim-state-never-0004';
  await using w = await world(t, { models: { 'sim-large': {} }, keys: { [NEVER]: { valid: false } } }, (sim) => ({
    providers: {
      a: { type: 'openai', base_url: `${sim}/v1`, api_key: NEVER },
      b: { type: 'openai', base_url: `${sim}/v1`, api_key: NEVER },
    },
    main: { provider: 'a', model: 'sim-large' },
  }));
  assert.equal((await w.chat()).status, 502, 'a rejects the key');
  const listed = await w.credentials();
  assert.deepEqual([listed['a']![0]!.state, listed['b']![0]!.state], ['rejected', 'rejected']);
  const reset = await w.reset('b');
  assert.equal(reset.status, 200);
  const fp = listed['b']![0]!.id;
  assert.deepEqual([reset.body.reset, reset.body.shared], [[fp], { [fp]: ['a'] }]);
  assert.equal(reset.body.credentials[0]!.state, 'ok');
  const after = await w.credentials();
  assert.deepEqual([after['a']![0]!.state, after['b']![0]!.state], ['ok', 'ok']);
  assertNoSecrets([NEVER, w.key, ADMIN], w.gw.stderr());
});
