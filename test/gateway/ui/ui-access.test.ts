// The dashboard's doors, over HTTP: the login form and its cookie, the CSRF token on actions, the CSP on pages, the
// Keys and Tasks data, the live event stream, and no secret in anything it serves or audits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { ADMIN_KEY, FAST_RETRY, simProvider, startHarness } from '../harness.ts';
import { tokenCommand, tokenScriptRuns, writeTokenScript } from '../../helpers/token-script.ts';

const LIMITED = 'sk-ui-limited-0000000001';
const GOOD = 'sk-ui-good-00000000002';

function config(sim: string): Record<string, unknown> {
  return {
    providers: { mimo: simProvider(sim, 'openai', [LIMITED, GOOD]) },
    main: { provider: 'mimo', model: 'sim-large' },
    auxiliary: { title_generation: { provider: 'mimo', model: 'sim-small' } },
    retry: FAST_RETRY,
    gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
  };
}

async function login(url: string, key = ADMIN_KEY): Promise<Response> {
  return fetch(`${url}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
  });
}

test('the dashboard: login cookie, CSP, CSRF on actions, keys and tasks, no secret served', async () => {
  await using h = await startHarness({
    scenario: { keys: { [LIMITED]: { script: ['429'], reset: '10m' }, [GOOD]: {} } },
    config,
  });
  const served: string[] = [];
  const page = await fetch(`${h.url}/ui`);
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  const loginHtml = await page.text();
  assert.match(loginHtml, /<form method="post" action="\/ui\/login">/);
  assert.doesNotMatch(loginHtml, /<script>|<style>| style=/, 'no inline code');

  assert.equal((await login(h.url, 'wrong-key')).status, 401);
  assert.equal((await fetch(`${h.url}/ui/api/keys`)).status, 401, 'the API needs a login');
  const cross = await fetch(`${h.url}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
    body: new URLSearchParams({ key: ADMIN_KEY }).toString(),
  });
  assert.equal(cross.status, 403, 'a login posted from another site is refused');

  const ok = await login(h.url);
  assert.equal(ok.status, 303);
  const setCookie = ok.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /HttpOnly/i);
  assert.match(setCookie, /SameSite=Strict/i);
  assert.match(setCookie, /Path=\/(;|$)/, 'the dashboard and the admin API read it');
  assert.ok(!setCookie.includes(ADMIN_KEY));
  const cookie = setCookie.split(';')[0]!;

  const shell = await (await fetch(`${h.url}/ui`, { headers: { cookie } })).text();
  served.push(shell);
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(shell)?.[1];
  assert.ok(csrf, 'the shell carries the CSRF token');
  assert.match(shell, /<script type="module" src="\/ui\/assets\/app\.js"><\/script>/);

  // One request with the rate-limited key first: it cools, the other answers.
  const chat = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(chat.status, 200);
  const keysText = await (await fetch(`${h.url}/ui/api/keys`, { headers: { cookie } })).text();
  served.push(keysText);
  const keys = JSON.parse(keysText) as {
    providers: { provider: string; keys: { masked: string; state: string; reason: string | null }[] }[];
  };
  const mimo = keys.providers.find((p) => p.provider === 'mimo')!;
  assert.deepEqual(
    mimo.keys.map((k) => [k.state, k.reason]),
    [
      ['cooling', 'rate_limited'],
      ['ok', null],
    ],
  );

  const tasksText = await (await fetch(`${h.url}/ui/api/tasks`, { headers: { cookie } })).text();
  served.push(tasksText);
  const tasks = JSON.parse(tasksText) as {
    tasks: { task: string; routes: { origin: string; model_from: string }[] }[];
  };
  const title = tasks.tasks.find((t) => t.task === 'title_generation')!;
  assert.equal(title.routes[0]?.origin, 'auxiliary.title_generation');
  assert.match(title.routes[0]!.model_from, /switchyard\.yaml:\d+/);

  const reset = (headers: Record<string, string>): Promise<Response> =>
    fetch(`${h.url}/ui/api/keys/mimo/reset`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', ...headers },
      body: '{}',
    });
  assert.equal((await reset({})).status, 403, 'no CSRF token: refused');
  assert.equal((await reset({ 'x-csrf-token': 'forged' })).status, 403);
  assert.equal((await reset({ 'x-csrf-token': csrf, origin: 'http://evil.example' })).status, 403);
  const done = await reset({ 'x-csrf-token': csrf });
  assert.equal(done.status, 200, await done.clone().text());
  const after = (await (await fetch(`${h.url}/ui/api/keys`, { headers: { cookie } })).json()) as typeof keys;
  assert.deepEqual(
    after.providers[0]!.keys.map((k) => k.state),
    ['ok', 'ok'],
  );
  const bearer = await fetch(`${h.url}/ui/api/keys`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(bearer.status, 200, 'scripts may use the admin key itself');
  const client = await fetch(`${h.url}/ui/api/keys`, { headers: { authorization: `Bearer ${h.key}` } });
  assert.equal(client.status, 401, 'a client key opens nothing here');

  for (const text of served)
    for (const secret of [LIMITED, GOOD, ADMIN_KEY, h.key])
      assert.ok(!text.includes(secret), `a secret (…${secret.slice(-4)}) was served`);
});

