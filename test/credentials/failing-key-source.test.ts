// A key source that fails never takes a gateway down: two gateway processes on one state file, 16 concurrent requests
// each, a provider whose minted key fails every way docs/minted.md lists (an exit code, binary noise, output past
// the bound, a token endpoint answering 500 or invalid_grant, a key file that never ends) and a fallback route with a
// plain key. Every request is answered 200 by the fallback, the dashboard's Refresh pressed meanwhile says the
// failure, every process is alive at the end, and the log says why.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';

const GOOD = 'sk-sim-fallback-good-key-0001';
const ADMIN_KEY = 'sy-admin-failing-source-test-0001';
const REPLICAS = 2;
const CONCURRENCY = 16;
/** Per replica: bounded, so each case stays a second or two. */
const REQUESTS = 100;

interface Case {
  name: string;
  /** The provider's minted source, given the simulator's URL and the workspace. */
  source: (sim: string, dir: string) => Record<string, unknown>;
  /** What the mint failure is classified as (the log's `failure`). */
  failure: string;
  /** A piece of what the log says of it. */
  says: RegExp;
  /** The case reads `never.fifo`, which a process holds open without writing. */
  fifo?: true;
}

const CASES: Case[] = [
  { name: 'a command exiting 3', source: () => ({ api_key_command: 'exit 3' }), failure: 'exit', says: /code 3/ },
  {
    name: 'a command printing binary noise',
    source: () => ({ api_key_command: 'head -c 3000 /dev/urandom' }),
    failure: 'format',
    says: /it printed/,
  },
  {
    name: 'a command printing one line of bytes outside ASCII',
    source: () => ({ api_key_command: "printf 'tok\\377\\376abc'" }),
    failure: 'format',
    says: /outside ASCII/,
  },
  {
    name: 'a command printing more than 64 KiB',
    source: () => ({ api_key_command: "head -c 100000 /dev/zero | tr '\\0' a" }),
    failure: 'format',
    says: /more than 64 KiB/,
  },
  {
    name: 'a token endpoint answering 500',
    source: (sim) => ({ oauth2: { token_url: `${sim}/oauth2/token`, client_id: 'broken', client_secret: 's3cret' } }),
    failure: 'refused',
    says: /answered 500/,
  },
  {
    name: 'a token endpoint answering invalid_grant',
    source: (sim) => ({
      oauth2: {
        token_url: `${sim}/oauth2/token`,
        client_id: 'rt',
        client_secret: 's3cret',
        grant: 'refresh_token',
        refresh_token: 'rt-never-issued',
      },
    }),
    failure: 'invalid_grant',
    says: /sign in again/,
  },
  {
    name: 'a key file that never ends (/dev/zero)',
    source: () => ({ api_key_file: '/dev/zero' }),
    failure: 'format',
    says: /more than 64 KiB/,
  },
  {
    name: 'a key file that is a FIFO nobody closes',
    source: (_sim, dir) => ({ api_key_file: `${dir}/never.fifo` }),
    failure: 'timeout',
    says: /did not end within/,
    fifo: true,
  },
];

type Line = Record<string, unknown>;

function lines(stderr: string): Line[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

/** `count` chat requests through `gw`, `CONCURRENCY` at a time: the status and answering credential of each. */
async function load(gw: GatewayProcess, count: number): Promise<{ status: number; credential: string | null }[]> {
  const out: { status: number; credential: string | null }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      try {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
        });
        await res.arrayBuffer();
        out.push({ status: res.status, credential: res.headers.get('x-switchyard-credential') });
      } catch {
        out.push({ status: 0, credential: null });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}

/** Where the gateways keep their state, and how many processes serve: two gateways (the default), or one gateway
 * whose two workers share minted tokens through the store (shared-token.ts, the mint lease). */
interface Setup {
  state?: string;
  workers?: true;
}

for (const c of CASES) {
  test(`${c.name}: both gateways stay up and every request is answered by the fallback`, (t) => failingSource(t, c));
}

test(
  'on Redis, two gateways whose leases and mint records are in Redis stay up through a refused refresh token',
  { skip: REDIS_MISSING },
  async (t) => {
    await using redis = await startTestRedis();
    await failingSource(
      t,
      CASES.find((c) => c.failure === 'invalid_grant')!,
      { state: redis.url },
    );
  },
);

test('a gateway of two workers sharing minted tokens stays up through a failing command and token endpoint', async (t) => {
  for (const c of CASES.filter((c) => c.failure === 'exit' || c.failure === 'refused'))
    await failingSource(t, c, { workers: true });
});

