// A real redis-server for the tests that share state through Redis: private to the test, on a free loopback port,
// nothing saved to disk (or, given a directory, an append-only file there that keeps the counters across a restart).
// Stoppable (killed, or shut down) and restartable on the same port, to play an outage. Also a 3-master Redis Cluster
// and a master + replica + sentinel, private the same way. When redis-server is not installed the tests that need it
// are skipped with the reason (`.ci/run` installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { accepting, freePort } from './net.ts';

export const REDIS_MISSING =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
    ? undefined
    : 'redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)';

/** A cluster is made with redis-cli (Debian's redis-tools, beside redis-server). */
export const REDIS_CLUSTER_MISSING =
  REDIS_MISSING ??
  (spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status === 0
    ? undefined
    : 'redis-cli is not installed (Debian: apt-get install redis-tools), which makes the test cluster');

/** A sentinel is redis-server started with `--sentinel` (Debian's redis-sentinel is the same binary). */
export const REDIS_SENTINEL_MISSING = REDIS_MISSING;

/** `await using redis = await startTestRedis()` stops it when the test's scope ends. */
export interface TestRedis extends AsyncDisposable {
  url: string;
  port: number;
  /** SIGKILL by default; SIGTERM shuts it down as an operator would (writing its append-only file first). */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that keeps its connections but answers nothing. */
  freeze(): void;
  thaw(): void;
}

/** One redis-server (or sentinel) child on a loopback port: started, stopped by a signal, started again with the
 * same arguments. */
export interface ServerProcess {
  start(): Promise<void>;
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  freeze(): void;
  thaw(): void;
}

function serverProcess(port: number, args: readonly string[]): ServerProcess {
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    if (child && child.exitCode === null) return;
    const started = spawn('redis-server', [...args], { stdio: 'ignore' });
    child = started;
    const deadline = Date.now() + 10_000;
    // Ours answering, not another test's server that took the port while it was free (a restart after a kill).
    while (!(await accepting(port)) || !(await servedBy(port, started))) {
      if (started.exitCode !== null) throw new Error(`redis-server exited at start on port ${port} (taken?)`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stop = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      // A stopped (SIGSTOP) server would not act on SIGTERM until continued.
      c.kill('SIGCONT');
      c.kill(signal);
    });
  };
  return { start, stop, freeze: () => child?.kill('SIGSTOP'), thaw: () => child?.kill('SIGCONT') };
}

/** Whether the server on `port` is `child` (its INFO's process_id). */
async function servedBy(port: number, child: ChildProcess): Promise<boolean> {
  try {
    return /^process_id:(\d+)\r?$/m.exec(String(await ask(port, 'INFO', 'server')))?.[1] === String(child.pid);
  } catch {
    // Loading its data, or gone: asked again.
    return false;
  }
}

/** A plain client of a test's Redis, disconnected when its scope ends (`using`), however the test ends. One left open
 * after its test failed kept reconnecting to the server the test had stopped, and its process, and the suite, never
 * ended. */
export function rawRedis(url: string): Redis & Disposable {
  const client = new Redis(url);
  return Object.assign(client, { [Symbol.dispose]: () => client.disconnect() });
}

/** Loopback, nothing saved unless asked: the arguments every test server shares. */
const SERVER_ARGS = ['--bind', '127.0.0.1', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'];

/** `persistIn`: a directory for an append-only file written on every write, so a restart keeps what it held. */
export async function startTestRedis({ persistIn }: { persistIn?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  const persistence =
    persistIn === undefined ? [] : ['--dir', persistIn, '--appendonly', 'yes', '--appendfsync', 'always'];
  const server = serverProcess(port, ['--port', String(port), ...SERVER_ARGS, ...persistence]);
  await server.start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    ...server,
    [Symbol.asyncDispose]: () => server.stop(),
  };
}

/** A private deployment of several servers: its `gateway.state` URL, stopped whole at the end of the scope. */
export interface TestRedisDeployment extends AsyncDisposable {
  url: string;
  /** Every port a client of it connects to (data nodes and sentinels): what a partition cuts. */
  ports: number[];
  stop(): Promise<void>;
}

/** `persist`: an append-only file written on every write, so a node stopped and started keeps what it held. */
export interface DeploymentOptions {
  persist?: boolean;
  /** An address of this machine's own to serve on besides loopback, and to name in the URL and to the cluster or
   * sentinel (processes in other network namespaces reach the servers there: test/scale/). */
  host?: string;
}

/** Loopback, and the deployment's own address when it has one. */
const bindTo = (host: string | undefined): string[] => (host === undefined ? [] : ['--bind', '127.0.0.1', host]);

/** Each server its own append-only directory: several share the deployment's directory. */
const persistence = (dir: string, port: number, persist: boolean | undefined): string[] =>
  persist === true
    ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--appenddirname', `aof-${port}`]
    : [];

/** Polls until `check` holds, or throws naming what was awaited. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `redis-cli` to its end; throws with its output when it fails. */
function redisCli(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`redis-cli ${args[0]} failed: ${output}`)),
    );
  });
}

