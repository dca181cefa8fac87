// The attempts table of an opened request keeps each column header on one line at 1280 px, however long what is in
// its cells (a provider's long message, a wait, tokens and a cost). It sits in a cell that lets long words break
// anywhere, and the headers took that on: "LATENCY" came out as "LATEN" over "CY". A screenshot goes to
// test-output/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ADMIN_KEY, FAST_RETRY, simProvider, startHarness } from '../harness.ts';
import { chromiumPath, launch, SCREENSHOTS } from './browser.ts';
import { until } from '../../helpers/until.ts';

const LIMITED = 'sk-trail-limited-000000001';
const SPARE = 'sk-trail-spare-00000000002';
const executable = chromiumPath();

test(
  'the attempts table keeps every header on one line at 1280 px',
  { skip: executable === undefined ? 'no Chromium (apt-get install chromium, or set SWITCHYARD_CHROMIUM)' : false },
  async () => {
    await using h = await startHarness({
      scenario: { keys: { [LIMITED]: { script: ['429', '429'] }, [SPARE]: { script: ['500', '503'] } } },
      config: (sim) => ({
        providers: {
          'primary-openai-compatible': simProvider(sim, 'openai', [LIMITED, SPARE], {
            models: { 'sim-large': { price: { input: 1.25, output: 10 } } },
          }),
        },
        main: { provider: 'primary-openai-compatible', model: 'sim-large' },
        retry: { ...FAST_RETRY, max_retries: 3 },
        gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      }),
    });
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi '.repeat(400) }] }),
    });
    await res.text();
    await until('the request in the ledger', async () => {
      const r = await fetch(`${h.url}/ui/api/requests`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      return ((await r.json()) as { rows: unknown[] }).rows.length === 1;
    });

    await using browser = await launch(executable!);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${h.url}/ui`);
    await page.fill('input[name="key"]', ADMIN_KEY);
    await page.click('button[type="submit"]');
    await page.click('a[data-view="requests"]');
    await page.locator('tr[data-request]').first().click();
    const trail = page.locator('[data-role="trail"]');
    await trail.locator('tbody tr').nth(1).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'trail-1280.png'), fullPage: true });
    // A header's text in more than one line box has wrapped.
    const lines = await trail.locator('thead th').evaluateAll((ths) =>
      ths.map((th) => {
        const range = document.createRange();
        range.selectNodeContents(th);
        return [th.textContent ?? '', new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size];
      }),
    );
    const wrapped = lines.filter(([text, n]) => text !== '' && n !== 1);
    assert.deepEqual(wrapped, [], `headers over more than one line: ${JSON.stringify(wrapped)}`);
  },
);
