// Replicas sharing health through Redis share a single-use refresh token too: each mint takes the lease in Redis, spends
// the refresh token kept there and keeps the next one there, so no two replicas ever spend one — also while the health
// writes hold a WATCH on the same connection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempWorkspace } from '../helpers/tmp.ts';
import { startTestRedis, REDIS_MISSING } from '../helpers/redis.ts';
import { closePools } from '../../src/providers/registry.ts';
import { openStore } from '../../src/state/open.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { Minter } from '../../src/credentials/minted/minter.ts';
import { mintedSource } from '../../src/credentials/minted/spec.ts';
import { configSchema } from '../../src/config/schema.ts';
import { loadedFrom } from '../routing/helpers.ts';
import { Redis } from 'ioredis';
import { mintKeys, readMint, writeMint } from '../../src/state/redis/mint.ts';

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
    const conn = new Redis(redis.url);
    const other = new Redis(redis.url);
    try {
      const keys = mintKeys('switchyard:');
      // What shared-state.ts does between its WATCH and its EXEC; another replica then writes health.
      await conn.watch('switchyard:health');
      await other.hset('switchyard:health', 'fp', '{}');
      await writeMint(conn, keys, 'src', { provider: 'p', at: 1, refresh_token: 'rt-next', error: null });
      assert.equal((await readMint(conn, keys, 'src'))?.refresh_token, 'rt-next');
    } finally {
      conn.disconnect();
      other.disconnect();
    }
  },
);
