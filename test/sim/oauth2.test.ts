// The simulator's OAuth2 token endpoint: both grants, single-use rotating refresh tokens, invalid_grant and
// invalid_client, and the tokens it issues answering 401 token_expired / token_invalidated in each API's shape.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';

let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator({
    scenario: {
      oauth2: {
        clients: {
          app: { secret: 'sec', refresh_token: 'rt-1', max_requests: 2 },
          short: { expires_in: '1ms', grants: ['client_credentials'] },
          flaky: { script: ['500', 'ok'] },
        },
      },
    },
  });
});
after(() => sim.close());

async function token(
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function chat(key: string, api: 'openai' | 'anthropic' = 'openai'): Promise<{ status: number; body: unknown }> {
  const res =
    api === 'openai'
      ? await fetch(`${sim.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }),
        })
      : await fetch(`${sim.url}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sim-large', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
        });
  return { status: res.status, body: await res.json() };
}

describe('simulator token endpoint', () => {
  it('issues a token for client_credentials that works until its max_requests, then answers token_invalidated', async () => {
    const t = await token({ grant_type: 'client_credentials', client_id: 'app', client_secret: 'sec' });
    assert.equal(t.status, 200);
    assert.equal(t.body['token_type'], 'Bearer');
    const at = String(t.body['access_token']);
    assert.equal((await chat(at)).status, 200);
    assert.equal((await chat(at, 'anthropic')).status, 200);
    const third = await chat(at);
    assert.equal(third.status, 401);
    assert.equal((third.body as { error: { code: string } }).error.code, 'token_invalidated');
  });

  it('rotates single-use refresh tokens: spending one twice is invalid_grant', async () => {
    const first = await token(
      { grant_type: 'refresh_token', refresh_token: 'rt-1' },
      { authorization: `Basic ${Buffer.from('app:sec').toString('base64')}` },
    );
    assert.equal(first.status, 200);
    const rotated = String(first.body['refresh_token']);
    assert.match(rotated, /^sim-rt-app-/);
    const again = await token({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      client_id: 'app',
      client_secret: 'sec',
    });
    assert.deepEqual([again.status, again.body['error']], [400, 'invalid_grant']);
    const next = await token({
      grant_type: 'refresh_token',
      refresh_token: rotated,
      client_id: 'app',
      client_secret: 'sec',
    });
    assert.equal(next.status, 200);
    assert.equal(sim.oauth2()['app']!.invalid_grant, 1);
  });

  it('refuses a wrong secret, an unknown client and a grant the client may not use', async () => {
    assert.deepEqual(
      (await token({ grant_type: 'client_credentials', client_id: 'app', client_secret: 'nope' })).body['error'],
      'invalid_client',
    );
    assert.deepEqual(
      (await token({ grant_type: 'client_credentials', client_id: 'who' })).body['error'],
      'invalid_client',
    );
    assert.deepEqual(
      (await token({ grant_type: 'refresh_token', client_id: 'short', refresh_token: 'x' })).body['error'],
      'unauthorized_client',
    );
  });

  it('answers token_expired for a token past its expiry, in both API shapes', async () => {
    const at = String((await token({ grant_type: 'client_credentials', client_id: 'short' })).body['access_token']);
    await new Promise((r) => setTimeout(r, 5));
    const o = await chat(at);
    assert.deepEqual([o.status, (o.body as { error: { code: string } }).error.code], [401, 'token_expired']);
    const a = await chat(at, 'anthropic');
    assert.deepEqual([a.status, (a.body as { error: { type: string } }).error.type], [401, 'authentication_error']);
  });

  it('lists models for an issued token without spending one of its calls, and refuses an invalidated one', async () => {
    const at = String(
      (await token({ grant_type: 'client_credentials', client_id: 'app', client_secret: 'sec' })).body['access_token'],
    );
    const models = async (): Promise<{ status: number; code?: string }> => {
      const res = await fetch(`${sim.url}/v1/models`, { headers: { authorization: `Bearer ${at}` } });
      const body = (await res.json()) as { error?: { code: string } };
      return body.error ? { status: res.status, code: body.error.code } : { status: res.status };
    };
    assert.deepEqual(await models(), { status: 200 });
    assert.deepEqual(await models(), { status: 200 });
    assert.equal((await chat(at)).status, 200, 'the listings spent none of its max_requests: 2');
    assert.equal((await chat(at)).status, 200);
    assert.deepEqual(await models(), { status: 401, code: 'token_invalidated' });
  });

  it("plays a client's script of token answers, and the control API invalidates its tokens", async () => {
    assert.equal((await token({ grant_type: 'client_credentials', client_id: 'flaky' })).status, 500);
    const at = String((await token({ grant_type: 'client_credentials', client_id: 'flaky' })).body['access_token']);
    assert.equal((await chat(at)).status, 200);
    const res = await fetch(`${sim.url}/_sim/oauth2/invalidate?client=flaky`, { method: 'POST' });
    assert.deepEqual(await res.json(), { invalidated: 1 });
    assert.equal((await chat(at)).status, 401);
    const counts = (await (await fetch(`${sim.url}/_sim/oauth2`)).json()) as {
      clients: Record<string, { issued: number }>;
    };
    assert.equal(counts.clients['flaky']!.issued, 1);
  });
});
