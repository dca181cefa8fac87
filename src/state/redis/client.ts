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
  const { Redis: RedisCtor, Cluster: ClusterCtor } = loadIoredis();
  if (target.form === 'cluster') {
    return new ClusterCtor(target.nodes, {
      enableOfflineQueue: false,
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
