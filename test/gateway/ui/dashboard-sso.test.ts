// Single sign-on to the dashboard through a real OpenID Connect provider on loopback (oidc-provider), driven in
// headless Chromium: a viewer sees every view but is offered no reset (on the Keys view or a failed request's advice)
// and is refused one (403); an operator is offered both, resets a cooling key and the audit says who; sign-out, an
// expired session and forged cookies are refused; a user with no mapped role is not let in; and no secret, cookie
// (the session's or the sign-in's flow) or token is in the log, the spans or the audit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_KEY, FAST_RETRY, simProvider, startHarness, type Harness } from '../harness.ts';
import { chromiumPath, launch } from './browser.ts';
import { startLocalOidc } from '../../helpers/oidc.ts';
import { freePort } from '../../helpers/net.ts';
import { runCliInProcess } from '../../helpers/cli.ts';
import { installOtel } from '../../telemetry/otel.ts';
import { COOKIE, newSession } from '../../../src/gateway/ui/session.ts';

const FLAKY = 'sk-sso-flaky-00000000001';
const SPARE = 'sk-sso-spare-00000000002';
/** A provider's only key, out of quota: its request fails, and the advice is a reset the dashboard offers. */
const DRY = 'sk-sso-dry-000000000003';
const ROLES = { viewer: ['engineering'], operator: ['oncall'], admin: ['platform'] };

const executable = chromiumPath();

/** Every sign-in's flow cookie (its PKCE verifier, state and nonce), to look for where none may be. */
const flowCookies: string[] = [];

/** Signs `login` in through the provider's development form and its consent page; the page ends where the gateway
 * sends it. */
