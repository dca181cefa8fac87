// An MCP server's `login:` credential at the minter: the stored access token is used as it is, a refresh spends the
// stored refresh token once and keeps the rotated one in the state store, so two processes sharing the store never
// spend a single-use refresh token twice; a login stored for another URL is not sent, and says what to run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/state/open.ts';
import { Minter } from '../../src/credentials/minted/minter.ts';
import { loginSource } from '../../src/credentials/minted/spec.ts';
import { loginPath, writeLogin } from '../../src/credentials/minted/login-file.ts';
import { runLoginFlow } from '../../src/mcp/login-flow.ts';
import { startMcpSim } from '../../src/sim/fronts/mcp/http.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { loadedFrom } from '../routing/helpers.ts';

test('two processes sharing a state store spend the login refresh token once each turn', async () => {
  await using sim = await startMcpSim({ login: {} });
  using ws = tempWorkspace();
  // The test is the browser: it opens the URL, whose redirect reaches the flow's listener.
  const login = await runLoginFlow({
    server: 'sim',
    url: sim.url,
    config: { timeout: 30_000 },
    headers: {},
    waitMs: 30_000,
    now: Date.now,
    onUrl: (url) => void fetch(url).catch(() => {}),
  });
  writeLogin(loginPath(ws.home, 'sim'), login);
  const loaded = loadedFrom(
    { mcp: { servers: { sim: { url: sim.url, login: true } } } },
    {
      env: { SWITCHYARD_HOME: ws.home },
    },
  );
  const server = { name: 'sim', url: sim.url, login: { timeout: 30_000 } };
  const source = loginSource(loaded, 'mcp:sim', 'mcp.servers.sim', server);
  await using a = openStore({ home: ws.home });
  await using b = openStore({ home: ws.home });
  const minters = [a, b].map((store) => new Minter({ store }));
  try {
    assert.equal((await minters[0]!.token(source)).token, login.access_token, 'the stored token is used first');
    for (let round = 0; round < 3; round++) await Promise.all(minters.map((m) => m.refresh(source)));
    for (let round = 0; round < 4; round++) await minters[round % 2]!.refresh(source);
    const counts = sim.login!.counts();
    assert.equal(counts.invalid_grant, 0);
    assert.equal(counts.refreshed, 10);

    const moved = loginSource(loaded, 'mcp:sim', 'mcp.servers.sim', { ...server, url: 'http://127.0.0.1:9/mcp' });
    await assert.rejects(
      new Minter({ store: a }).token(moved),
      /the stored login is for http:\/\/127\.0\.0\.1:\d+\/mcp, .*run `switchyard auth login sim` to sign in again/,
    );
  } finally {
    for (const m of minters) m.close();
  }
});
