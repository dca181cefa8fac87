// The Redis client `gateway.state` opens (src/state/redis/client.ts) is never left ended: ioredis ends a Sentinel
// client for good when the sentinels' `+switch-master` reaches it mid-reconnect, and the replica would then never
// share state again. One that ends without being closed is started again; one closed on purpose stays closed. A
// cluster's command whose master went away fails at once, as a single server's does, and is not run later; its masters
// are connected as soon as it is ready, not on their first command.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseRedisUrl } from '../../src/config/redis-url.ts';
import { bounded } from '../../src/state/redis/bounded.ts';
import {
  closeRedisClient,
  isCluster,
  isReady,
  openRedisClient,
  type RedisClient,
} from '../../src/state/redis/client.ts';
import {
  REDIS_CLUSTER_MISSING,
  REDIS_MISSING,
  startTestRedis,
  startTestRedisCluster,
  type TestRedis,
  type TestRedisCluster,
} from '../helpers/redis.ts';
import { waitFor } from './wait.ts';

const redis: TestRedis | undefined = REDIS_MISSING ? undefined : await startTestRedis();
const cluster: TestRedisCluster | undefined = REDIS_CLUSTER_MISSING
  ? undefined
  : await startTestRedisCluster({ persist: true });
after(async () => {
  await redis?.stop();
  await cluster?.stop();
});

const TIMING = { connectTimeoutMs: 2_000, commandTimeoutMs: 2_000 };

describe('the state store Redis client', { skip: REDIS_MISSING }, () => {
  it('ended without being closed, it connects again and answers', async () => {
    const client = openRedisClient({ form: 'server', url: redis!.url }, TIMING);
    client.on('error', () => {});
    try {
      await waitFor(() => client.status === 'ready', 'the first connection');
      // As ioredis's failover detector does mid-reconnect: the connection is ended under the client.
      client.disconnect();
      await waitFor(() => client.status === 'end', 'the client to end');
      await waitFor(() => client.status === 'ready', 'the client to connect again');
      assert.equal(await client.ping(), 'PONG');
    } finally {
      closeRedisClient(client);
    }
  });
});

/** The store's client on the test cluster, as `gateway.state: redis+cluster://…` opens it. */
function openClusterClient(): RedisClient {
  const target = parseRedisUrl(cluster!.url);
  assert.ok(!('problem' in target));
  const client = openRedisClient(target, TIMING);
  client.on('error', () => {});
  return client;
}

describe('the state store Redis Cluster client', { skip: REDIS_CLUSTER_MISSING }, () => {
  it('connects every master once the cluster is ready, before any command needs one', async () => {
    const client = openClusterClient();
    try {
      // ioredis alone leaves a node unconnected until its first command, and refuses the next ones while it connects.
      await waitFor(() => isReady(client), 'every master connected, with no command sent', 20_000);
      assert.ok(isCluster(client));
      assert.deepEqual(
        client.nodes('master').map((n) => n.status),
        ['ready', 'ready', 'ready'],
      );
    } finally {
      closeRedisClient(client);
    }
  });

  it('a command given up on while its master is down is not run once the master is back', async () => {
    const client = openClusterClient();
    try {
      const key = '{given-up}:hold';
      await waitFor(
        async () => (await client.set(`${key}:ready`, '1').catch(() => null)) === 'OK',
        'the cluster',
        20_000,
      );
      const owner = await cluster!.ownerOf(key);
      await owner.stop('SIGKILL');
      // As a budget reserve is: bounded, and on a timeout taken as not done (its hold released, the spend held
      // locally). A write retried behind the caller's back once the master is back would leave that hold reserved.
      const write = client.set(key, 'late');
      await assert.rejects(bounded(write, 250));
      await owner.start();
      await write.catch(() => undefined);
      await waitFor(
        async () => (await client.set(`${key}:after`, '1').catch(() => null)) === 'OK',
        'the master back',
        20_000,
      );
      assert.equal(await client.get(key), null, 'the write given up on was not run later');
    } finally {
      closeRedisClient(client);
    }
  });
});