async function failingSource(t: TestContext, c: Case, setup: Setup = {}): Promise<void> {
  await using sim = await startSimulator({
    scenario: {
      models: { 'sim-large': {} },
      keys: { [GOOD]: {} },
      oauth2: {
        clients: {
          // Each token request answers 500, for longer than the case runs.
          broken: { secret: 's3cret', script: Array<'500'>(5000).fill('500') },
          rt: { secret: 's3cret', refresh_token: 'rt-issued', grants: ['refresh_token'] },
        },
      },
    },
  });
  using ws = tempWorkspace('switchyard-failing-source-');
  if (c.fifo) {
    execFileSync('mkfifo', [`${ws.dir}/never.fifo`]);
    const holder = holdOpen(`${ws.dir}/never.fifo`);
    t.after(() => holder.kill('SIGKILL'));
  }
  const state = setup.state !== undefined ? { state: setup.state } : {};
  const config = ws.write(
    'switchyard.yaml',
    stringify({
      providers: {
        // A short mint_wait: a request joining a failed mint's hold long after it started is the path that crashed.
        p: { type: 'openai', base_url: `${sim.url}/v1`, mint_wait: '200ms', ...c.source(sim.url, ws.dir) },
        fb: { type: 'openai', base_url: `${sim.url}/v1`, api_key: GOOD },
      },
      main: { provider: 'p', model: 'sim-large' },
      fallback: [{ provider: 'fb', model: 'sim-large' }],
      gateway: { require_keys: false, admin_key: '${SWITCHYARD_ADMIN_KEY}', ...state },
    }),
  );
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY };
  const args = ['--config', config, ...(setup.workers ? ['--workers', '2'] : [])];
  await using a = await spawnGateway(t, args, env);
  await using b = setup.workers ? undefined : await spawnGateway(t, args, env);
  const gateways = b === undefined ? [a, a] : [a, b];
  // The dashboard's Refresh, pressed on each gateway during the load: the failed mint is its answer.
  const [answers, refreshed] = await Promise.all([
    Promise.all(gateways.map((gw) => load(gw, REQUESTS))).then((all) => all.flat()),
    Promise.all([...gateways, ...gateways].map(refresh)),
  ]);
  for (const r of refreshed) assert.deepEqual(r, { status: 200, ok: false, failed: true }, c.name);
  const byFallback = answers.filter((r) => r.status === 200 && r.credential === fingerprint(GOOD)).length;
  assert.equal(answers.length, REPLICAS * REQUESTS);
  assert.equal(byFallback, REPLICAS * REQUESTS, JSON.stringify(answers.filter((r) => r.status !== 200)));
  t.diagnostic(`${c.name}: ${byFallback} of ${answers.length} requests answered 200 by the fallback`);
  for (const gw of new Set(gateways)) {
    // A read that never ends fails at its time bound (5 s), after the load is over.
    await until(
      'the mint failure in the log',
      () => lines(gw.stderr()).some((l) => String(l['msg']).startsWith('could not mint a token for p')),
      15_000,
    );
    const warned = lines(gw.stderr()).find((l) => String(l['msg']).startsWith('could not mint a token for p'))!;
    assert.equal(warned['failure'], c.failure);
    assert.match(String(warned['msg']), c.says);
    // Nothing slipped through, and no worker was lost (its primary would say it started another).
    assert.doesNotMatch(gw.stderr(), /unhandled|uncaught|starting another/i);
    assert.equal(gw.child.exitCode, null, gw.stderr());
    assert.equal(gw.child.signalCode, null, gw.stderr());
  }
}

/** The dashboard's Refresh of p's minted credential: its status, and whether it minted or said the failure. */
async function refresh(gw: GatewayProcess): Promise<{ status: number; ok: boolean; failed: boolean }> {
  const res = await fetch(`${gw.url}/ui/api/keys/p/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const text = await res.text();
  const result = res.ok ? (JSON.parse(text) as { results: { ok: boolean; error?: string }[] }).results[0] : undefined;
  return { status: res.status, ok: result?.ok ?? true, failed: result?.error !== undefined };
}

/** A process holding `fifo` open for reading and writing (which Linux allows without waiting for a peer), never
 * writing: a reader of it never sees its end. */
function holdOpen(fifo: string): ChildProcess {
  return spawn('sh', ['-c', 'exec 3<>"$1"; exec sleep 600', 'sh', fifo], { stdio: 'ignore' });
}
