// The ioredis client `gateway.state` names: one server, a Redis Cluster (ioredis's Cluster follows MOVED and ASK and
// refreshes the slots) or a master watched by Sentinel (ioredis asks the sentinels where the master is, again after
// a failover). No topology is handled here, only the options all three share: fail at once while disconnected (our
// own queue is the health cache), keep reconnecting, and reconnect when a demoted master answers READONLY.
import { createRequire } from 'node:module';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { RedisTarget } from '../../config/redis-url.ts';

/** What the store and its parts send commands through: one server's or Sentinel's client, or a cluster's. */
export type RedisClient = Redis | Cluster;

export interface ClientTiming {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** Where the store's keys go when `gateway.state_prefix` does not say: a cluster's share one hash tag, so that every
 * script and transaction touches a single slot; a single server's and Sentinel's keep the prefix they always had, so
 * an upgrade reads the state it wrote before. */
export const DEFAULT_PREFIX = { server: 'switchyard:', sentinel: 'switchyard:', cluster: '{switchyard}:' } as const;

/** ioredis takes ~70 ms to load: only a store that uses Redis pays for it, not every CLI command. */
function loadIoredis(): typeof import('ioredis') {
  return createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
}

/** Keep trying to come back, at most every 2 s, for as long as the process runs. */
const retry = (times: number): number => Math.min(100 * times, 2000);

/** A master demoted by a failover keeps its connections and answers writes with READONLY: reconnecting makes a
 * Sentinel client ask where the master is now (and a single server's find it again once promoted back). */
const reconnectOnReadonly = (err: Error): boolean => err.message.startsWith('READONLY');

/** A cluster's command whose master's connection closed (or that was answered CLUSTERDOWN) fails at once, as a
 * single server's does (`maxRetriesPerRequest: 0`), rather than being sent again later behind the caller's back: a
 * budget reserve given up on past its bound is released, and one run after its release would stay reserved. MOVED,
 * ASK and TRYAGAIN (a slot moving, the command not run) are still followed. */
const NO_RETRY_ON_CONNECTION_LOSS = { retryDelayOnFailover: 0, retryDelayOnClusterDown: 0 } as const;

function connectionOptions(timing: ClientTiming): RedisOptions {
  return {
    maxRetriesPerRequest: 0,
    connectTimeout: timing.connectTimeoutMs,
    commandTimeout: timing.commandTimeoutMs,
    reconnectOnError: reconnectOnReadonly,
  };
}

function auth(target: { username?: string; password?: string; tls: boolean }): RedisOptions {
  return {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
}

export function openRedisClient(target: RedisTarget, timing: ClientTiming): RedisClient {
  const client = newClient(target, timing);
  keepConnecting(client);
  if (isCluster(client)) connectNodesEagerly(client);
  return client;
}

/** ioredis connects a cluster's node on its first command and, with no offline queue, fails every other command sent
 * to it while it connects with "Connection is closed.": at load 40 that took each store's first presence beat, and
 * its budgets went unshared. Each node is connected as soon as it is known instead. */
function connectNodesEagerly(cluster: Cluster): void {
  const connect = (node: Redis): void => {
    if (node.status === 'wait') node.connect().catch(() => {});
  };
  cluster.on('ready', () => cluster.nodes('all').forEach(connect));
  cluster.on('+node', connect);
}

/** 'ready' when a command sent now goes out at once: one server's client ready, or a cluster ready with each of its
 * masters connected (else what it waits for). */
export function readiness(client: RedisClient): string {
  if (client.status !== 'ready' || !isCluster(client)) return client.status;
  const waiting = client.nodes('master').find((n) => n.status !== 'ready');
  return waiting === undefined ? 'ready' : `connecting to ${waiting.options.host}:${waiting.options.port}`;
}

export function isReady(client: RedisClient): boolean {
  return readiness(client) === 'ready';
}

/** Resolves once a ready cluster has each master connected too (or it is not ready, or `timeoutMs` passed): a store
 * whose first load went to one master is not ready while another is still connecting. */
export async function mastersConnected(client: RedisClient, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (client.status === 'ready' && !isReady(client) && Date.now() < end)
    await new Promise((resolve) => setTimeout(resolve, 10).unref());
}

function newClient(target: RedisTarget, timing: ClientTiming): RedisClient {
  const { Redis: RedisCtor, Cluster: ClusterCtor } = loadIoredis();
  if (target.form === 'cluster') {
    return new ClusterCtor(target.nodes, {
      enableOfflineQueue: false,
      ...NO_RETRY_ON_CONNECTION_LOSS,
      clusterRetryStrategy: retry,
      redisOptions: { ...connectionOptions(timing), ...auth(target) },
    });
  }
  const common: RedisOptions = { ...connectionOptions(timing), enableOfflineQueue: false, retryStrategy: retry };
  if (target.form === 'server') return new RedisCtor(target.url, common);
  return new RedisCtor({
    ...common,
    ...auth(target),
    sentinels: target.sentinels,
    name: target.master,
    db: target.db,
    // rediss+sentinel://: TLS to the master the sentinels name, and to the sentinels themselves.
    enableTLSForSentinelMode: target.tls,
    ...(target.tls ? { sentinelTLS: {} } : {}),
    sentinelRetryStrategy: retry,
    // Told by the sentinels of a switch, rather than finding out at the next write to the old master.
    failoverDetector: true,
  });
}

/** Clients this process closed on purpose: the only ones left ended. */
const closedByUs = new WeakSet<RedisClient>();

/** A client that ends without being closed is started again, after the same pause as a reconnect. ioredis ends a
 * Sentinel client for good when the sentinels' `+switch-master` reaches the failover detector of its last connection
 * while it is connecting anew (the detector closes the connector mid-connect): seen after a master killed and back in
 * a second, the replica then never shared state again. */
export function keepConnecting(client: RedisClient): void {
  let attempts = 0;
  client.on('ready', () => (attempts = 0));
  client.on('end', () => {
    if (closedByUs.has(client)) return;
    const timer = setTimeout(() => {
      if (!closedByUs.has(client) && client.status === 'end') client.connect().catch(() => {});
    }, retry(++attempts));
    timer.unref();
  });
}

/** Closes a client for good (it is not started again). */
export function closeRedisClient(client: RedisClient): void {
  closedByUs.add(client);
  client.disconnect();
}

export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster;
}

/** The connections a WATCH may be on: a transaction whose connection was replaced before EXEC lost its WATCH. */
export function connections(client: RedisClient): readonly unknown[] {
  return isCluster(client) ? client.nodes('master').map((n) => n.stream) : [client.stream];
}

export function sameConnections(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/** What `gateway.state_prefix` must be for this target, or undefined when it will do. */
export function prefixProblem(prefix: string, target: RedisTarget): string | undefined {
  if (prefix === '') return 'the key prefix is empty; leave gateway.state_prefix out for the default';
  if (target.form !== 'cluster' || hashTag(prefix) !== undefined) return undefined;
  return `a Redis Cluster needs a hash tag in the key prefix, as in {switchyard}:, so that each script and transaction touches one slot (else the cluster answers CROSSSLOT); got ${JSON.stringify(prefix)}`;
}

/** The part of a key Redis Cluster hashes, when the prefix fixes it for every key: `{…}` with something inside. */
function hashTag(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined;
}
