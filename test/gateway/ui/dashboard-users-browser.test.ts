// The dashboard's end-user filters in headless Chromium: two users behind one client key, the Requests view filtered
// to one shows only that user's rows (each naming its user), and the Usage view filtered to one charts that user; the
// Tasks view names a per_user budget, which has no one row, and where each user stands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, FAST_RETRY, simProvider, startHarness } from '../harness.ts';
import { chromiumPath, launch } from './browser.ts';
import { generateKey, newKeyRecord } from '../../../src/gateway/keys/keys.ts';

const UPSTREAM = 'sk-e2e-users-0000000001';
const executable = chromiumPath();

test(
  'the Requests and Usage views filter by end user',
  { skip: executable === undefined ? 'no Chromium (apt-get install chromium, or set SWITCHYARD_CHROMIUM)' : false },
  async () => {
    await using h = await startHarness({
      scenario: { keys: { [UPSTREAM]: {} } },
      config: (sim) => ({
        providers: { mimo: simProvider(sim, 'openai', UPSTREAM) },
        main: { provider: 'mimo', model: 'sim-large' },
        retry: FAST_RETRY,
        gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
        budgets: { each_dev: { client_key: 'team', per_user: true, usd: { day: 5 } } },
      }),
    });
    const team = generateKey();
    h.store.addGatewayKey({ ...newKeyRecord(team, 'team'), user_from: 'body' });
    for (const user of ['alice', 'bob', 'bob']) {
      const r = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${team}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-large', user, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(r.status, 200);
    }
    await using browser = await launch(executable!);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.url}/ui`);
    await page.fill('input[name="key"]', ADMIN_KEY);
    await page.click('button[type="submit"]');

    await page.click('a[data-view="requests"]');
    await page.locator('tr[data-request]').nth(2).waitFor();
    await page.fill('form.filters input[name="user"]', 'bob');
    await page.click('form.filters button[type="submit"]');
    await page.locator('tr[data-request]').nth(2).waitFor({ state: 'detached' });
    const users = await page.locator('tr[data-request] [data-role="user"]').allTextContents();
    assert.deepEqual(users, ['bob', 'bob']);

    await page.click('a[data-view="usage"]');
    await page.locator('[data-chart="user"] canvas').waitFor();
    await page.fill('[data-role="user-filter"] input[name="user"]', 'alice');
    await page.click('[data-role="user-filter"] button[type="submit"]');
    await page.getByText('end user alice').waitFor();
    await page.locator('[data-chart="user"] canvas').waitFor();
    assert.match((await page.locator('[data-chart="user"]').textContent()) ?? '', /alice/);
    assert.doesNotMatch((await page.locator('[data-chart="user"]').textContent()) ?? '', /bob/);

    // A config whose only budget is per_user has budgets all the same: the Tasks view says it and where to look.
    await page.click('a[data-view="tasks"]');
    const each = page.locator('[data-role="per-user-budgets"] [data-budget="each_dev"]');
    await each.waitFor();
    assert.match(
      (await each.textContent())?.replace(/\s+/g, ' ') ?? '',
      /each_dev \(client key team per user\): \$5 per day for each user, counted apart; where each stands: switchyard usage --by user --client-key team --since \d{4}-\d\d-\d\dT00:00:00Z/,
    );
    assert.equal(await page.getByText('No budgets configured').count(), 0);
    assert.deepEqual(errors, []);
  },
);
