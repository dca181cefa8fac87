// The MCP simulator's authorization server (`sim mcp --oauth-login`): what a client following the MCP authorization
// spec finds, and each check its token endpoint makes — PKCE, the redirect URI, the resource, single-use refresh
// tokens — answered as a real authorization server answers them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import {
  discoverOAuthServerInfo,
  extractWWWAuthenticateParams,
  registerClient,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { startMcpSim } from '../../src/sim/fronts/mcp/http.ts';
import { CLI } from '../helpers/cli.ts';

const REDIRECT = 'http://127.0.0.1:1/callback';
const VERIFIER = 'a-code-verifier-that-is-long-enough-for-pkce-0123456789';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

async function token(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('the sim demands the flow, and its token endpoint checks PKCE, the redirect, the resource and reuse', async () => {
  await using sim = await startMcpSim({ login: { accessTtlSeconds: 60 } });
  const refused = await fetch(sim.url, { method: 'POST', body: '{}' });
  assert.equal(refused.status, 401);
  const challenge = extractWWWAuthenticateParams(refused);
  assert.ok(challenge.resourceMetadataUrl !== undefined);
  const info = await discoverOAuthServerInfo(sim.url, { resourceMetadataUrl: challenge.resourceMetadataUrl! });
  assert.equal(info.resourceMetadata?.resource, sim.url);
  const meta = info.authorizationServerMetadata!;
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  const client = await registerClient(info.authorizationServerUrl, {
    metadata: meta,
    clientMetadata: { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' },
  });

  const authorize = (extra: Record<string, string>): Promise<Response> => {
    const u = new URL(meta.authorization_endpoint);
    const q = { response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, state: 's1', ...extra };
    for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
    return fetch(u, { redirect: 'manual' });
  };
  // A redirect URI the client did not register is never redirected to.
  assert.equal(
    (
      await authorize({
        redirect_uri: 'http://127.0.0.1:2/elsewhere',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      })
    ).status,
    400,
  );
  const plain = new URL(
    (await authorize({ code_challenge: VERIFIER, code_challenge_method: 'plain' })).headers.get('location')!,
  );
  assert.equal(plain.searchParams.get('error'), 'invalid_request');
  const approved = await authorize({ code_challenge: CHALLENGE, code_challenge_method: 'S256', resource: sim.url });
  const back = new URL(approved.headers.get('location')!);
  assert.equal(back.searchParams.get('state'), 's1');
  const code = back.searchParams.get('code')!;

  const exchange = { grant_type: 'authorization_code', client_id: client.client_id, redirect_uri: REDIRECT, code };
  assert.equal(
    (await token(meta.token_endpoint, { ...exchange, code_verifier: 'wrong', resource: sim.url })).body['error'],
    'invalid_grant',
  );
  // A code is spent by its first exchange, right or wrong: approve again.
  const again = new URL(
    (await authorize({ code_challenge: CHALLENGE, code_challenge_method: 'S256' })).headers.get('location')!,
  );
  const ok = { ...exchange, code: again.searchParams.get('code')!, code_verifier: VERIFIER };
  assert.equal(
    (await token(meta.token_endpoint, { ...ok, resource: 'http://elsewhere.example/mcp' })).body['error'],
    'invalid_target',
  );
  const tokens = await token(meta.token_endpoint, { ...ok, resource: sim.url });
  assert.equal(tokens.status, 200);
  assert.equal(tokens.body['expires_in'], 60);

  const accepted = await fetch(sim.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${String(tokens.body['access_token'])}` },
    body: '{}',
  });
  assert.notEqual(accepted.status, 401);
  const refresh = {
    grant_type: 'refresh_token',
    client_id: client.client_id,
    refresh_token: String(tokens.body['refresh_token']),
  };
  assert.equal((await token(meta.token_endpoint, refresh)).status, 200);
  assert.equal(
    (await token(meta.token_endpoint, refresh)).body['error'],
    'invalid_grant',
    'a refresh token is single-use',
  );
});

test('sim mcp --oauth-login says so, and its 401 names the resource metadata', async () => {
  const child = spawn(process.execPath, [CLI, 'sim', 'mcp', '--listen', '127.0.0.1:0', '--oauth-login'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        const m = /listening on (\S+)[\s\S]*Ctrl-C/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`exited: ${out}`)));
    });
    assert.match(out, /sign-in: the MCP authorization flow/);
    const res = await fetch(url, { method: 'POST', body: '{}' });
    assert.equal(res.status, 401);
    assert.match(
      res.headers.get('www-authenticate') ?? '',
      /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  }
});
