// Two gateway replicas with `gateway.state: redis://…` (SPEC §7), each with its own state directory so only Redis
// connects them, in front of one simulator: a key cooled by one replica is skipped by the other, and a reset
// through one replica's /admin brings the key back on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { startGateway, type GatewayHandle } from '../../src/gateway/server.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { waitFor } from '../state/wait.ts';
import { ADMIN_KEY, FAST_RETRY, simProvider } from './harness.ts';

const COOLED = 'sk-sim-shared-cooled-001';
const GOOD = 'sk-sim-shared-good-0002';
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

async function chat(gw: GatewayHandle): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
}

test('replicas sharing Redis: a key cooled by one is skipped by the other; a reset on one reaches both', { skip: REDIS_MISSING }, async (t) => {
  // Undone last to first: replicas, then the simulator, then Redis.
  const cleanups: (() => unknown)[] = [];
  t.after(async () => {
    for (const undo of cleanups.reverse()) await undo();
  });
  const redis = await startTestRedis();
  cleanups.push(() => redis.stop());
  const sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [COOLED]: { rate_limit_after: 0, reset: '1h' }, [GOOD]: {} } } });
  cleanups.push(() => sim.close());
  const replicas: GatewayHandle[] = [];
  for (const name of ['one', 'two']) {
    const ws = tempWorkspace(`switchyard-replica-${name}-`);
    cleanups.push(() => ws.cleanup());
    const configPath = ws.write('switchyard.yaml', stringify({
      providers: { p: simProvider(sim.url, 'openai', [COOLED, GOOD]) },
      main: { provider: 'p', model: 'sim-large' },
      retry: FAST_RETRY,
      gateway: { state: redis.url, require_keys: false, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }));
    const loaded = loadConfig({ configPath, cwd: ws.dir, env: { SWITCHYARD_ADMIN_KEY: ADMIN_KEY, SWITCHYARD_HOME: ws.home } });
    const gw = await startGateway({ loaded, listen: '127.0.0.1:0', watch: false, drainMs: 5_000 });
    cleanups.push(() => gw.close());
    replicas.push(gw);
  }
  const [one, two] = replicas as [GatewayHandle, GatewayHandle];

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
  const reset = await fetch(`${two.url}/admin/credentials/p/reset`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
  assert.equal(reset.status, 200);
  await waitFor(async () => (await credentials(one))[0]?.state === 'ok', 'replica one to see the reset');
});
