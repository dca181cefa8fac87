// oauth2 credentials against the simulator's token endpoint: both grants, tokens invalidated and expiring re-minted
// with no failed call, single-use refresh tokens rotated through the state store and never spent twice, even by two
// minters (two processes) sharing one state file under load; a gateway's workers asking the endpoint once for all.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { harness, hello, failure, FAST_RETRY } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { closePools } from '../../src/providers/registry.ts';
import { openStore } from '../../src/state/open.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { Minter } from '../../src/credentials/minted/minter.ts';
import { mintedSource } from '../../src/credentials/minted/spec.ts';
import { configSchema } from '../../src/config/schema.ts';
import { loadedFrom } from '../routing/helpers.ts';

after(closePools);
const ws = tempWorkspace('switchyard-oauth-');
after(() => ws.cleanup());

const oauthProvider = (sim: string, oauth2: Record<string, unknown>): unknown => ({
  providers: {
    p: {
      type: 'openai',
      base_url: `${sim}/v1`,
      oauth2: { token_url: `${sim}/oauth2/token`, client_id: 'app', ...oauth2 },
    },
  },
  main: { provider: 'p', model: 'sim-large' },
  retry: FAST_RETRY,
});

describe('oauth2 credentials', () => {
  it('mints with client_credentials, and re-mints an invalidated token with no backoff and no fallback', async () => {
    const h = await harness({
      scenario: { oauth2: { clients: { app: { secret: 's3cret', max_requests: 2 } } } },
      config: (u) => oauthProvider(u.anthropic, { client_secret: 's3cret' }),
    });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      const third = await h.router.chat({ messages: hello });
      assert.equal(third.status, 'ok');
      assert.ok(h.sim.oauth2()['app']!.issued >= 3);
      const reminted = h.events.filter((e) => e.type === 'attempt' && e.attempt.note === 're-minted after 401');
      assert.ok(reminted.length >= 2);
      assert.deepEqual(h.sleeps, [], 'no backoff');
      assert.ok(!h.events.some((e) => e.type === 'fallback'));
      const invalidated = h.sim.log().filter((c) => c.outcome === 'token_invalidated').length;
      assert.equal(invalidated, reminted.length);
    } finally {
      await h.close();
    }
  });

  it('a re-mint that fails after a 401 is said in the trail, the explanation and the log line setting the key aside', async () => {
    await using h = await harness({
      scenario: { oauth2: { clients: { app: { secret: 's3cret', script: ['ok', '500'] } } } },
      config: (u) => oauthProvider(u.anthropic, { client_secret: 's3cret' }),
    });
    assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
    h.sim.invalidateTokens('app');
    const err = await failure(h.router.chat({ messages: hello }));
    const failed =
      /re-minting after 401 failed: oauth2 client app at 127\.0\.0\.1:\d+: the token endpoint \S+ answered 500/;
    assert.match(err.message, failed);
    const entry = err.trail.find((a) => a.outcome === 'auth_missing');
    assert.match(entry?.message ?? '', failed);
    assert.equal(entry?.credential, undefined, 'nothing was sent with it');
    const setAside = h.warnings.find((w) => /auth suspect/.test(w));
    assert.match(setAside ?? '', /token has been invalidated.*; re-minting after 401 failed: .*answered 500/);
    assert.equal(h.sim.oauth2()['app']!.issued, 1, 'the re-mint was asked once');
  });

  it('sends Basic client authentication when client_auth is basic', async () => {
    const h = await harness({
      scenario: { oauth2: { clients: { app: { secret: 'p@ss:word' } } } },
      config: (u) =>
        oauthProvider(u.anthropic, { client_secret: 'p@ss:word', client_auth: 'basic', scope: ['chat', 'models'] }),
    });
    try {
      assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      assert.equal(h.sim.oauth2()['app']!.invalid_client, 0);
    } finally {
      await h.close();
    }
  });

  it('refreshes an expiring token ahead of time: no call fails while tokens come and go', async () => {
    const h = await harness({
      scenario: { oauth2: { clients: { app: { secret: 's', expires_in: '1s' } } } },
      config: (u) => oauthProvider(u.anthropic, { client_secret: 's' }),
    });
    try {
      await until(
        'a third token',
        async () => {
          const r = await h.router.chat({ messages: hello });
          assert.equal(r.status, 'ok');
          return h.sim.oauth2()['app']!.issued >= 3;
        },
        15_000,
      );
      assert.equal(h.sim.log().filter((c) => c.outcome !== 'ok').length, 0, 'no call met an expired token');
    } finally {
      await h.close();
    }
  });

  it('spends each single-use refresh token once, keeping the rotated one in the state store', async () => {
    const h = await harness({
      scenario: { oauth2: { clients: { app: { refresh_token: 'rt-first', max_requests: 1 } } } },
      config: (u) => oauthProvider(u.anthropic, { refresh_token: 'rt-first' }),
    });
    try {
      for (let i = 0; i < 4; i++) assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      const counts = h.sim.oauth2()['app']!;
      assert.equal(counts.invalid_grant, 0);
      assert.equal(counts.refreshed, 4);
      const fp = h.router.pool.candidates('p')[0]!.credential.fingerprint;
      const record = await h.store.readMint(fp);
      assert.match(record?.refresh_token ?? '', /^sim-rt-app-/);
    } finally {
      await h.close();
    }
  });

  it('says the refresh token was refused and the user must sign in again; nothing is sent', async () => {
    const h = await harness({
      scenario: { oauth2: { clients: { app: { refresh_token: 'rt-good' } } } },
      config: (u) => oauthProvider(u.anthropic, { refresh_token: 'rt-stale-and-secret' }),
    });
    try {
      const err = await failure(h.router.chat({ messages: hello }));
      assert.equal(err.kind, 'auth_missing');
      assert.match(
        err.message,
        /oauth2 client app at 127\.0\.0\.1:\d+: the token endpoint refused the refresh token \(400 invalid_grant: the refresh token is not valid\); sign in again/,
      );
      assert.doesNotMatch(JSON.stringify({ m: err.message, t: err.trail, w: h.warnings }), /rt-stale-and-secret/);
    } finally {
      await h.close();
    }
  });
});