test('the live stream tells the page when a key cools', async () => {
  await using h = await startHarness({
    scenario: { keys: { [LIMITED]: { script: ['429'], reset: '10m' }, [GOOD]: {} } },
    config,
  });
  const controller = new AbortController();
  const res = await fetch(`${h.url}/ui/api/events`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    signal: controller.signal,
  });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }),
  });
  let text = '';
  while (!text.includes('"type":"cooldown"')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  controller.abort();
  assert.match(text, /"type":"cooldown","provider":"mimo","key":"sk-…0001","detail":"rate_limited"/);
  assert.ok(!text.includes(LIMITED));
});

test('the requests list is paged by the server and filtered by status and key', async () => {
  await using h = await startHarness({
    scenario: { keys: { [LIMITED]: { script: ['429'], reset: '10m' }, [GOOD]: {} } },
    config,
  });
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: `hi ${i}` }] }),
    });
    assert.equal(r.status, 200);
  }
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  type Page = {
    rows: { id: string; key: string; attempts: number; charges: { key: string; outcome: string }[] }[];
    next?: string;
  };
  const first = (await (await fetch(`${h.url}/ui/api/requests?limit=2`, { headers: auth })).json()) as Page;
  assert.equal(first.rows.length, 2);
  assert.ok(first.next, 'a cursor to the older page');
  const second = (await (
    await fetch(`${h.url}/ui/api/requests?limit=2&before=${encodeURIComponent(first.next)}`, { headers: auth })
  ).json()) as Page;
  assert.equal(second.rows.length, 1);
  assert.equal(second.next, undefined);
  const oldest = second.rows[0]!;
  assert.equal(oldest.attempts, 2, 'the first request met the 429 and rotated');
  // The ledger keeps what was billed; the 429 is in the recent trail below.
  assert.deepEqual(
    oldest.charges.map((c) => [c.key, c.outcome]),
    [['sk-…0002', 'ok']],
  );
  const trail = (await (await fetch(`${h.url}/ui/api/requests/${oldest.id}/trail`, { headers: auth })).json()) as {
    trail: { attempts: { outcome: string; status?: number }[] } | null;
  };
  assert.deepEqual(
    trail.trail?.attempts.map((a) => [a.outcome, a.status]),
    [
      ['rate_limited', 429],
      ['ok', 200],
    ],
  );
  const byKey = (await (
    await fetch(`${h.url}/ui/api/requests?key=${await keyId(h.url, 'sk-…0002')}`, { headers: auth })
  ).json()) as Page;
  assert.equal(byKey.rows.length, 3, 'every request was answered by the second key');
  const none = (await (await fetch(`${h.url}/ui/api/requests?status=rate_limited`, { headers: auth })).json()) as Page;
  assert.equal(none.rows.length, 0);
  const bad = await fetch(`${h.url}/ui/api/requests?since=yesterday`, { headers: auth });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /since: expected a date and time/);
});

