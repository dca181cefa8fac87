// The SSO doors over plain HTTP (no browser): the sign-in sends the browser to the provider found by discovery with
// PKCE, state and nonce, remembered in a signed cookie; a callback without that cookie, or with a forged one, signs no
// one in; a provider that cannot be reached is said on the page and in the log; and without gateway.sso the doors are
// not there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_RETRY, simProvider, startHarness } from '../harness.ts';
import { startLocalOidc } from '../../helpers/oidc.ts';
import { freePort } from '../../helpers/net.ts';

function config(sim: string, sso: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    providers: { mimo: simProvider(sim, 'openai', 'sk-sso-doors-0000000001') },
    main: { provider: 'mimo', model: 'sim-large' },
    retry: FAST_RETRY,
    gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}', ...(sso ? { sso } : {}) },
  };
}

test('the SSO sign-in goes to the provider with PKCE, state and nonce; a callback without its cookie is refused', async () => {
  const port = await freePort();
  const redirect = `http://127.0.0.1:${port}/ui/sso/callback`;
  await using idp = await startLocalOidc({ redirectUrl: redirect, groups: {} });
  await using h = await startHarness({
    scenario: { keys: {} },
    listen: `127.0.0.1:${port}`,
    config: (sim) =>
      config(sim, {
        issuer: idp.issuer,
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        redirect_url: redirect,
        roles: { viewer: ['engineering'] },
      }),
  });
  const login = await (await fetch(`${h.url}/ui`)).text();
  assert.match(login, /<a class="button" href="\/ui\/sso\/login" data-action="sso">/);
  const start = await fetch(`${h.url}/ui/sso/login`, { redirect: 'manual' });
  assert.equal(start.status, 303);
  const to = new URL(start.headers.get('location')!);
  assert.equal(to.origin, idp.issuer);
  assert.equal(to.searchParams.get('client_id'), idp.clientId);
  assert.equal(to.searchParams.get('redirect_uri'), redirect);
  assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
  for (const p of ['code_challenge', 'state', 'nonce']) assert.ok(to.searchParams.get(p), p);
  const flow = start.headers.get('set-cookie') ?? '';
  assert.match(flow, /^switchyard_sso=[^;]+; Max-Age=600; Path=\/ui\/sso; HttpOnly; SameSite=Lax/);

  const noCookie = await fetch(`${h.url}/ui/sso/callback?code=abc&state=${to.searchParams.get('state')}`);
  assert.equal(noCookie.status, 400);
  assert.match(await noCookie.text(), /the sign-in expired or was not started here/);
  assert.ok(!(noCookie.headers.get('set-cookie') ?? '').includes('switchyard_ui='));
  const forged = flow.split(';')[0]!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  const withForged = await fetch(`${h.url}/ui/sso/callback?code=abc`, { headers: { cookie: forged } });
  assert.equal(withForged.status, 400, 'a flow cookie not signed here');
  const noIssuer = await fetch(`${h.url}/ui/sso/callback?code=x&state=${to.searchParams.get('state')}`, {
    headers: { cookie: flow.split(';')[0]! },
  });
  assert.equal(noIssuer.status, 401);
  assert.match(
    await noIssuer.text(),
    /invalid response encountered \(response parameter &#34;iss&#34; \(issuer\) missing\)/,
  );
  // The provider refusing the code (it never issued it): no session.
  const badCode = await fetch(
    `${h.url}/ui/sso/callback?code=not-issued&state=${to.searchParams.get('state')}&iss=${encodeURIComponent(idp.issuer)}`,
    {
      headers: { cookie: flow.split(';')[0]! },
    },
  );
  assert.equal(badCode.status, 401);
  assert.match(await badCode.text(), /sign-in failed at the provider: invalid_grant/);
  assert.ok(!(badCode.headers.get('set-cookie') ?? '').includes('switchyard_ui='));
});

test('a provider that cannot be reached is said on the sign-in page and in the log; without gateway.sso no door', async () => {
  const closed = await freePort();
  await using h = await startHarness({
    scenario: { keys: {} },
    config: (sim) =>
      config(sim, {
        issuer: `http://127.0.0.1:${closed}`,
        client_id: 'switchyard',
        client_secret: 'unused-secret-0a1b2c',
        redirect_url: 'http://127.0.0.1:4141/ui/sso/callback',
        roles: { viewer: ['engineering'] },
      }),
  });
  const down = await fetch(`${h.url}/ui/sso/login`, { redirect: 'manual' });
  assert.equal(down.status, 502);
  assert.match(await down.text(), /the sign-in provider cannot be reached/);
  assert.ok(h.logs.some((l) => l.includes(`the sign-in provider http://127.0.0.1:${closed} cannot be reached`)));
  assert.ok(!h.logs.join('\n').includes('unused-secret-0a1b2c'));

  await using off = await startHarness({ scenario: { keys: {} }, config: (sim) => config(sim, undefined) });
  assert.doesNotMatch(await (await fetch(`${off.url}/ui`)).text(), /sso/);
  const none = await fetch(`${off.url}/ui/sso/login`, { redirect: 'manual' });
  assert.equal(none.status, 404);
});