async function signIn(browser: Browser, url: string, login: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/ui`);
  await page.click('a[data-action="sso"]');
  await page.locator('input[name="login"]').waitFor();
  const flow = (await context.cookies(`${url}/ui/sso/callback`)).find((c) => c.name === 'switchyard_sso');
  assert.ok(flow, 'the sign-in keeps its flow in a cookie');
  flowCookies.push(flow.value);
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any password');
  await page.click('button[type="submit"]');
  await page.getByRole('button', { name: 'Continue' }).click();
  return { context, page };
}

/** An action from the signed-in page itself, with its cookie (and the page's CSRF token unless `csrf` is false): what
 * a hidden button would have sent, or a script on the admin API with the person's session. */
function postFromPage(page: Page, path: string, csrf = true): Promise<{ status: number; code: string | undefined }> {
  return page.evaluate(
    async ({ path, csrf }) => {
      const token = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': token } : {}) },
        body: '{}',
      });
      const body = (await res.json()) as { error?: { code?: string } };
      return { status: res.status, code: body.error?.code };
    },
    { path, csrf },
  );
}

function getFromPage(page: Page, path: string): Promise<number> {
  return page.evaluate(async (path) => (await fetch(path)).status, path);
}

async function sessionCookie(context: BrowserContext): Promise<string> {
  const c = (await context.cookies()).find((x) => x.name === COOKIE);
  assert.ok(c, 'signed in: the session cookie is set');
  return c.value;
}

function keysWith(h: Harness, cookie: string): Promise<Response> {
  return fetch(`${h.url}/ui/api/keys`, { headers: { cookie: `${COOKIE}=${cookie}` } });
}

test(
  'SSO: a viewer cannot reset, an operator can and is audited; sign-out, expiry and forged cookies are refused',
  { skip: executable === undefined ? 'no Chromium (apt-get install chromium, or set SWITCHYARD_CHROMIUM)' : false },
  async () => {
    const port = await freePort();
    const gateway = `http://127.0.0.1:${port}`;
    await using idp = await startLocalOidc({
      redirectUrl: `${gateway}/ui/sso/callback`,
      groups: { vera: ['engineering'], otto: ['oncall', 'engineering'], nadia: ['sales'] },
    });
    await using otel = installOtel();
    await using h = await startHarness({
      scenario: { keys: { [FLAKY]: { script: ['429'], reset: '10m' }, [SPARE]: {}, [DRY]: { quota: true } } },
      listen: `127.0.0.1:${port}`,
      env: { SWITCHYARD_SSO_SECRET: idp.clientSecret },
      config: (sim) => ({
        providers: { mimo: simProvider(sim, 'openai', [FLAKY, SPARE]), dry: simProvider(sim, 'openai', DRY) },
        main: { provider: 'mimo', model: 'sim-large' },
        auxiliary: { title_generation: { provider: 'mimo', model: 'sim-small' } },
        retry: FAST_RETRY,
        gateway: {
          admin_key: '${SWITCHYARD_ADMIN_KEY}',
          sso: {
            issuer: idp.issuer,
            client_id: idp.clientId,
            client_secret: '${SWITCHYARD_SSO_SECRET}',
            redirect_url: `${gateway}/ui/sso/callback`,
            roles: ROLES,
          },
        },
      }),
    });
    // The first key answers 429 and cools; the request is served by the spare.
    const chat = (model: string): Promise<Response> =>
      fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
    assert.equal((await chat('sim-large')).status, 200);
    // A request on the dry provider fails: its advice is to reset that key, a button only an operator is offered.
    const dry = await chat('dry/sim-large');
    assert.notEqual(dry.status, 200);
    const dryId = dry.headers.get('x-request-id')!;
    await using browser = await launch(executable!);

    // A viewer sees every key and who they are, and is offered no reset; sent anyway, it is refused.
    const viewer = await signIn(browser, h.url, 'vera');
    await viewer.page.locator('[data-role="signed-in"]').getByText('vera@example.com').waitFor();
    assert.equal(await viewer.page.locator('[data-role="role"]').textContent(), 'viewer');
    const flakyRow = (page: Page) => page.locator('[data-provider="mimo"] tr').filter({ hasText: 'sk-…0001' });
    await flakyRow(viewer.page).locator('[data-role="state"]').getByText('cooling (rate_limited)').waitFor();
    assert.equal(await viewer.page.locator('button[data-action="reset"], button[data-action="reset-all"]').count(), 0);
    assert.deepEqual(await postFromPage(viewer.page, '/ui/api/keys/mimo/reset'), {
      status: 403,
      code: 'role_required',
    });
    // Every view is the viewer's to read: each tab's data comes back 200 and the view shows it.
    for (const [view, api, shown] of [
      ['tasks', '/ui/api/tasks', '[data-task="main"]'],
      ['requests', '/ui/api/requests?', 'tr[data-request]'],
      ['usage', '/ui/api/usage?', '[data-chart="client_key"] canvas'],
      ['mcp', '/ui/api/mcp', 'text=No MCP servers are configured'],
    ] as const) {
      const answered = viewer.page.waitForResponse((r) => r.url().includes(api));
      await viewer.page.click(`a[data-view="${view}"]`);
      assert.equal((await answered).status(), 200, `the ${view} view's data`);
      await viewer.page.locator(shown).first().waitFor();
    }
    // The failed request's advice says to reset the key, with no button for a viewer.
    const adviceOf = async (page: Page) => {
      await page.click('a[data-view="requests"]');
      await page.locator(`tr[data-request="${dryId}"]`).click();
      const advice = page.locator('[data-role="advice"] [data-advice="reset_key"]');
      await advice.waitFor();
      return advice;
    };
    assert.equal(await (await adviceOf(viewer.page)).locator('button').count(), 0, 'no reset offered to a viewer');
    await viewer.page.click('a[data-view="keys"]');

    // The admin API reads the same session: a viewer reads it, and may not reset there either.
    assert.equal(await getFromPage(viewer.page, '/admin/credentials'), 200);
    assert.deepEqual(await postFromPage(viewer.page, '/admin/credentials/mimo/reset'), {
      status: 403,
      code: 'role_required',
    });
    const viewerCookie = await sessionCookie(viewer.context);

    // An operator resets the cooling key from its row; the audit says who.
    const operator = await signIn(browser, h.url, 'otto');
    await operator.page.locator('[data-role="signed-in"]').getByText('otto@example.com').waitFor();
    assert.equal(await operator.page.locator('[data-role="role"]').textContent(), 'operator');
    const state = flakyRow(operator.page).locator('[data-role="state"]');
    await state.getByText('cooling (rate_limited)').waitFor();
    await flakyRow(operator.page).locator('button[data-action="reset"]').click();
    await state.filter({ hasText: /^ok$/ }).waitFor();
    const operatorCookie = await sessionCookie(operator.context);
    // The same advice offers the operator its reset (not pressed: the audit below counts the key's reset only).
    await (await adviceOf(operator.page)).locator('button[data-action="reset"]').waitFor();
    await operator.page.click('a[data-view="keys"]');
    // On the admin API an operator's reset needs the page's CSRF token too.
    assert.deepEqual(await postFromPage(operator.page, '/admin/credentials/mimo/reset', false), {
      status: 403,
      code: 'csrf',
    });
    assert.deepEqual(await postFromPage(operator.page, '/admin/credentials/mimo/reset'), {
      status: 200,
      code: undefined,
    });

    const env = { SWITCHYARD_HOME: h.home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY, SWITCHYARD_SSO_SECRET: idp.clientSecret };
    const audit = await runCliInProcess(['--config', h.configPath, 'usage', 'audit', '--json'], { env });
    assert.equal(audit.code, 0, audit.stderr);
    const actions = (JSON.parse(audit.stdout) as { actions: Record<string, string>[] }).actions;
    assert.equal(actions.length, 2, audit.stdout);
    assert.deepEqual(
      actions[0],
      { ...actions[1], at: actions[0]!['at'], target: 'mimo' },
      'the admin API reset, newest',
    );
    assert.deepEqual(
      { ...actions[1], at: undefined, target: actions[1]!['target']!.split('/')[0] },
      {
        at: undefined,
        who: 'otto@example.com',
        role: 'operator',
        via: 'sso',
        action: 'reset',
        target: 'mimo',
        outcome: 'ok',
      },
    );
    assert.ok(
      h.logs.some((l) => /"who":"otto@example.com"/.test(l) && /"action":"reset"/.test(l)),
      'the log says who reset',
    );
    const table = await runCliInProcess(['--config', h.configPath, 'usage', 'audit'], { env });
    assert.match(table.stdout, /otto@example\.com\s+operator\s+sso\s+reset\s+mimo\//);

    // Sign-out: back to the sign-in page, and the API answers 401.
    await operator.page.click('button:text("Sign out")');
    await operator.page.locator('a[data-action="sso"]').waitFor();
    assert.equal(await getFromPage(operator.page, '/ui/api/keys'), 401);
    assert.equal(await getFromPage(operator.page, '/admin/credentials'), 401);

    // An expired session, a cookie whose role was raised, and one signed with another secret are all refused.
    const expired = newSession(
      ADMIN_KEY,
      { who: 'otto@example.com', role: 'operator', via: 'sso' },
      Date.now() - 2 * 3_600_000,
      3_600_000,
    );
    assert.equal((await keysWith(h, expired)).status, 401, 'an expired session');
    const raised = operatorCookie.replace('.operator.', '.admin.');
    assert.notEqual(raised, operatorCookie);
    assert.equal((await keysWith(h, raised)).status, 401, 'a role raised in the cookie');
    const foreign = newSession('not-this-gateways-secret', { who: 'mallory', role: 'admin', via: 'sso' }, Date.now());
    assert.equal((await keysWith(h, foreign)).status, 401, 'a cookie signed elsewhere');
    assert.equal((await keysWith(h, viewerCookie)).status, 200, 'a live session still reads');
    const stale = await browser.newContext();
    await stale.addCookies([{ name: COOKIE, value: expired, domain: '127.0.0.1', path: '/' }]);
    const stalePage = await stale.newPage();
    await stalePage.goto(`${h.url}/ui`);
    await stalePage.locator('a[data-action="sso"]').waitFor();
    assert.equal(await stalePage.locator('[data-role="signed-in"]').count(), 0, 'the expired session shows sign-in');

    // A user none of whose groups is mapped is told so and not signed in.
    const outsider = await signIn(browser, h.url, 'nadia');
    await outsider.page.getByText('nadia@example.com has no role on this dashboard').waitFor();
    assert.equal((await outsider.context.cookies()).filter((c) => c.name === COOKIE).length, 0);

    // No secret, cookie or token in the log, the spans or the audit.
    assert.ok(idp.issued.length >= 4, 'the provider issued codes and tokens');
    assert.equal(flowCookies.length, 3, 'three sign-ins');
    const secrets = [
      ADMIN_KEY,
      idp.clientSecret,
      FLAKY,
      SPARE,
      DRY,
      h.key,
      viewerCookie,
      operatorCookie,
      ...idp.issued,
      ...flowCookies,
    ];
    const ended = await otel.spans();
    assert.ok(ended.length > 0, 'the chat was traced');
    const spans = JSON.stringify(ended.map((s) => ({ name: s.name, attributes: s.attributes })));
    for (const [where, text] of [
      ['log', h.logs.join('\n')],
      ['spans', spans],
      ['audit', audit.stdout + table.stdout],
    ] as const)
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret in the ${where}`);
    await viewer.context.close();
    await operator.context.close();
    await stale.close();
    await outsider.context.close();
  },
);
