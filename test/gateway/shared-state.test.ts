// Two gateway replicas with `gateway.state: redis://…` (docs/replicas.md), each with its own state directory so only Redis
// connects them, in front of one simulator: a key cooled by one replica is skipped by the other, and a reset
// through one replica's /admin brings the key back on both.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { startGateway, type GatewayHandle } from '../../src/gateway/server/server.ts';
import { startSimulator, type ScenarioInput } from '../../src/sim/server.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../state/wait.ts';
import { runCliInProcess, assertNoSecrets } from '../helpers/cli.ts';
import { freePort } from '../helpers/net.ts';
import { ADMIN_KEY, FAST_RETRY, simProvider } from './harness.ts';

const COOLED = 'sk-sim-shared-cooled-001';
const GOOD = 'sk-sim-shared-good-0002';
const DOWN = 'sk-sim-shared-down-0003';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

interface CredentialView {
  id: string;
  state: string;
}

async function credentials(gw: GatewayHandle): Promise<CredentialView[]> {
  const res = await fetch(`${gw.url}/admin/credentials`, { headers: admin });
  const body = (await res.json()) as { providers: { p: CredentialView[] } };
  return body.providers.p;
}

async function metricsText(gw: GatewayHandle): Promise<string> {
  const res = await fetch(`${gw.url}/metrics`, { headers: admin });
  return (await res.text())
    .split('\n')
    .filter((l) => l.startsWith('switchyard_breaker'))
    .join('\n');
}

async function chat(gw: GatewayHandle): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
}

interface Replicas {
  redis: TestRedis;
  sim: Awaited<ReturnType<typeof startSimulator>>;
  one: GatewayHandle;
  two: GatewayHandle;
}