/** One reply of one command to the server on `port`. */
async function ask(port: number, ...command: [string, ...(string | number)[]]): Promise<unknown> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The command's own promise rejects with a lost connection; without a listener ioredis also prints it, with its
  // stack, as an "Unhandled error event" (seen in npm run scale when a failover ended the connection).
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(...command);
  } finally {
    client.disconnect();
  }
}

/** Three masters (`--cluster-replicas 0`), made with `redis-cli --cluster create`, each on its own free port and
 * cluster bus port; the URL lists them all as seed nodes. */
export interface TestRedisCluster extends TestRedisDeployment {
  /** Moves the slot of `key` (its hash tag's) with its keys to another master, as a resharding does: clients that
   * knew the old owner are answered MOVED. Resolves with the new owner's port. */
  moveSlotOf(key: string): Promise<number>;
  /** The master that owns the slot of `key` (its hash tag's), to stop, kill or pause as a fault. */
  ownerOf(key: string): Promise<ServerProcess & { port: number }>;
}

/** The node id and port of every master, and which one serves `slot`. */
async function slotOwner(ports: readonly number[], slot: number): Promise<{ ids: Map<number, string>; owner: number }> {
  const ids = new Map<number, string>();
  for (const port of ports) ids.set(port, String(await ask(port, 'CLUSTER', 'MYID')));
  const ranges = (await ask(ports[0]!, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  if (range === undefined) throw new Error(`no node serves slot ${slot}`);
  return { ids, owner: range[2][1] };
}

/** CLUSTER SETSLOT … IMPORTING / MIGRATING, MIGRATE of its keys, then SETSLOT … NODE on every master. */
async function moveSlot(ports: readonly number[], key: string): Promise<number> {
  const slot = Number(await ask(ports[0]!, 'CLUSTER', 'KEYSLOT', key));
  const { ids, owner } = await slotOwner(ports, slot);
  const target = ports.find((p) => p !== owner)!;
  await ask(target, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', ids.get(owner)!);
  await ask(owner, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', ids.get(target)!);
  for (;;) {
    const keys = (await ask(owner, 'CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
    if (keys.length === 0) break;
    await ask(owner, 'MIGRATE', '127.0.0.1', target, '', 0, 5000, 'KEYS', ...keys);
  }
  for (const port of ports) await ask(port, 'CLUSTER', 'SETSLOT', slot, 'NODE', ids.get(target)!);
  return target;
}

export async function startTestRedisCluster({ persist, host }: DeploymentOptions = {}): Promise<TestRedisCluster> {
  const named = host ?? '127.0.0.1';
  const announce = host === undefined ? [] : ['--cluster-announce-ip', host];
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-cluster-'));
  const servers: ServerProcess[] = [];
  const ports: number[] = [];
  const stop = async (): Promise<void> => {
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const [port, bus] = [await freePort(), await freePort()];
      ports.push(port);
      const cluster = ['--cluster-enabled', 'yes', '--cluster-port', String(bus)];
      const config = ['--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir];
      const kept = [...persistence(dir, port, persist), ...bindTo(host), ...announce];
      servers.push(serverProcess(port, ['--port', String(port), ...SERVER_ARGS, ...cluster, ...config, ...kept]));
    }
    await Promise.all(servers.map((s) => s.start()));
    const nodes = ports.map((p) => `${named}:${p}`);
    await redisCli(['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports)
      await until(async () => String(await ask(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 'the cluster');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `redis+cluster://${ports.map((p) => `${named}:${p}`).join(',')}`,
    ports,
    stop,
    [Symbol.asyncDispose]: stop,
    moveSlotOf: (key) => moveSlot(ports, key),
    ownerOf: async (key) => {
      const slot = Number(await ask(ports[0]!, 'CLUSTER', 'KEYSLOT', key));
      const { owner } = await slotOwner(ports, slot);
      return { ...servers[ports.indexOf(owner)]!, port: owner };
    },
  };
}

export interface TestRedisSentinel extends TestRedisDeployment {
  /** The master made a replica of the other server behind its clients' backs (no sentinel's CLIENT KILL), as an
   * operator's REPLICAOF would, and the sentinel pointed at the new one: a client left on the old master is
   * answered READONLY until it asks the sentinel again. */
  switchQuietly(): Promise<void>;
  /** The replica made a master and named by the sentinel, while the old master stays a master with no replica and
   * nothing tells its clients (no `+switch-master`, no READONLY): as a master killed and back in a second looks to a
   * client that reached it just before the sentinel switched. */
  promoteQuietly(): Promise<void>;
  /** `SENTINEL FAILOVER`; resolves once the sentinel names the replica as the master and the old master is its
   * replica. */
  failover(): Promise<void>;
  /** The server the sentinel names as the master now, to stop, kill or pause as a fault. */
  master(): Promise<ServerProcess & { port: number }>;
}

const MASTER_NAME = 'sy-master';

/** A master, one replica of it and one sentinel watching them (a quorum of one, so it can fail over alone). */
export async function startTestRedisSentinel({ persist, host }: DeploymentOptions = {}): Promise<TestRedisSentinel> {
  const named = host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-sentinel-'));
  const [masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
  // In the temporary directory: a replica's full sync writes the master's snapshot to its working directory.
  const inDir = ['--dir', dir, ...bindTo(host), ...(host === undefined ? [] : ['--replica-announce-ip', host])];
  const master = serverProcess(masterPort, [
    '--port',
    String(masterPort),
    ...SERVER_ARGS,
    ...inDir,
    ...persistence(dir, masterPort, persist),
  ]);
  const replica = serverProcess(replicaPort, [
    '--port',
    String(replicaPort),
    ...SERVER_ARGS,
    ...inDir,
    ...persistence(dir, replicaPort, persist),
    '--replicaof',
    named,
    String(masterPort),
  ]);
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      `bind 127.0.0.1${host === undefined ? '' : ` ${host}`}`,
      'protected-mode no',
      `dir ${dir}`,
      ...(host === undefined ? [] : [`sentinel announce-ip ${host}`]),
      `sentinel monitor ${MASTER_NAME} ${named} ${masterPort} 1`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 10000`,
      '',
    ].join('\n'),
  );
  const sentinel = serverProcess(sentinelPort, [conf, '--sentinel']);
  const servers = [sentinel, replica, master];
  const stop = async (): Promise<void> => {
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const masterNow = async (): Promise<number> =>
    Number(((await ask(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as string[])[1]);
  const replicaKnown = async (): Promise<boolean> => {
    const replicas = (await ask(sentinelPort, 'SENTINEL', 'REPLICAS', MASTER_NAME)) as string[][];
    return replicas.some((r) => {
      const fields = new Map<string, string>();
      for (let i = 0; i + 1 < r.length; i += 2) fields.set(r[i]!, r[i + 1]!);
      return fields.get('master-link-status') === 'ok' && !(fields.get('flags') ?? '').includes('down');
    });
  };
  try {
    await master.start();
    await replica.start();
    await sentinel.start();
    await until(replicaKnown, 'the sentinel to know the replica');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `redis+sentinel://${named}:${sentinelPort}/${MASTER_NAME}/0`,
    ports: [masterPort, replicaPort, sentinelPort],
    stop,
    master: async () => {
      const port = await masterNow();
      return { ...(port === masterPort ? master : replica), port };
    },
    [Symbol.asyncDispose]: stop,
    switchQuietly: async () => {
      const [from, to] = (await masterNow()) === masterPort ? [masterPort, replicaPort] : [replicaPort, masterPort];
      await ask(sentinelPort, 'SENTINEL', 'REMOVE', MASTER_NAME);
      await ask(to, 'REPLICAOF', 'NO', 'ONE');
      await ask(from, 'REPLICAOF', '127.0.0.1', to);
      await ask(sentinelPort, 'SENTINEL', 'MONITOR', MASTER_NAME, '127.0.0.1', to, 1);
      await until(async () => (await masterNow()) === to, 'the sentinel to name the new master');
    },
    promoteQuietly: async () => {
      const to = (await masterNow()) === masterPort ? replicaPort : masterPort;
      await ask(sentinelPort, 'SENTINEL', 'REMOVE', MASTER_NAME);
      await ask(to, 'REPLICAOF', 'NO', 'ONE');
      await ask(sentinelPort, 'SENTINEL', 'MONITOR', MASTER_NAME, named, to, 1);
      await until(async () => (await masterNow()) === to, 'the sentinel to name the new master');
    },
    failover: async () => {
      const before = await masterNow();
      await until(replicaKnown, 'the sentinel to know a replica to promote');
      await ask(sentinelPort, 'SENTINEL', 'FAILOVER', MASTER_NAME);
      await until(async () => (await masterNow()) !== before, 'the sentinel to name the new master');
      // Until the old master is turned into a replica it still takes writes, which its resync then drops: the window
      // every Redis failover has. From here on a client left on it is answered READONLY.
      await until(async () => ((await ask(before, 'ROLE')) as string[])[0] === 'slave', 'the old master to be demoted');
    },
  };
}