async function keyId(url: string, masked: string): Promise<string> {
  const r = (await (
    await fetch(`${url}/ui/api/keys`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  ).json()) as {
    providers: { keys: { id: string; masked: string }[] }[];
  };
  return r.providers.flatMap((p) => p.keys).find((k) => k.masked === masked)!.id;
}

test("a minted key's token status shows, and Refresh mints it again", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-ui-mint-'));
  try {
    const MINTED = 'sk-ui-minted-00000000003';
    const script = writeTokenScript(join(dir, 'token.json'), [MINTED]);
    await using h = await startHarness({
      scenario: { keys: { [MINTED]: {} } },
      config: (sim) => ({
        providers: {
          vault: {
            type: 'openai',
            base_url: `${sim}/v1`,
            api_key_command: { run: tokenCommand(script) },
          },
        },
        main: { provider: 'vault', model: 'sim-large' },
        gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      }),
    });
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    type Keys = { providers: { provider: string; minted: { id: string; minted_at?: string; source: string }[] }[] };
    const before = (await (await fetch(`${h.url}/ui/api/keys`, { headers: auth })).json()) as Keys;
    const minted = before.providers[0]!.minted;
    assert.equal(minted.length, 1);
    assert.equal(minted[0]!.minted_at, undefined, 'not minted before the first request');
    const refresh = await fetch(`${h.url}/ui/api/keys/vault/refresh`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ id: minted[0]!.id }),
    });
    const text = await refresh.text();
    assert.equal(refresh.status, 200, text);
    assert.equal((JSON.parse(text) as { results: { ok: boolean }[] }).results[0]?.ok, true);
    assert.equal(tokenScriptRuns(script), 1);
    // The refresh request it leaves for other processes is not one for the gateway itself: its watcher (every second)
    // does not mint a second time.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(tokenScriptRuns(script), 1, 'one mint for one Refresh');
    const afterText = await (await fetch(`${h.url}/ui/api/keys`, { headers: auth })).text();
    const after = JSON.parse(afterText) as Keys;
    assert.match(after.providers[0]!.minted[0]!.minted_at ?? '', /^\d{4}-/);
    assert.ok(!afterText.includes(MINTED) && !text.includes(MINTED), 'the token is never served');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the dashboard's Refresh of a key whose command fails says why, as `auth refresh --json` does", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-ui-mint-fail-'));
  try {
    const script = writeTokenScript(join(dir, 'token.json'), [{ exit: 7, print: 'sk-ui-never-shown-0000004' }]);
    await using h = await startHarness({
      scenario: { keys: { [GOOD]: {} } },
      config: (sim) => ({
        providers: {
          vault: { type: 'openai', base_url: `${sim}/v1`, api_key_command: { run: tokenCommand(script) } },
        },
        main: { provider: 'vault', model: 'sim-large' },
        gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      }),
    });
    const refresh = await fetch(`${h.url}/ui/api/keys/vault/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const text = await refresh.text();
    assert.equal(refresh.status, 200, text);
    const [result] = (JSON.parse(text) as { results: { ok: boolean; failure?: string; error?: string }[] }).results;
    assert.equal(result?.ok, false);
    assert.equal(result?.failure, 'exit', 'the reason, as a value');
    assert.match(result?.error ?? '', /^command node: node exited with code 7/);
    assert.ok(!text.includes('sk-ui-never-shown'), "the command's output is never served");
    const none = await fetch(`${h.url}/ui/api/keys/vault/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'ffffffffffff' }),
    });
    assert.equal(none.status, 404);
    assert.match(
      await none.text(),
      /no minted credential of vault has the ID \\"ffffffffffff\\"; its minted credentials: /,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without an admin key the dashboard is off', async () => {
  await using h = await startHarness({
    scenario: { keys: { [GOOD]: {} } },
    config: (sim) => ({
      providers: { mimo: simProvider(sim, 'openai', GOOD) },
      main: { provider: 'mimo', model: 'sim-large' },
    }),
  });
  const res = await fetch(`${h.url}/ui`);
  assert.equal(res.status, 404);
  assert.match(await res.text(), /set gateway\.admin_key/);
});

test("a failed request's trail carries its explanation's advice, with the dashboard's reset where it can do it", async () => {
  await using h = await startHarness({
    scenario: { keys: { [LIMITED]: { quota: true }, [GOOD]: { quota: true } } },
    config,
  });
  const r = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(r.status, 503);
  const id = r.headers.get('x-request-id');
  assert.ok(id);
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  const body = (await (await fetch(`${h.url}/ui/api/requests/${id}/trail`, { headers: auth })).json()) as {
    trail: { explained?: { advice: { kind: string; act?: { action: string; provider: string } }[] } } | null;
  };
  const advice = body.trail?.explained?.advice ?? [];
  const reset = advice.find((a) => a.kind === 'reset_key');
  assert.deepEqual(reset?.act, { action: 'reset', provider: 'mimo' }, 'the reset is the dashboard’s own button');
  assert.ok(
    advice.filter((a) => a.kind !== 'reset_key').every((a) => a.act === undefined),
    'only a reset has a button',
  );
});

test('an action naming a key itself is refused, and the key is in neither the audit nor the log', async () => {
  await using h = await startHarness({ scenario: { keys: { [LIMITED]: {}, [GOOD]: {} } }, config });
  const auth = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  // An operator pastes the key where its ID goes, on the dashboard's reset and refresh and the admin API's reset.
  for (const path of ['/ui/api/keys/mimo/reset', '/ui/api/keys/mimo/refresh', '/admin/credentials/mimo/reset']) {
    const res = await fetch(`${h.url}${path}`, { method: 'POST', headers: auth, body: JSON.stringify({ id: GOOD }) });
    assert.ok(res.status >= 400, `${path}: refused`);
    assert.ok(!(await res.text()).includes(GOOD), `${path}: not in the answer`);
  }
  // A key as the provider's name, too.
  const asProvider = await fetch(`${h.url}/ui/api/keys/${GOOD}/reset`, { method: 'POST', headers: auth, body: '{}' });
  assert.equal(asProvider.status, 404);
  const audit = await h.gw.app.gateway.usage!.auditEntries({ since: 0, limit: 50 });
  assert.ok(audit.length >= 3, 'the refused actions are audited');
  assert.ok(
    audit.every((e) => !JSON.stringify(e).includes(GOOD)),
    `no key in the audit: ${JSON.stringify(audit.map((e) => e.target))}`,
  );
  assert.ok(
    audit.some((e) => e.target === 'mimo/…0002'),
    'the audit names it masked',
  );
  assert.ok(!h.logs.join('\n').includes(GOOD), 'nor in the log');
});