/** Redis, the simulator and two replicas, undone last to first when the test ends. */
async function startReplicas(
  t: TestContext,
  scenario: ScenarioInput,
  config: (simUrl: string) => Record<string, unknown>,
  requireKeys = false,
): Promise<Replicas> {
  const cleanups: (() => unknown)[] = [];
  t.after(async () => {
    for (const undo of cleanups.reverse()) await undo();
  });
  const redis = await startTestRedis();
  cleanups.push(() => redis.stop());
  const sim = await startSimulator({ scenario });
  cleanups.push(() => sim.close());
  const replicas: GatewayHandle[] = [];
  for (const name of ['one', 'two']) {
    const ws = tempWorkspace(`switchyard-replica-${name}-`);
    cleanups.push(() => ws.cleanup());
    const configPath = ws.write(
      'switchyard.yaml',
      stringify({
        ...config(sim.url),
        retry: FAST_RETRY,
        gateway: { state: redis.url, require_keys: requireKeys, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      }),
    );
    const loaded = loadConfig({
      configPath,
      cwd: ws.dir,
      env: { SWITCHYARD_ADMIN_KEY: ADMIN_KEY, SWITCHYARD_HOME: ws.home },
    });
    // Its log (the outage test's warnings among it) is kept out of the test output.
    const gw = await startGateway({
      loaded,
      logger: createLogger({ destination: { write: () => {} } }),
      listen: '127.0.0.1:0',
      watch: false,
      drainMs: 5_000,
    });
    cleanups.push(() => gw.close());
    replicas.push(gw);
  }
  return { redis, sim, one: replicas[0] as GatewayHandle, two: replicas[1] as GatewayHandle };
}

test(
  'replicas sharing Redis: a key cooled by one is skipped by the other; a reset on one reaches both',
  { skip: REDIS_MISSING },
  async (t) => {
    const { sim, one, two } = await startReplicas(
      t,
      { models: { 'sim-large': {} }, keys: { [COOLED]: { rate_limit_after: 0, reset: '1h' }, [GOOD]: {} } },
      (url) => ({
        providers: { p: simProvider(url, 'openai', [COOLED, GOOD]) },
        main: { provider: 'p', model: 'sim-large' },
      }),
    );

    // Replica one meets the 429 and moves on to the second key.
    const first = await chat(one);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-switchyard-attempts'), '2');
    assert.equal(sim.calls(COOLED), 1);

    // Replica two learns of the cooldown through Redis (SPEC: within a second) and never tries the key.
    await waitFor(async () => (await credentials(two))[0]?.state === 'cooling', 'replica two to see the cooldown');
    const second = await chat(two);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-switchyard-attempts'), '1');
    assert.equal(sim.calls(COOLED), 1, 'replica two skipped the cooled key');

    // A reset through replica two's /admin is seen by replica one.
    const id = (await credentials(two))[0]?.id;
    const reset = await fetch(`${two.url}/admin/credentials/p/reset`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    assert.equal(reset.status, 200);
    await waitFor(async () => (await credentials(one))[0]?.state === 'ok', 'replica one to see the reset');
  },
);

test(
  'replicas sharing Redis: a provider one replica found down is skipped by the other (circuit breaker)',
  { skip: REDIS_MISSING },
  async (t) => {
    const { sim, one, two } = await startReplicas(
      t,
      { models: { 'sim-large': {} }, keys: { [DOWN]: { server_error_rate: 1 }, [GOOD]: {} } },
      (url) => ({
        providers: { down: simProvider(url, 'openai', DOWN), p: simProvider(url, 'openai', GOOD) },
        main: { provider: 'down', model: 'sim-large' },
        fallback: [{ provider: 'p', model: 'sim-large' }],
      }),
    );
    // Replica one falls back on every call until five straight server errors open its breaker.
    const open = 'switchyard_breaker_open{provider="down"} 1';
    while (!(await metricsText(one)).includes(open)) assert.equal((await chat(one)).status, 200);
    const triedByOne = sim.calls(DOWN);
    assert.ok(triedByOne >= 5);
    // Replica two has never seen a failure, yet its breaker opens: the opening came through Redis.
    await waitFor(async () => (await metricsText(two)).includes(open), 'replica two to adopt the opening');
    const res = await chat(two);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-switchyard-route'), 'p/sim-large');
    assert.equal(sim.calls(DOWN), triedByOne, 'replica two skipped the provider without calling it');
  },
);

test(
  'a Redis outage fails no request and keeps the replicas ready (degraded), until Redis is back',
  { skip: REDIS_MISSING },
  async (t) => {
    const { redis, sim, one, two } = await startReplicas(
      t,
      { models: { 'sim-large': {} }, keys: { [COOLED]: { rate_limit_after: 0, reset: '1h' }, [GOOD]: {} } },
      (url) => ({
        providers: { p: simProvider(url, 'openai', [COOLED, GOOD]) },
        main: { provider: 'p', model: 'sim-large' },
      }),
    );
    const readyz = async (gw: GatewayHandle, headers: Record<string, string> = {}) => {
      const res = await fetch(`${gw.url}/readyz`, { headers });
      return {
        status: res.status,
        body: (await res.json()) as {
          store: { ok: boolean; degraded?: boolean; degraded_by?: string[]; error?: string };
        },
      };
    };
    await redis.stop();
    await waitFor(
      async () => (await readyz(one)).body.store.degraded === true,
      'replica one to report the store degraded',
    );
    assert.equal((await readyz(one)).status, 200, 'still ready: it serves on its own state');
    assert.deepEqual((await readyz(one)).body.store.degraded_by, ['shared_store_unreachable']);
    assert.equal((await readyz(one)).body.store.error, undefined, "the store's error only to the admin key");
    assert.equal(typeof (await readyz(one, admin)).body.store.error, 'string');
    assert.match(
      await (await fetch(`${one.url}/metrics`, { headers: admin })).text(),
      /^switchyard_state_store_degraded 1$/m,
    );
    // The cooldown replica one meets now stays in its memory; every request is answered.
    for (let i = 0; i < 3; i++) assert.equal((await chat(one)).status, 200);
    assert.equal(sim.calls(COOLED), 1, 'replica one skips the key it cooled, Redis or not');
    // Redis comes back (empty: it kept nothing): the queued cooldown is written and replica two learns it.
    await redis.start();
    await waitFor(
      async () => (await credentials(two))[0]?.state === 'cooling',
      'the queued cooldown to reach replica two',
      10_000,
    );
    await waitFor(async () => (await readyz(one)).body.store.ok, 'replica one to report the store ok again', 10_000);
  },
);

test(
  'replicas sharing Redis: a client key created once works on every replica, and its revocation reaches all',
  { skip: REDIS_MISSING },
  async (t) => {
    const { redis, one, two } = await startReplicas(
      t,
      { models: { 'sim-large': {} }, keys: { [GOOD]: {} } },
      (url) => ({
        providers: { p: simProvider(url, 'openai', GOOD) },
        main: { provider: 'p', model: 'sim-large' },
      }),
      true,
    );
    // The operator's shell: the CLI with the same gateway.state, on another state directory.
    using ws = tempWorkspace('switchyard-replica-cli-');
    const configPath = ws.write('switchyard.yaml', stringify({ gateway: { state: redis.url } }));
    const env = { SWITCHYARD_HOME: ws.home, HOME: ws.dir };
    const created = await runCliInProcess(
      ['gateway', 'keys', 'create', '--name', 'fleet', '--json', '--config', configPath],
      {
        env,
      },
    );
    assert.equal(created.code, 0, created.stderr);
    const key = (JSON.parse(created.stdout) as { key: string }).key;
    const call = (gw: GatewayHandle) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
      });
    await waitFor(
      async () => (await call(one)).status === 200 && (await call(two)).status === 200,
      'both replicas to accept the new key',
    );
    const revoked = await runCliInProcess(['gateway', 'keys', 'revoke', 'fleet', '--config', configPath], { env });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(
      revoked.stdout,
      /refuses it within a second\. A replica that cannot reach Redis at this moment keeps accepting it until it reconnects/,
    );
    await waitFor(
      async () => (await call(one)).status === 401 && (await call(two)).status === 401,
      'both replicas to refuse the revoked key',
    );
    assertNoSecrets([key], created.stderr + revoked.stdout + revoked.stderr);
  },
);

