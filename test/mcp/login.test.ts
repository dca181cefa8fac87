// `switchyard auth login SERVER` against the simulator's MCP server demanding the MCP authorization flow: the real
// CLI as a child process, the test as the browser (it opens the printed URL, whose redirect reaches the CLI's
// loopback listener); then a gateway uses the stored login through /mcp, refreshes it when the server says it expired,
// and names the command to run once the refresh token is revoked. Bad input: each refusal in the user's terms.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startHarness } from '../gateway/harness.ts';
import { startMcpSim } from '../../src/sim/fronts/mcp/http.ts';
import { tempWorkspace, type TempWorkspace } from '../helpers/tmp.ts';
import { assertNoSecrets, CLI, REPO_ROOT, runCliInProcess } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';
import type { StoredLogin } from '../../src/credentials/minted/login-file.ts';

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

/** Disposable: a child still waiting for its sign-in when the test ends (it failed) is stopped. */
interface Login extends Disposable {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exited: Promise<number>;
  /** The authorization URL the CLI printed. */
  url: () => Promise<URL>;
}

/** `switchyard auth login ARGS…` as a child process, its output read as it comes. */
function startLogin(ws: TempWorkspace, config: string, args: string[]): Login {
  const child = spawn(process.execPath, [CLI, '--config', config, 'auth', 'login', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: ws.dir, SWITCHYARD_HOME: ws.home },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    // On stdout, or on stderr with --json.
    url: async () => {
      await until('the URL printed', () => /^ {2}http\S+$/m.test(out + err) || child.exitCode !== null, 30_000);
      const line = /^ {2}(http\S+)$/m.exec(out + err)?.[1];
      assert.ok(line !== undefined, `no URL printed:\n${out}\n${err}`);
      return new URL(line);
    },
    [Symbol.dispose]: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

function writeConfig(ws: TempWorkspace, servers: Record<string, unknown>): string {
  return ws.write('switchyard.yaml', stringify({ mcp: { servers } }));
}

test('auth login signs in through the browser, and the gateway uses, refreshes and gives up the login', async () => {
  using ws = tempWorkspace();
  await using sim = await startMcpSim({ login: { accessTtlSeconds: 300 } });
  const config = writeConfig(ws, { sim: { url: sim.url, login: true } });
  using login = startLogin(ws, config, ['sim', '--no-browser', '--timeout', '60s']);
  const url = await login.url();
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(url.searchParams.get('resource'), sim.url);
  // The browser: the authorization endpoint approves and redirects to the CLI's loopback listener.
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Signed in/);
  assert.equal(await login.exited, 0, login.err());
  assert.match(login.out(), /signed in to MCP server sim/);

  const file = join(ws.home, 'mcp-logins', 'sim.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredLogin;
  assert.equal(stored.server_url, sim.url);
  assert.equal(stored.resource, sim.url);
  assert.ok(stored.refresh_token !== undefined && stored.expires_at !== undefined);
  for (const secret of [stored.access_token, stored.refresh_token])
    assert.ok(!login.out().includes(secret) && !login.err().includes(secret), 'a token was printed');
  assert.deepEqual(sim.login?.counts(), { registered: 1, authorized: 1, issued: 1, refreshed: 0, invalid_grant: 0 });
  const explained = await runCliInProcess(['--config', config, 'auth', 'explain', 'sim'], {
    env: { SWITCHYARD_HOME: ws.home },
  });
  assert.match(explained.stdout, /login: login stored .*, access token expires .*, refresh token kept\n/);

  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    env: { SWITCHYARD_HOME: ws.home },
    config: () => ({ mcp: { servers: { sim: { url: sim.url, login: true } } } }),
  });
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${h.key}` } },
    }),
  );
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'sim__add'));
    assert.equal(text(await client.callTool({ name: 'sim__add', arguments: { a: 1, b: 2 } })), '3');
    // The stored access token was used as it is: nothing refreshed yet.
    assert.equal(sim.login?.counts().refreshed, 0);

    // The server says it expired: refreshed with the stored refresh token, and the call goes through.
    sim.expire(stored.access_token);
    assert.equal(text(await client.callTool({ name: 'sim__add', arguments: { a: 2, b: 2 } })), '4');
    assert.equal(sim.login?.counts().refreshed, 1);

    // The user revoked the app: the next refresh is refused, and the error names the command.
    sim.login?.revokeRefreshTokens();
    sim.expire(sim.login?.accessTokens().at(-1) ?? '');
    await assert.rejects(client.callTool({ name: 'sim__add', arguments: { a: 3, b: 3 } }), /switchyard auth login sim/);
  } finally {
    await client.close();
  }
});

test('an access token at its end is refreshed before it is sent', async () => {
  using ws = tempWorkspace();
  // A token good for a second is always inside the minter's safety margin: refreshed before its first use.
  await using sim = await startMcpSim({ login: { accessTtlSeconds: 1 } });
  const config = writeConfig(ws, { sim: { url: sim.url, login: true } });
  using login = startLogin(ws, config, ['sim', '--no-browser']);
  assert.equal((await fetch(await login.url())).status, 200);
  assert.equal(await login.exited, 0, login.err());
  // The login's own first request was refused: that is how it learnt where to sign in.
  const signedIn = sim.calls().length;
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    env: { SWITCHYARD_HOME: ws.home },
    config: () => ({ mcp: { servers: { sim: { url: sim.url, login: true } } } }),
  });
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${h.key}` } },
    }),
  );
  try {
    assert.equal(text(await client.callTool({ name: 'sim__echo', arguments: { text: 'hi' } })), 'hi');
    assert.ok((sim.login?.counts().refreshed ?? 0) >= 1);
    const gateway = sim.calls().slice(signedIn);
    assert.ok(gateway.length > 0 && gateway.every((c) => c.status !== 401), 'a request was refused');
  } finally {
    await client.close();
  }
});

