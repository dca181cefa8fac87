// Every dashboard view fits the screen it is read on: at 390 px (a phone) and 1280 px the page never scrolls sideways
// (the sign-in page neither), and the header holds Sign out. The views are filled as an operator finds them on a bad day: a provider down with
// its breaker open, a request failed on both routes of its chain (opened), budgets, charts. Screenshots of each view
// at each width go to test-output/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, FAST_RETRY, simProvider, startHarness } from '../harness.ts';
import { chromiumPath, launch, SCREENSHOTS } from './browser.ts';
import { until } from '../../helpers/until.ts';

const GOOD = 'sk-fit-good-00000000001';
const SPARE = 'sk-fit-spare-0000000002';
const DOWN = 'sk-fit-down-00000000003';
const BROKEN = 'sk-fit-broken-000000004';

const executable = chromiumPath();
const WIDTHS = [390, 1280];
const VIEWS = ['keys', 'tasks', 'requests', 'usage'] as const;

/** What each view shows once loaded. */
const READY: Record<(typeof VIEWS)[number], string> = {
  keys: '[data-provider="down"] tr[data-key]',
  tasks: 'tr[data-budget]',
  requests: 'tr[data-request]',
  usage: '[data-chart="client_key"] canvas',
};

interface Fit {
  page: number;
  window: number;
  header: { left: number; right: number; top: number; bottom: number };
  signOut: { left: number; right: number; top: number; bottom: number };
}

function fit(page: Page): Promise<Fit> {
  return page.evaluate(() => {
    const box = (el: Element | null) => {
      const r = el!.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    };
    return {
      page: document.documentElement.scrollWidth,
      window: window.innerWidth,
      header: box(document.querySelector('header')),
      signOut: box([...document.querySelectorAll('header button')].find((b) => b.textContent === 'Sign out')!),
    };
  });
}

test(
  'every view fits a phone (390 px) and a desktop (1280 px): no sideways scroll, Sign out inside the header',
  { skip: executable === undefined ? 'no Chromium (apt-get install chromium, or set SWITCHYARD_CHROMIUM)' : false },
  async () => {
    await using h = await startHarness({
      scenario: {
        keys: {
          [GOOD]: {},
          [SPARE]: {},
          [DOWN]: { script: ['500'], loop_script: true },
          [BROKEN]: { script: ['500'], loop_script: true },
        },
      },
      config: (sim) => ({
        providers: {
          mimo: simProvider(sim, 'openai', [GOOD, SPARE], {
            models: { 'sim-large': { price: { input: 1, output: 1 } }, 'sim-small': {} },
          }),
          down: simProvider(sim, 'openai', DOWN),
          broken: simProvider(sim, 'anthropic', BROKEN),
        },
        main: { provider: 'mimo', model: 'sim-large' },
        auxiliary: {
          title_generation: { provider: 'mimo', model: 'sim-small' },
          agent: {
            provider: 'down',
            model: 'sim-large',
            fallback_chain: [{ provider: 'broken', model: 'sim-small' }],
            fallback_to_main: false,
          },
        },
        retry: FAST_RETRY,
        budgets: {
          team_daily: { client_key: 'test-client', requests: { day: 100 }, tokens: { day: 100000 } },
          agent_spend: { task: 'agent', usd: { day: 5 }, soft: true },
          // Admits the first main call (nothing spent yet), which costs more than the whole limit.
          main_usd: { task: 'main', usd: { day: 0.000005 } },
        },
        gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      }),
    });
    const chat = (model: string): Promise<Response> =>
      fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
    for (const model of ['main', 'title_generation']) assert.equal((await chat(model)).status, 200);
    assert.equal((await chat('main')).status, 429, 'main is over its USD budget');
    // Both routes of the agent's chain answer 500 until their breakers open.
    for (let i = 0; i < 3; i++) assert.notEqual((await chat('agent')).status, 200);

    // The ledger writes its rows in the background: all six before the Requests view reads them.
    await until('the six requests in the ledger', async () => {
      const res = await fetch(`${h.url}/ui/api/requests`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      return ((await res.json()) as { rows: unknown[] }).rows.length === 6;
    });
    await using browser = await launch(executable!);
    for (const width of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${h.url}/ui`);
      const login = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(login[0]! <= login[1]!, `the sign-in page at ${width} px is ${login[0]} px wide`);
      await page.screenshot({ path: join(SCREENSHOTS, `login-${width}.png`) });
      await page.fill('input[name="key"]', ADMIN_KEY);
      await page.click('button[type="submit"]');
      for (const view of VIEWS) {
        await page.click(`a[data-view="${view}"]`);
        await page.locator(READY[view]).first().waitFor();
        if (view === 'tasks') {
          // $0.000015 of $0.000005: the overshoot shows, in a precision that tells the two apart.
          const spent = (await page.locator('tr[data-budget="main_usd"] [data-role="spent"]').textContent()) ?? '';
          assert.match(spent, /\$0\.0000\d+ of \$0\.000005 over by \$0\.0000\d+/);
        }
        if (view === 'requests') {
          const refused = page.locator('tr[data-request][data-status="budget_exceeded"]');
          assert.match(
            (await refused.locator('[data-role="route"]').textContent()) ?? '',
            /refused before routing: budget/,
          );
          assert.equal(await refused.locator('[data-role="cost"]').textContent(), 'not billed');
          // The first call of the agent's chain: a 500 on each route.
          await page.locator('tr[data-request]').filter({ hasText: 'agent' }).last().click();
          await page.locator('[data-role="trail"] tbody tr').first().waitFor();
          const lines = page.locator('[data-role="explanation"] ol.routes li');
          assert.deepEqual(await lines.evaluateAll((li) => li.map((l) => l.getAttribute('data-route'))), [
            'down/sim-large',
            'broken/sim-small',
          ]);
          assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /\$0\.00000(?!\d)/, 'no unbilled $0');
        }
        const f = await fit(page);
        await page.screenshot({ path: join(SCREENSHOTS, `${view}-${width}.png`), fullPage: true });
        assert.ok(f.page <= f.window, `${view} at ${width} px: the page is ${f.page} px wide`);
        const inside =
          f.signOut.left >= f.header.left &&
          f.signOut.right <= f.header.right &&
          f.signOut.top >= f.header.top &&
          f.signOut.bottom <= f.header.bottom;
        assert.ok(
          inside,
          `${view} at ${width} px: Sign out ${JSON.stringify(f.signOut)} outside ${JSON.stringify(f.header)}`,
        );
      }
      assert.deepEqual(errors, [], `no script error at ${width} px`);
      await page.close();
    }
  },
);
