// The dashboard in headless Chromium, as an operator uses it: sign in, watch a key go from ok to cooling while the
// simulator answers 429, reset it from the page and see it ok, read the task chains, open a failed request's trail,
// see the day's usage. Saves a screenshot per view under test-output/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { ADMIN_KEY, FAST_RETRY, simProvider, startHarness } from '../harness.ts';
import { chromiumPath, launch, SCREENSHOTS } from './browser.ts';
import { tokenCommand, writeTokenScript } from '../../helpers/token-script.ts';

const FLAKY = 'sk-e2e-flaky-0000000001';
const SPARE = 'sk-e2e-spare-0000000002';
const REVOKED = 'sk-e2e-revoked-00000003';

const executable = chromiumPath();

test(
  'the dashboard shows a key cool on a 429 and recover when reset from the page',
  { skip: executable === undefined ? 'no Chromium (apt-get install chromium, or set SWITCHYARD_CHROMIUM)' : false },
  async () => {
    await using h = await startHarness({
      scenario: {
        keys: { [FLAKY]: { script: ['ok', '429'], reset: '10m' }, [SPARE]: {}, [REVOKED]: { script: ['401'] } },
      },
      config: (sim) => ({
        providers: {
          mimo: simProvider(sim, 'openai', [FLAKY, SPARE]),
          legacy: simProvider(sim, 'anthropic', REVOKED),
        },
        main: { provider: 'mimo', model: 'sim-large' },
        auxiliary: { title_generation: { provider: 'mimo', model: 'sim-small' } },
        retry: FAST_RETRY,
        budgets: { team_daily: { client_key: 'test-client', requests: { day: 100 } } },
        gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      }),
    });
    await using browser = await launch(executable!);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const chat = (model = 'sim-large'): Promise<Response> =>
      fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });

    await page.goto(`${h.url}/ui`);
    await page.fill('input[name="key"]', ADMIN_KEY);
    await page.click('button[type="submit"]');
    const flaky = page.locator('[data-provider="mimo"] tr').filter({ hasText: 'sk-…0001' });
    const state = flaky.locator('[data-role="state"]');
    await state.waitFor();
    assert.equal((await chat()).status, 200);
    await page.locator('[data-role="live"]').getByText('attempt mimo sk-…0001 ok').waitFor();
    assert.equal(await state.textContent(), 'ok');

    // The simulator answers 429 for this key now: the request rotates to the spare, the page shows it cooling.
    assert.equal((await chat()).status, 200);
    await flaky.locator('[data-state="cooling"], [data-role="state"]:text("cooling (rate_limited)")').first().waitFor();
    assert.equal(await state.textContent(), 'cooling (rate_limited)');
    await page.screenshot({ path: join(SCREENSHOTS, 'keys.png'), fullPage: true });

    await flaky.locator('button[data-action="reset"]').click();
    await state.filter({ hasText: /^ok$/ }).waitFor();
    assert.equal(await state.textContent(), 'ok');

    await page.click('a[data-view="tasks"]');
    const title = page.locator('[data-task="title_generation"] tr[data-route="mimo/sim-small"]');
    await title.waitFor();
    assert.match((await title.textContent()) ?? '', /auxiliary\.title_generation.*switchyard\.yaml:\d+/);
    // The two requests so far count against the client key's daily budget.
    const budget = page.locator('tr[data-budget="team_daily"] [data-role="spent"]');
    assert.equal(await budget.textContent(), '2 requests of 100 requests');
    await page.screenshot({ path: join(SCREENSHOTS, 'tasks.png'), fullPage: true });

    // A request whose only key is refused: its row opens the trail and the explanation the caller got.
    assert.equal((await chat('legacy/sim-small')).status, 502);
    await page.click('a[data-view="requests"]');
    const failed = page.locator('tr[data-request][data-status]:not([data-status="ok"])').first();
    await failed.waitFor();
    assert.match((await failed.textContent()) ?? '', /legacy\/sim-small|auth/);
    await failed.click();
    const explanation = page.locator('[data-role="explanation"]');
    await explanation.waitFor();
    assert.match((await explanation.textContent()) ?? '', /legacy/);
    assert.match((await page.locator('[data-role="trail"]').textContent()) ?? '', /auth_rejected/);
    await page.screenshot({ path: join(SCREENSHOTS, 'requests.png'), fullPage: true });
    const rows = await page.locator('tr[data-request]').count();
    assert.equal(rows, 3, 'the three requests, newest first');

    await page.click('a[data-view="usage"]');
    await page.locator('[data-chart="client_key"] canvas').waitFor();
    await page.locator('[data-rates="mimo/sim-large"] canvas').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'usage.png'), fullPage: true });

    const html = await page.content();
    for (const secret of [FLAKY, SPARE, REVOKED, ADMIN_KEY, h.key])
      assert.ok(!html.includes(secret), 'no secret on the page');
    assert.deepEqual(errors, [], 'no script error, no CSP violation');
  },
);

test(
  "the Keys page's Refresh of a key whose command fails says why, as `auth refresh` does",
  { skip: executable === undefined ? 'no Chromium (apt-get install chromium, or set SWITCHYARD_CHROMIUM)' : false },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-ui-refresh-'));
    try {
      const script = writeTokenScript(join(dir, 'token.json'), [{ exit: 7, print: 'sk-e2e-never-shown-0004' }]);
      await using h = await startHarness({
        scenario: { keys: { [SPARE]: {} } },
        config: (sim) => ({
          providers: {
            vault: { type: 'openai', base_url: `${sim}/v1`, api_key_command: { run: tokenCommand(script) } },
          },
          main: { provider: 'vault', model: 'sim-large' },
          gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
        }),
      });
      await using browser = await launch(executable!);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${h.url}/ui`);
      await page.fill('input[name="key"]', ADMIN_KEY);
      await page.click('button[type="submit"]');
      const card = page.locator('[data-provider="vault"]');
      await card.locator('[data-minted] button').click();
      const note = card.locator('[role="status"]');
      await note.filter({ hasText: /could not mint a token/ }).waitFor();
      assert.match(
        (await note.textContent()) ?? '',
        /^[0-9a-f]+: could not mint a token: command node: node exited with code 7/,
      );
      assert.ok(!(await page.content()).includes('sk-e2e-never-shown'), "the command's output is not on the page");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