test('auth login --json prints what it stored — server, scopes, expiry — and no token; the URL goes to stderr', async () => {
  using ws = tempWorkspace();
  await using sim = await startMcpSim({ login: { accessTtlSeconds: 300 } });
  const config = writeConfig(ws, { sim: { url: sim.url, login: true } });
  using login = startLogin(ws, config, ['sim', '--no-browser', '--json']);
  const url = await login.url();
  assert.match(login.err(), /open this URL in a browser/);
  assert.equal((await fetch(url)).status, 200);
  assert.equal(await login.exited, 0, login.err());
  // Every command's JSON says which config and state it used (`in_effect`).
  const { in_effect: inEffect, ...said } = JSON.parse(login.out()) as Record<string, unknown>;
  assert.equal((inEffect as { config: string }).config, config);
  const file = join(ws.home, 'mcp-logins', 'sim.json');
  const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredLogin;
  assert.deepEqual(said, {
    server: 'sim',
    server_url: sim.url,
    authorization_server: stored.authorization_server,
    resource: sim.url,
    scopes: ['tools'],
    logged_in_at: new Date(stored.logged_in_at).toISOString(),
    expires_at: new Date(stored.expires_at!).toISOString(),
    refresh_token: true,
    file,
  });
  assertNoSecrets([stored.access_token, stored.refresh_token!], login.out() + login.err());
});

test('a sign-in that comes back with another state is refused, and nothing is stored', async () => {
  using ws = tempWorkspace();
  await using sim = await startMcpSim({ login: {} });
  const config = writeConfig(ws, { sim: { url: sim.url, login: true } });
  using login = startLogin(ws, config, ['sim', '--no-browser']);
  const url = await login.url();
  const approved = await fetch(url, { redirect: 'manual' });
  const back = new URL(approved.headers.get('location') ?? '');
  back.searchParams.set('state', 'forged-state-value');
  const page = await fetch(back);
  assert.equal(page.status, 400);
  assert.match(await page.text(), /did not finish/);
  assert.equal(await login.exited, 1);
  assert.match(login.err(), /its state does not match/);
  assert.throws(() => statSync(join(ws.home, 'mcp-logins', 'sim.json')), /ENOENT/);
});

describe('auth login refuses what it cannot sign in to', () => {
  test('an unknown server, a local one, one without login:, and a sign-in nobody finishes', async () => {
    using ws = tempWorkspace();
    await using sim = await startMcpSim({ login: {} });
    const config = writeConfig(ws, {
      sim: { url: sim.url, login: true },
      keyed: { url: sim.url, api_key: 'static-key-0001' },
      files: { command: ['node', '-e', '0'] },
    });
    const run = (...args: string[]) =>
      runCliInProcess(['--config', config, 'auth', 'login', ...args], { env: { SWITCHYARD_HOME: ws.home } });
    const cases: [string[], number, RegExp][] = [
      [['sin'], 2, /no MCP server named sin under mcp.servers \(did you mean `sim`\?\)/],
      [['files'], 2, /files is a local MCP server/],
      [['keyed'], 2, /mcp.servers.keyed has no login: setting/],
      [['sim', '--timeout', 'soon'], 2, /--timeout: expected a duration/],
      [['sim', '--no-browser', '--timeout', '1s'], 1, /no sign-in came back within 1s/],
    ];
    for (const [args, code, message] of cases) {
      const r = await run(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'a stack trace');
    }
  });
});

test('auth explain and doctor say a login is missing and what to run', async () => {
  using ws = tempWorkspace();
  await using sim = await startMcpSim({ login: {} });
  const config = writeConfig(ws, { sim: { url: sim.url, login: true } });
  const env = { SWITCHYARD_HOME: ws.home };
  const explained = await runCliInProcess(['--config', config, 'auth', 'explain', 'sim'], { env });
  assert.equal(explained.code, 0, explained.stderr);
  assert.match(explained.stdout, /login: no login stored — run `switchyard auth login sim` to sign in/);
  assert.match(explained.stdout, /→ sim has no usable login: run `switchyard auth login sim` to sign in\n/);
  const doctor = await runCliInProcess(['--config', config, 'doctor'], { env });
  assert.match(
    doctor.stdout,
    /sim \(remote\): FAIL .*no login is stored for MCP server sim; run `switchyard auth login sim`/,
  );
  assert.match(doctor.stdout, /login: no login stored — run `switchyard auth login sim` to sign in/);
});

test('a login client secret in the config is masked by config show', async () => {
  using ws = tempWorkspace();
  const secret = 'login-client-secret-0000feed';
  const config = writeConfig(ws, {
    sim: {
      url: 'http://127.0.0.1:9/mcp',
      login: { client_id: 'made-before', client_secret: secret, scope: ['a', 'b'] },
    },
  });
  const shown = await runCliInProcess(['--config', config, 'config', 'show'], { env: { SWITCHYARD_HOME: ws.home } });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /client_id: made-before/);
  assertNoSecrets([secret], shown.stdout + shown.stderr);
});
