// Replicas sharing health through Redis share a single-use refresh token too: each mint takes the lease in Redis, spends
// the refresh token kept there and keeps the next one there, so no two replicas ever spend one — also while the health
// writes hold a WATCH on the same connection. A refresh token rotated while Redis is down or stalled is said, kept and
// written to Redis once it answers, so the other replica spends that one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempWorkspace } from '../helpers/tmp.ts';
import { rawRedis, startTestRedis, REDIS_MISSING } from '../helpers/redis.ts';
import { closePools } from '../../src/providers/registry.ts';
import { openStore } from '../../src/state/open.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { Minter } from '../../src/credentials/minted/minter.ts';
import { mintedSource } from '../../src/credentials/minted/spec.ts';
import { configSchema } from '../../src/config/schema.ts';
import { loadedFrom } from '../routing/helpers.ts';
import { mintKeys, readMint, writeMint } from '../../src/state/redis/mint.ts';
import { RedisStore } from '../../src/state/redis/store.ts';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import { statePath } from '../../src/state/open.ts';
import type { TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../state/wait.ts';

after(closePools);

test(
  'two minters on one Redis, each with its own state file, never spend a refresh token twice',
  { skip: REDIS_MISSING },
  async () => {
    await using redis = await startTestRedis();
    await using sim = await startSimulator({
      scenario: { oauth2: { clients: { app: { refresh_token: 'rt-0', latency: '20ms' } } } },
    });
    using ws = tempWorkspace('switchyard-oauth-redis-');
    await using a = openStore({ kind: redis.url, home: join(ws.dir, 'shared') });
    await using b = openStore({ kind: redis.url, home: join(ws.dir, 'shared') });
    await Promise.all([a.ready(), b.ready()]);
    const loaded = loadedFrom(
      configSchema.parse({
        providers: {
          p: {
            type: 'openai',
            base_url: `${sim.url}/v1`,
            oauth2: { token_url: `${sim.url}/oauth2/token`, client_id: 'app', refresh_token: 'rt-0' },
          },
        },
        main: { provider: 'p', model: 'sim-large' },
      }),
    );
    const source = mintedSource(loaded, 'p', 'providers.p', loaded.config.providers['p']!)!;
    const minters = [a, b].map((store) => new Minter({ store }));
    for (let round = 0; round < 5; round++)
      await Promise.all(minters.flatMap((m) => [m.refresh(source), m.refresh(source)]));
    // Taking turns, not at once: each must read the refresh token the other kept.
    for (let round = 0; round < 4; round++) await minters[round % 2]!.refresh(source);
    const counts = sim.oauth2()['app']!;
    assert.equal(counts.invalid_grant, 0);
    assert.equal(counts.refreshed, 14);
  },
);

test(
  'a rotated refresh token is kept in Redis while a health write is watching on the same connection',
  { skip: REDIS_MISSING },
  async () => {
    await using redis = await startTestRedis();
    using conn = rawRedis(redis.url);
    using other = rawRedis(redis.url);
    const keys = mintKeys('switchyard:');
    // What shared-state.ts does between its WATCH and its EXEC; another replica then writes health.
    await conn.watch('switchyard:health');
    await other.hset('switchyard:health', 'fp', '{}');
    await writeMint(conn, keys, 'src', { provider: 'p', at: 1, refresh_token: 'rt-next', error: null });
    assert.equal((await readMint(conn, keys, 'src'))?.refresh_token, 'rt-next');
  },
);

/** A replica's store: Redis shared, its own state file, its warnings kept; quick to give up on a stalled Redis. */
function replica(redis: TestRedis, home: string): { store: RedisStore; warnings: string[] } {
  const warnings: string[] = [];
  const store = new RedisStore({
    url: redis.url,
    local: new SqliteStore({ path: statePath({ home }) }),
    flushIntervalMs: 10,
    pollIntervalMs: 50,
    connectTimeoutMs: 1000,
    commandTimeoutMs: 300,
    warn: (m) => warnings.push(m),
  });
  return { store, warnings };
}

for (const outage of ['stopped', 'stalled'] as const) {
  test(
    `a refresh token rotated while Redis is ${outage} is said, kept, and written to Redis once it answers: the other replica spends that one`,
    { skip: REDIS_MISSING },
    async () => {
      await using redis = await startTestRedis();
      await using sim = await startSimulator({ scenario: { oauth2: { clients: { app: { refresh_token: 'rt-0' } } } } });
      using ws = tempWorkspace('switchyard-oauth-redis-down-');
      const a = replica(redis, join(ws.dir, 'a'));
      const b = replica(redis, join(ws.dir, 'b'));
      try {
        await Promise.all([a.store.ready(), b.store.ready()]);
        const loaded = loadedFrom(
          configSchema.parse({
            providers: {
              p: {
                type: 'openai',
                base_url: `${sim.url}/v1`,
                oauth2: { token_url: `${sim.url}/oauth2/token`, client_id: 'app', refresh_token: 'rt-0' },
              },
            },
            main: { provider: 'p', model: 'sim-large' },
          }),
        );
        const source = mintedSource(loaded, 'p', 'providers.p', loaded.config.providers['p']!)!;
        if (outage === 'stopped') {
          await redis.stop();
          await waitFor(() => a.store.status().degraded === true, 'replica a to notice Redis is gone');
        } else redis.freeze();
        await new Minter({ store: a.store }).refresh(source);
        assert.ok(
          a.warnings.some((w) =>
            /^p: the rotated refresh token could not be written to the shared state store \(Redis at .*\); it is kept in this process .* other replicas spend the old refresh token, which the token endpoint refuses: bring Redis back/.test(
              w,
            ),
          ),
          a.warnings.join('\n'),
        );
        const status = a.store.status();
        assert.deepEqual(status.degradedBy, ['shared_store_unreachable', 'refresh_token_not_shared']);
        assert.ok(status.pendingWrites > 0);
        assert.equal((await a.store.readMint(source.id))?.refresh_token?.startsWith('sim-rt-app-'), true);

        if (outage === 'stopped') await redis.start();
        else redis.thaw();
        // b too: a replica still reconnecting reads its own copy, the old refresh token.
        await waitFor(
          () => a.store.status().pendingWrites === 0 && [a, b].every((r) => r.store.status().degraded !== true),
          'the rotated refresh token to reach Redis, and replica b back on it',
          60_000,
        );
        await new Minter({ store: b.store }).refresh(source);
        const counts = sim.oauth2()['app']!;
        assert.equal(counts.invalid_grant, 0, 'the other replica spent the rotated refresh token, not the old one');
        assert.equal(counts.refreshed, 2);
        assert.ok(!JSON.stringify(a.warnings).includes('sim-rt-'), 'no refresh token in a warning');
      } finally {
        if (outage === 'stopped') await redis.start();
        else redis.thaw();
        await a.store.close();
        await b.store.close();
      }
    },
  );
}

test(
  'a rotated refresh token still waiting for Redis when its replica ends is written by the next one on that state file',
  { skip: REDIS_MISSING },
  async () => {
    await using redis = await startTestRedis();
    await using sim = await startSimulator({ scenario: { oauth2: { clients: { app: { refresh_token: 'rt-0' } } } } });
    using ws = tempWorkspace('switchyard-oauth-redis-restart-');
    const loaded = loadedFrom(
      configSchema.parse({
        providers: {
          p: {
            type: 'openai',
            base_url: `${sim.url}/v1`,
            oauth2: { token_url: `${sim.url}/oauth2/token`, client_id: 'app', refresh_token: 'rt-0' },
          },
        },
        main: { provider: 'p', model: 'sim-large' },
      }),
    );
    const source = mintedSource(loaded, 'p', 'providers.p', loaded.config.providers['p']!)!;
    const first = replica(redis, join(ws.dir, 'a'));
    await first.store.ready();
    await redis.stop();
    await waitFor(() => first.store.status().degraded === true, 'the replica to notice Redis is gone');
    await new Minter({ store: first.store }).refresh(source);
    await first.store.close();
    assert.match(first.warnings.at(-1) ?? '', /refresh token .* is kept in the state file, and the next switchyard/);

    await redis.start();
    const again = replica(redis, join(ws.dir, 'a'));
    const other = replica(redis, join(ws.dir, 'b'));
    try {
      await Promise.all([again.store.ready(), other.store.ready()]);
      await waitFor(() => again.store.status().pendingWrites === 0, 'the kept refresh token to reach Redis', 10_000);
      await new Minter({ store: other.store }).refresh(source);
      const counts = sim.oauth2()['app']!;
      assert.equal(counts.invalid_grant, 0, 'the other replica spent the rotated refresh token, not the old one');
      assert.equal(counts.refreshed, 2);
    } finally {
      await again.store.close();
      await other.store.close();
    }
  },
);
