// The dashboard's Requests view in headless Chromium with MCP tool calls beside model calls: a tool call is a row of
// its own (its tool where a route goes, bytes where tokens go), opens to what the ledger keeps of it (never its
// arguments), and the Kind filter shows tool calls alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ADMIN_KEY, simProvider, startHarness } from '../harness.ts';
import { startMcpSim } from '../../../src/sim/fronts/mcp/http.ts';
import { chromiumPath, launch, SCREENSHOTS } from './browser.ts';

const KEY = 'sk-e2e-tools-000000000001';
const executable = chromiumPath();

test(
  'the Requests view shows tool calls beside model calls',
  { skip: executable === undefined ? 'no Chromium (apt-get install chromium, or set SWITCHYARD_CHROMIUM)' : false },
  async () => {
    await using files = await startMcpSim({ tokens: ['files-token-ui-01'] });
    await using h = await startHarness({
      scenario: { keys: { [KEY]: {} } },
      config: (sim) => ({
        providers: { mimo: simProvider(sim, 'openai', KEY) },
        main: { provider: 'mimo', model: 'sim-large' },
        mcp: { servers: { files: { url: files.url, api_key: 'files-token-ui-01' } } },
        gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      }),
    });
    const chat = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(chat.status, 200);
    const client = new Client({ name: 'ui-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${h.key}` } },
      }),
    );
    await client.callTool({ name: 'files__echo', arguments: { text: 'argument-never-shown' } });
    await client.close();

    await using browser = await launch(executable!);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.url}/ui`);
    await page.fill('input[name="key"]', ADMIN_KEY);
    await page.click('button[type="submit"]');
    await page.click('a[data-view="requests"]');
    const tool = page.locator('tr[data-kind="tool"]');
    await tool.first().waitFor();
    assert.equal(await tool.count(), 1);
    assert.equal(await tool.locator('[data-role="route"]').textContent(), 'files__echo');
    // The model call is there too.
    await page.locator('[data-role="requests"] tbody tr:not([data-kind="tool"])').first().waitFor();
    await tool.click();
    const detail = page.locator('[data-role="tool-call"]');
    await detail.waitFor();
    assert.match((await detail.textContent()) ?? '', /Tool echo of MCP server files: ok/);
    assert.ok(!(await page.content()).includes('argument-never-shown'));
    await page.screenshot({ path: join(SCREENSHOTS, 'requests-tools.png'), fullPage: true });

    await page.selectOption('select[name="kind"]', 'tool');
    await page.click('form.filters button[type="submit"]');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-role="requests"] tbody tr[data-request]:not([data-kind="tool"])').length === 0,
    );
    assert.equal(await page.locator('tr[data-kind="tool"]').count(), 1);
    assert.deepEqual(errors, []);
  },
);