test(
  'with Redis down, `gateway keys create|revoke|list` fail saying so (no key printed that no replica would know, no "no such key")',
  { skip: REDIS_MISSING },
  async () => {
    using ws = tempWorkspace('switchyard-replica-cli-');
    const configPath = ws.write(
      'switchyard.yaml',
      stringify({ gateway: { state: `redis://127.0.0.1:${await freePort()}/0` } }),
    );
    for (const args of [['create', '--name', 'lost'], ['revoke', 'lost'], ['list']]) {
      const res = await runCliInProcess(['gateway', 'keys', ...args, '--config', configPath], {
        env: { SWITCHYARD_HOME: ws.home, HOME: ws.dir },
      });
      assert.equal(res.code, 1, args.join(' ') + res.stdout + res.stderr);
      assert.doesNotMatch(res.stdout, /sy-/);
      assert.match(res.stderr, /shared state store \(Redis at redis:\/\/127\.0\.0\.1:\d+\/0\)/);
      assert.doesNotMatch(res.stderr, /internal error|\n\s+at |no gateway key has/);
    }
  },
);

test(
  'Redis down at a replica\'s start: one that read the client keys before (its mirror) serves them at once; a brand-new one answers 503 + Retry-After, never "invalid key", until Redis answers',
  { skip: REDIS_MISSING },
  async (t) => {
    const { redis, sim } = await startReplicas(
      t,
      { models: { 'sim-large': {} }, keys: { [GOOD]: {} } },
      (url) => ({
        providers: { p: simProvider(url, 'openai', GOOD) },
        main: { provider: 'p', model: 'sim-large' },
      }),
      true,
    );
    const config = {
      providers: { p: simProvider(sim.url, 'openai', GOOD) },
      main: { provider: 'p', model: 'sim-large' },
      gateway: { state: redis.url },
    };
    // The replica that will be restarted: its state directory saw the key created (the CLI with its SWITCHYARD_HOME).
    const known = tempWorkspace('switchyard-replica-restarted-');
    const fresh = tempWorkspace('switchyard-replica-new-');
    t.after(() => {
      known.cleanup();
      fresh.cleanup();
    });
    const knownPath = known.write('switchyard.yaml', stringify(config));
    const freshPath = fresh.write('switchyard.yaml', stringify(config));
    const knownEnv = { SWITCHYARD_HOME: known.home, HOME: known.dir };
    const created = await runCliInProcess(
      ['gateway', 'keys', 'create', '--name', 'fleet', '--json', '--config', knownPath],
      {
        env: knownEnv,
      },
    );
    assert.equal(created.code, 0, created.stderr);
    const key = (JSON.parse(created.stdout) as { key: string }).key;
    // Frozen rather than stopped: this test Redis keeps nothing on disk, and the key must still be there when it is back.
    redis.freeze();
    t.after(() => redis.thaw());
    const start = async (configPath: string, dir: string, env: Record<string, string>) => {
      const gw = await startGateway({
        loaded: loadConfig({ configPath, cwd: dir, env }),
        logger: createLogger({ destination: { write: () => {} } }),
        listen: '127.0.0.1:0',
        watch: false,
        drainMs: 5_000,
      });
      t.after(() => gw.close());
      return (presented: string) =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${presented}` },
          body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
        });
    };
    const restarted = await start(knownPath, known.dir, knownEnv);
    assert.equal((await restarted(key)).status, 200, 'the keys it last read, as a running replica keeps them');
    const brandNew = await start(freshPath, fresh.dir, { SWITCHYARD_HOME: fresh.home, HOME: fresh.dir });
    const refused = await brandNew(key);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'gateway_keys_unavailable');
    assert.match(body.error.message, /cannot check client keys yet/);
    redis.thaw();
    await waitFor(async () => (await brandNew(key)).status === 200, 'the key to work once Redis answers');
    // Now the keys are known: a wrong key is what it is.
    assert.equal((await brandNew('sy-not-a-real-key-000000000000000000')).status, 401);
    assert.equal(
      statSync(join(fresh.home, 'shared-client-keys.json')).mode & 0o777,
      0o600,
      'the new replica keeps its copy too',
    );
    assert.doesNotMatch(
      readFileSync(join(known.home, 'shared-client-keys.json'), 'utf8'),
      new RegExp(key),
      'hashes, never the key',
    );
  },
);
