// One credential on routes in two cloud regions: a throttle (or quota) in one region rests it there only, so the
// fallback route in the other region, with the same AWS profile or Google service account, answers and is not rested;
// a region down rests it nowhere (HEALTH_SCOPE, credentials/scoped-health.ts). Through the gateway against the
// simulator's `regions:` faults, with `switchyard auth explain` reading each region's state from the same store.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { startHarness, ADMIN_KEY, FAST_RETRY, type Harness } from './harness.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { regionalKey } from '../../src/credentials/scoped-health.ts';
import { effectiveHealth } from '../../src/credentials/health.ts';
import type { StepName } from '../../src/sim/steps.ts';

const BEDROCK = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const KEY_ID = 'AKIASIMREGION0000007';
const SECRET = 'region/secret+7';
const TOKEN = 'ya29.region-token-0007';

async function chat(h: Harness, model = 'main'): Promise<{ status: number; route: string | null }> {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return { status: res.status, route: res.headers.get('x-switchyard-route') };
}

/** The one credential a route holds: its fingerprint as `auth explain --json` shows it. */
async function fingerprintOf(h: Harness, provider: string, env: Record<string, string>): Promise<string> {
  const out = await runCliInProcess(['auth', 'explain', provider, '--json', '--config', h.configPath], { env });
  assert.equal(out.code, 0, out.stderr);
  const said = JSON.parse(out.stdout) as { candidates: { credential: { fingerprint: string } }[] };
  const fp = said.candidates[0]?.credential.fingerprint;
  assert.ok(fp !== undefined, out.stdout.slice(0, 1500));
  return fp;
}

const vertexAt = (sim: string, region: string): Record<string, unknown> => ({
  type: 'vertex',
  base_url: sim,
  project: 'sim-project',
  region,
});

const EMAIL = 'switchyard@sim-project.iam.gserviceaccount.com';
const ACCOUNT = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/** A service account's key file as the Cloud console writes one, its token_uri the simulator's. */
function serviceAccountFile(ws: { write(name: string, text: string): string }, sim: string): string {
  return ws.write(
    'sa.json',
    JSON.stringify({
      type: 'service_account',
      project_id: 'sim-project',
      private_key_id: 'k1',
      private_key: ACCOUNT.privateKey,
      client_email: EMAIL,
      client_id: '1234567890',
      token_uri: `${sim}/oauth2/token`,
    }),
  );
}

const CLOUDS = {
  bedrock: {
    regions: ['us-east-1', 'us-west-2'],
    provider: (sim: string, region: string, _serviceAccount: string) => ({
      type: 'bedrock',
      base_url: sim,
      region,
      aws_credentials: { profile: 'dev' },
    }),
    model: BEDROCK,
  },
  vertex: {
    // Vertex's global endpoint first, a region as its fallback, with one service account's key file.
    regions: ['global', 'europe-west1'],
    provider: (sim: string, region: string, serviceAccount: string) => ({
      ...vertexAt(sim, region),
      google_credentials: serviceAccount,
    }),
    model: 'claude-sonnet-4-5',
  },
} as const;

const CASES: { cloud: keyof typeof CLOUDS; step: StepName; rests: string | undefined }[] = [
  { cloud: 'bedrock', step: '429', rests: 'rate_limited' },
  { cloud: 'bedrock', step: '429_quota', rests: 'quota' },
  { cloud: 'bedrock', step: '503', rests: undefined },
  { cloud: 'vertex', step: '429', rests: 'rate_limited' },
  { cloud: 'vertex', step: '503', rests: undefined },
];