describe('oauth2 refresh tokens across processes', () => {
  it('two minters on one state file, minting at once again and again, never spend a refresh token twice', async () => {
    const sim = await startSimulator({
      scenario: { oauth2: { clients: { app: { refresh_token: 'rt-0', latency: '20ms' } } } },
    });
    const home = join(ws.dir, 'shared-state');
    const stores = [openStore({ home }), openStore({ home })];
    try {
      const loaded = loadedFrom(configSchema.parse(oauthProvider(sim.url, { refresh_token: 'rt-0' })));
      const source = mintedSource(loaded, 'p', 'providers.p', loaded.config.providers['p']!)!;
      const minters = stores.map((store) => new Minter({ store }));
      for (let round = 0; round < 5; round++)
        await Promise.all(minters.flatMap((m) => [m.refresh(source), m.refresh(source)]));
      const counts = sim.oauth2()['app']!;
      assert.equal(counts.invalid_grant, 0);
      assert.equal(counts.refreshed, 10, 'single flight in each, one mint at a time between them');
    } finally {
      for (const s of stores) await s.close();
      await sim.close();
    }
  });

  it('two workers sharing tokens: one asks the endpoint and spends the refresh token; the other takes its token', async () => {
    const sim = await startSimulator({
      scenario: { oauth2: { clients: { app: { refresh_token: 'rt-0', latency: '20ms' } } } },
    });
    const home = join(ws.dir, 'workers-state');
    const stores = [openStore({ home }), openStore({ home })];
    const minters = stores.map((store) => new Minter({ store, shareTokens: true }));
    try {
      const loaded = loadedFrom(configSchema.parse(oauthProvider(sim.url, { refresh_token: 'rt-0' })));
      const source = mintedSource(loaded, 'p', 'providers.p', loaded.config.providers['p']!)!;
      const tokens = await Promise.all(minters.flatMap((m) => [m.token(source), m.token(source)]));
      assert.equal(new Set(tokens.map((t) => t.token)).size, 1, 'one token for both');
      const counts = sim.oauth2()['app']!;
      assert.equal(counts.refreshed, 1, 'the endpoint was asked once');
      assert.equal(counts.invalid_grant, 0);
    } finally {
      for (const m of minters) m.close();
      for (const s of stores) await s.close();
      await sim.close();
    }
  });
});
