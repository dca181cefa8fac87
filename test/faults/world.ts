// One fault case's world, every part its own and fresh: a private redis-server (an append-only file, so a stop keeps
// the counters), a private PostgreSQL when the ledger is there, the simulator, an OAuth2 token endpoint that fails,
// and N `switchyard gateway` processes sharing Redis through `gateway.state`, each with its own home (so only Redis and
// PostgreSQL connect them), one client key, a $ budget on that key and a token budget on the main task.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import {
  REDIS_CLUSTER_MISSING,
  REDIS_MISSING,
  REDIS_SENTINEL_MISSING,
  startTestRedis,
  startTestRedisCluster,
  startTestRedisSentinel,
  type ServerProcess,
  type TestRedisSentinel,
} from '../helpers/redis.ts';
import { PRIVATE_POSTGRES_MISSING, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { GROUP_CUT_MISSING, startGroupCut } from '../helpers/group-cut.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace, type TempWorkspace } from '../helpers/tmp.ts';
import { ADMIN_KEY, simProvider } from '../gateway/harness.ts';
import { RSS_CAP_BYTES, type FaultCase, type KeySource } from './cases.ts';

export const CLIENT_KEY_NAME = 'faults';
export const MODEL = 'sim-large';
/** USD per million tokens: dear enough that a few hundred requests reach the $ budget. */
const PRICE = { input: 1_000, output: 3_000 };
const SIM_KEY = 'sk-sim-faults-main-0001';
const FALLBACK_KEY = 'sk-sim-faults-back-0002';

export interface Replica {
  index: number;
  home: string;
  configPath: string;
  proc: GatewayProcess;
  /** The suite stopped or killed it on purpose (the kill -9 case, the end of the run). */
  endedByUs: boolean;
  /** It ended on its own: what it said last. */
  lost?: string;
  peakRss: number;
}

/** What cuts the first replica off Redis and mends the cut: a TCP proxy before a single server, an nftables rule on
 * its group id before a cluster or Sentinel (whose clients are handed the servers' own addresses). */
export interface Partition {
  cut(): void;
  mend(): void;
}

export interface World extends AsyncDisposable {
  spec: FaultCase;
  ws: TempWorkspace;
  /** The Redis server the case's fault falls on: the single server, the cluster master that owns the `{switchyard}`
   * slot, or the master the sentinel names at the start. */
  redis: ServerProcess & { port: number };
  /** The Sentinel deployment, for the failover case. */
  sentinel?: TestRedisSentinel;
  partition?: Partition;
  pg?: PrivatePostgres;
  database?: string;
  sim: Awaited<ReturnType<typeof startSimulator>>;
  replicas: Replica[];
  clientKey: string;
  /** Restarts a replica on its own home and config (after a kill -9). */
  restart(replica: Replica): Promise<void>;
  /** Replicas that lost their process on their own so far. */
  lost(): number;
}

/** A token endpoint that fails the way the case says: 500, or 400 `invalid_grant`. */
async function startFailingTokenEndpoint(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.includes('invalid-grant')) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'refresh token revoked' }));
      } else {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The provider whose key comes from a failing source. */
function keySourceProvider(source: KeySource, simUrl: string, tokenUrl: string): Record<string, unknown> {
  const base = { type: 'openai', base_url: `${simUrl}/v1`, timeout: '5s', models: { [MODEL]: { price: PRICE } } };
  const sources: Record<KeySource, Record<string, unknown>> = {
    'command-exit-3': { api_key_command: { run: 'exit 3', timeout: '5s' } },
    'command-garbage': { api_key_command: { run: 'head -c 4096 /dev/urandom', timeout: '5s' } },
    'command-huge': { api_key_command: { run: "head -c 70000 /dev/zero | tr '\\000' a", timeout: '5s' } },
    'oauth2-500': { oauth2: { token_url: `${tokenUrl}/500`, client_id: 'faults', client_secret: 'faults-secret' } },
    'oauth2-invalid-grant': {
      oauth2: {
        token_url: `${tokenUrl}/invalid-grant`,
        client_id: 'faults',
        grant: 'refresh_token',
        refresh_token: 'rt-faults-revoked',
      },
    },
    'file-endless': { api_key_file: '/dev/zero' },
  };
  return { ...base, ...sources[source] };
}

function configYaml(spec: FaultCase, simUrl: string, tokenUrl: string, redisUrl: string, ledger: string): string {
  const priced = { models: { [MODEL]: { price: PRICE } } };
  const providers: Record<string, unknown> = {
    sim: simProvider(simUrl, 'openai', SIM_KEY, priced),
    back: simProvider(simUrl, 'anthropic', FALLBACK_KEY, priced),
  };
  if (spec.keySource !== undefined) providers['minted'] = keySourceProvider(spec.keySource, simUrl, tokenUrl);
  return stringify({
    providers,
    main: { provider: spec.keySource !== undefined ? 'minted' : 'sim', model: MODEL },
    fallback: [{ provider: spec.keySource !== undefined ? 'sim' : 'back', model: MODEL }],
    auxiliary: { compression: { provider: 'none' }, title_generation: { provider: 'none' } },
    retry: { max_retries: 1, auth_retries: 1, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
    budgets: {
      'key-usd': { client_key: CLIENT_KEY_NAME, usd: { day: spec.caps.usd } },
      'task-tokens': { task: 'main', tokens: { day: spec.caps.tokens } },
    },
    gateway: { state: redisUrl, require_keys: true, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    usage: { store: ledger },
  });
}

/** Every part of the world, stopped last to first whatever fails; `build` adds each part as it starts. */
export async function startWorld(spec: FaultCase): Promise<World> {
  const undo: (() => Promise<unknown> | unknown)[] = [];
  const close = async (): Promise<void> => {
    for (const u of undo.reverse()) await Promise.resolve(u()).catch(() => undefined);
  };
  try {
    return await build(spec, undo, close);
  } catch (err) {
    await close();
    throw err;
  }
}

async function build(
  spec: FaultCase,
  undo: (() => Promise<unknown> | unknown)[],
  close: () => Promise<void>,
): Promise<World> {
  const ws = tempWorkspace('switchyard-faults-');
  undo.push(() => ws.cleanup());
  const store = await startStore(spec, ws.dir);
  undo.push(() => store.stop());
  let pg: PrivatePostgres | undefined;
  let database: string | undefined;
  let ledger = 'sqlite';
  if (spec.ledger === 'postgres') {
    pg = await startPrivatePostgres();
    undo.push(() => pg?.[Symbol.asyncDispose]());
    database = 'faults_ledger';
    ledger = await pg.createDatabase(database);
  }
  const sim = await startSimulator({
    scenario: { models: { [MODEL]: { latency: '10ms' } }, keys: { [SIM_KEY]: {}, [FALLBACK_KEY]: {} } },
  });
  undo.push(() => sim.close());
  const tokens = await startFailingTokenEndpoint();
  undo.push(() => new Promise((r) => tokens.close(r)));
  const tokenUrl = `http://127.0.0.1:${(tokens.address() as { port: number }).port}`;
  // The partition case cuts the first replica off Redis: through a proxy (its own URL) or by its group id.
  let partition: Partition | undefined;
  let cutUrl = store.url;
  let cutGid: number | undefined;
  if (spec.fault === 'redis-partition' && store.singlePort !== undefined) {
    const proxy = await startTcpProxy(store.singlePort);
    undo.push(() => proxy.close());
    partition = proxy;
    cutUrl = `redis://127.0.0.1:${proxy.port}/0`;
  } else if (spec.fault === 'redis-partition') {
    const cut = startGroupCut(store.ports);
    undo.push(() => cut[Symbol.asyncDispose]());
    partition = cut;
    cutGid = cut.gid;
  }
  const configs = [
    ws.write('via-proxy/switchyard.yaml', configYaml(spec, sim.url, tokenUrl, cutUrl, ledger)),
    ws.write('direct/switchyard.yaml', configYaml(spec, sim.url, tokenUrl, store.url, ledger)),
  ];
  const env = (home: string): Record<string, string> => ({ SWITCHYARD_HOME: home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY });
  const created = await runCliInProcess(
    ['--config', configs[1]!, 'gateway', 'keys', 'create', '--name', CLIENT_KEY_NAME, '--json'],
    { env: env(join(ws.dir, 'home-keys')), cwd: ws.dir },
  );
  if (created.code !== 0) throw new Error(`gateway keys create failed: ${created.stderr}`);
  const clientKey = (JSON.parse(created.stdout) as { key: string }).key;

  const replicas: Replica[] = [];
  const after = (fn: () => unknown): void => void undo.push(fn);
  const spawnReplica = async (index: number, home: string, configPath: string): Promise<GatewayProcess> => {
    // Killed after 3 minutes whatever happens (a case takes under one): a gateway that hangs cannot hang the suite.
    const proc = await spawnGateway({ after }, ['--config', configPath], env(home), undefined, {
      killAfterMs: 180_000,
      ...(index === 0 && cutGid !== undefined ? { gid: cutGid } : {}),
    });
    undo.push(() => stopProcess(proc));
    void proc.exited.then((code) => {
      const r = replicas[index];
      if (r === undefined || r.proc !== proc || r.endedByUs || r.lost !== undefined) return;
      r.lost = `exit ${code ?? proc.child.signalCode}: ${lastError(proc.stderr())}`;
    });
    return proc;
  };
  for (let i = 0; i < spec.replicas; i++) {
    const home = join(ws.dir, `home-${i}`);
    const configPath = configs[i === 0 ? 0 : 1]!;
    const proc = await spawnReplica(i, home, configPath);
    replicas.push({ index: i, home, configPath, proc, endedByUs: false, peakRss: 0 });
  }
  const rss = setInterval(() => watchRss(replicas), 250);
  undo.push(() => clearInterval(rss));
  return {
    spec,
    ws,
    redis: store.target,
    ...(store.sentinel ? { sentinel: store.sentinel } : {}),
    ...(partition ? { partition } : {}),
    ...(pg ? { pg } : {}),
    ...(database ? { database } : {}),
    sim,
    replicas,
    clientKey,
    async restart(replica) {
      replica.proc = await spawnReplica(replica.index, replica.home, replica.configPath);
      replica.endedByUs = false;
    },
    lost: () => replicas.filter((r) => r.lost !== undefined).length,
    [Symbol.asyncDispose]: close,
  };
}

/** Why a case cannot run here, or undefined: what its store, ledger and partition need. */
export function missingFor(spec: FaultCase): string | undefined {
  const topology = spec.topology ?? 'single';
  const store = { single: REDIS_MISSING, cluster: REDIS_CLUSTER_MISSING, sentinel: REDIS_SENTINEL_MISSING }[topology];
  if (store !== undefined) return store;
  if (spec.ledger === 'postgres' && PRIVATE_POSTGRES_MISSING !== undefined) return PRIVATE_POSTGRES_MISSING;
  if (spec.fault === 'redis-partition' && topology !== 'single') return GROUP_CUT_MISSING;
  return undefined;
}

interface Store {
  url: string;
  ports: number[];
  /** The single server's port (a proxy can stand before it). */
  singlePort?: number;
  target: ServerProcess & { port: number };
  sentinel?: TestRedisSentinel;
  stop(): Promise<void>;
}

/** The case's Redis, every server with an append-only file so that one stopped and started keeps the counters. */
async function startStore(spec: FaultCase, dir: string): Promise<Store> {
  const topology = spec.topology ?? 'single';
  if (topology === 'cluster') {
    const cluster = await startTestRedisCluster({ persist: true });
    try {
      return { ...cluster, target: await cluster.ownerOf('{switchyard}:'), stop: () => cluster.stop() };
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }
  if (topology === 'sentinel') {
    const sentinel = await startTestRedisSentinel({ persist: true });
    try {
      return { ...sentinel, target: await sentinel.master(), sentinel, stop: () => sentinel.stop() };
    } catch (err) {
      await sentinel.stop();
      throw err;
    }
  }
  const redis = await startTestRedis({ persistIn: dir });
  return { url: redis.url, ports: [redis.port], singlePort: redis.port, target: redis, stop: () => redis.stop() };
}

/** SIGTERM, then SIGKILL if it has not ended within 20 s: never waits longer. */
export async function stopProcess(proc: GatewayProcess): Promise<number | null | 'killed'> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  proc.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'killed'>((resolve) => {
    timer = setTimeout(() => {
      proc.child.kill('SIGKILL');
      resolve('killed');
    }, 20_000);
  });
  try {
    return await Promise.race([proc.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why a lost replica ended, shortened: the last `SomeError: message` line of its stderr (an uncaught error's first
 * line), else the last line that mentions an error. */
function lastError(stderr: string): string {
  const lines = stderr.split('\n');
  const thrown = lines.filter((l) => /^(?:Uncaught )?\w*(?:Error|Exception)\b.*:|^error: /.test(l));
  const any = lines.filter((l) => /error|uncaught|unhandled|fatal/i.test(l));
  return (thrown.at(-1) ?? any.at(-1) ?? lines.filter(Boolean).at(-1) ?? '').slice(0, 200);
}

/** A process's resident set in KiB, undefined once it has gone. */
function rssKb(pid: number): number | undefined {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return undefined;
  }
}

/** Peak RSS per replica; one above the cap is killed (and so counted lost) before it takes the machine. */
function watchRss(replicas: Replica[]): void {
  for (const r of replicas) {
    const pid = r.proc.child.pid;
    if (pid === undefined || r.proc.child.exitCode !== null || r.proc.child.signalCode !== null) continue;
    const kb = rssKb(pid);
    if (kb === undefined) continue;
    r.peakRss = Math.max(r.peakRss, kb * 1024);
    if (kb * 1024 > RSS_CAP_BYTES && !r.endedByUs) {
      r.lost = `killed by the suite at ${Math.round(kb / 1024)} MiB RSS`;
      r.proc.child.kill('SIGKILL');
    }
  }
}