describe('a credential in two regions', () => {
  for (const c of CASES)
    it(`${c.cloud}, region A answering ${c.step}: region B with the same credential answers and is not rested`, async () => {
      using ws = tempWorkspace('switchyard-region-');
      ws.write('aws/credentials', `[dev]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`);
      const env = {
        AWS_SHARED_CREDENTIALS_FILE: join(ws.dir, 'aws/credentials'),
        AWS_CONFIG_FILE: join(ws.dir, 'aws/none'),
      };
      const cloud = CLOUDS[c.cloud];
      const [a, b] = cloud.regions;
      await using h = await startHarness({
        scenario: {
          models: { [cloud.model]: {} },
          keys: { [KEY_ID]: { aws_secret: SECRET } },
          oauth2: { clients: { [EMAIL]: { public_key: ACCOUNT.publicKey } } },
          regions: { [a]: c.step },
        },
        config: (sim) => ({
          providers: {
            a: cloud.provider(sim, a, serviceAccountFile(ws, sim)),
            b: cloud.provider(sim, b, serviceAccountFile(ws, sim)),
          },
          main: { provider: 'a', model: cloud.model },
          fallback: [{ provider: 'b', model: cloud.model }],
          retry: FAST_RETRY,
          gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
        }),
        env,
      });
      const cliEnv = { ...env, SWITCHYARD_HOME: h.home };
      const first = await chat(h);
      assert.equal(first.status, 200);
      assert.equal(first.route, `b/${cloud.model}`);
      const fp = await fingerprintOf(h, 'a', cliEnv);
      assert.equal(await fingerprintOf(h, 'b', cliEnv), fp, 'both routes hold one credential');
      const now = Date.now();
      // The credential itself and its region B are not rested; region A is, when the failure is the region's limit.
      assert.equal(effectiveHealth(h.store.getHealth(fp), now).state, 'ok');
      assert.equal(effectiveHealth(h.store.getHealth(regionalKey(fp, b)), now).state, 'ok');
      const inA = effectiveHealth(h.store.getHealth(regionalKey(fp, a)), now);
      assert.deepEqual([inA.state, inA.reason], c.rests === undefined ? ['ok', undefined] : ['cooling', c.rests]);

      // The next request: a rested region A is skipped without a call; a region down is asked again (it rests nothing).
      const calls = h.sim.log().length;
      assert.equal((await chat(h)).route, `b/${cloud.model}`);
      const outcomes = h.sim
        .log()
        .slice(calls)
        .map((l) => l.outcome);
      if (c.rests !== undefined) assert.deepEqual(outcomes, ['ok']);
      else assert.ok(outcomes[0]?.startsWith('region_'), outcomes.join(', '));

      // `auth explain` reads the gateway's store: region A's rest on the credential, region B usable.
      await until('the store flushed', async () => {
        const out = await runCliInProcess(['auth', 'explain', 'a', '--config', h.configPath], { env: cliEnv });
        return c.rests === undefined || out.stdout.includes(`cooling: ${c.rests} in ${a}`);
      });
      const explainA = await runCliInProcess(['auth', 'explain', 'a', '--config', h.configPath], { env: cliEnv });
      const explainB = await runCliInProcess(['auth', 'explain', 'b', '--config', h.configPath], { env: cliEnv });
      assert.equal(explainA.code, 0, explainA.stderr);
      if (c.rests !== undefined) assert.match(explainA.stdout, new RegExp(`cooling: ${c.rests} in ${a}\\s+\\d`));
      assert.match(explainB.stdout, /^→\s+1\s.*\sok\s/m, explainB.stdout);

      // The admin API says it too: the state of `a` is its region's, `b`'s the credential's own.
      const admin = await fetch(`${h.url}/admin/credentials`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const views = ((await admin.json()) as { providers: Record<string, { state: string; region: string | null }[]> })
        .providers;
      assert.deepEqual(
        [views['a']?.[0]?.state, views['a']?.[0]?.region, views['b']?.[0]?.state, views['b']?.[0]?.region],
        c.rests === undefined ? ['ok', null, 'ok', null] : ['cooling', a, 'ok', null],
      );

      // `auth reset` of the credential clears its region's rest too, and the gateway reads it back.
      if (c.rests !== undefined) {
        const reset = await runCliInProcess(['auth', 'reset', 'a', fp, '--json', '--config', h.configPath], {
          env: cliEnv,
        });
        assert.equal(reset.code, 0, reset.stderr);
        assert.deepEqual((JSON.parse(reset.stdout) as { reset: string[] }).reset, [fp]);
        await until('the gateway read the reset', () => {
          const health = effectiveHealth(h.store.getHealth(regionalKey(fp, a)), Date.now());
          return health.state === 'ok';
        });
        await until('the gateway said it', () =>
          h.logs.some((l) => l.includes(`auth reset seen: a's credential ${fp}`)),
        );
        assert.match(
          h.logs.find((l) => l.includes('auth reset seen'))!,
          new RegExp(`${fp} \\([^()]*\\) in ${a} is ok`),
        );
      }
    });

  it("a task's own key throttled in region A rests there only: the pool's route in region B sends it", async () => {
    const cloud = CLOUDS.vertex;
    const [a, b] = cloud.regions;
    await using h = await startHarness({
      scenario: { models: { [cloud.model]: {} }, keys: { [TOKEN]: {} }, regions: { [a]: '429' } },
      config: (sim) => ({
        providers: { a: vertexAt(sim, a), b: { ...vertexAt(sim, b), api_key: TOKEN } },
        main: { provider: 'b', model: cloud.model },
        auxiliary: {
          vision: {
            provider: 'a',
            model: cloud.model,
            api_key: TOKEN,
            fallback_chain: [{ provider: 'b', model: cloud.model }],
            fallback_to_main: false,
          },
        },
        retry: FAST_RETRY,
      }),
    });
    assert.deepEqual(await chat(h, 'vision'), { status: 200, route: `b/${cloud.model}` });
    const fp = await fingerprintOf(h, 'b', { SWITCHYARD_HOME: h.home });
    const now = Date.now();
    assert.equal(effectiveHealth(h.store.getHealth(fp), now).state, 'ok', 'the token itself is not rested');
    const inA = effectiveHealth(h.store.getHealth(regionalKey(fp, a)), now);
    assert.deepEqual([inA.state, inA.reason], ['cooling', 'rate_limited']);
    // The next request skips region A without a call, and region B answers again.
    const calls = h.sim.log().length;
    assert.deepEqual(await chat(h, 'vision'), { status: 200, route: `b/${cloud.model}` });
    assert.deepEqual(
      h.sim
        .log()
        .slice(calls)
        .map((l) => l.outcome),
      ['ok'],
    );
  });

  it('a rejection in region A rests the credential itself: the route in region B does not send it either', async () => {
    const cloud = CLOUDS.vertex;
    const [a, b] = cloud.regions;
    await using h = await startHarness({
      scenario: { models: { [cloud.model]: {} }, keys: { [TOKEN]: {} }, regions: { [a]: '401' } },
      config: (sim) => ({
        providers: { a: { ...vertexAt(sim, a), api_key: TOKEN }, b: { ...vertexAt(sim, b), api_key: TOKEN } },
        main: { provider: 'a', model: cloud.model },
        fallback: [{ provider: 'b', model: cloud.model }],
        retry: FAST_RETRY,
      }),
    });
    const res = await chat(h);
    assert.notEqual(res.status, 200);
    // The token was sent once, to region A: region B's route found the credential rejected and sent nothing.
    assert.deepEqual(
      h.sim.log().map((l) => l.outcome),
      ['region_auth'],
    );
    const fp = await fingerprintOf(h, 'b', { SWITCHYARD_HOME: h.home });
    assert.equal(h.store.getHealth(fp)?.state, 'rejected');
    assert.equal(h.store.getHealth(regionalKey(fp, b)), undefined, 'nothing of region B is recorded');
  });
});
