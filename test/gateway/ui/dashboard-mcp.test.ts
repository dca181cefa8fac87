// The dashboard's MCP view, through the JSON it reads (`/ui/api/mcp`) and in headless Chromium: each server with its
// transport, where it stands, its tools and its keys masked with their health; a stdio server that keeps crashing is
// shown crash-looping with its restarts and last error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ADMIN_KEY, startHarness, type Harness } from '../harness.ts';
import { startMcpSim, type McpSim } from '../../../src/sim/fronts/mcp/http.ts';
import { until } from '../../helpers/until.ts';
import { chromiumPath, launch, SCREENSHOTS } from './browser.ts';

const BIN = join(import.meta.dirname, '../../../bin/switchyard.js');
const KEYS = ['mcp-ui-pool-key-0000001', 'mcp-ui-pool-key-0000002'];
const executable = chromiumPath();

interface ServerView {
  server: string;
  transport: string;
  state: string;
  restarts: number | null;
  last_error: { message: string; at: string } | null;
  tools: number | null;
  keys: { masked: string; state: string; reason: string | null }[];
}

describe('the MCP view', () => {
  let remote: McpSim;
  let h: Harness;
  const servers = async (): Promise<ServerView[]> => {
    const res = await fetch(`${h.url}/ui/api/mcp`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(res.status, 200);
    return ((await res.json()) as { servers: ServerView[] }).servers;
  };
  const byName = (all: ServerView[], name: string): ServerView => all.find((s) => s.server === name)!;

  before(async () => {
    remote = await startMcpSim({ tokens: KEYS });
    h = await startHarness({
      scenario: { keys: {} },
      config: () => ({
        mcp: {
          servers: {
            pool: { url: remote.url, api_keys: KEYS },
            local: { command: [process.execPath, BIN, 'sim', 'mcp', '--stdio'] },
            broken: { command: [process.execPath, '-e', 'process.exit(3)'] },
          },
        },
        gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      }),
    });
    // A call through /mcp while the pool's first key is rate-limited: that key cools, the second answers.
    remote.rateLimitNext(120);
    const client = new Client({ name: 'ui-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${h.key}` } },
      }),
    );
    await client.callTool({ name: 'pool__echo', arguments: { text: 'hi' } });
    await client.close();
  });
  after(async () => {
    await h.close();
    await remote.close();
  });

  test('the JSON says each server’s transport, state, tools and masked keys; a crash-looping child as such', async () => {
    let all: ServerView[] = [];
    await until('the broken server crash-looping and the local one up', async () => {
      all = await servers();
      return byName(all, 'broken').state === 'crash_looping' && byName(all, 'local').state === 'connected';
    });
    const pool = byName(all, 'pool');
    assert.equal(pool.transport, 'remote');
    assert.equal(pool.state, 'connected');
    assert.ok(pool.tools !== null && pool.tools > 0, JSON.stringify(pool));
    assert.deepEqual(
      pool.keys.map((k) => [k.state, k.reason]),
      [
        ['cooling', 'rate_limited'],
        ['ok', null],
      ],
    );
    const local = byName(all, 'local');
    assert.equal(local.transport, 'stdio');
    assert.equal(local.restarts, 0);
    assert.ok(local.tools !== null && local.tools > 0, JSON.stringify(local));
    const broken = byName(all, 'broken');
    assert.equal(broken.transport, 'stdio');
    assert.ok(broken.restarts !== null && broken.restarts >= 1, JSON.stringify(broken));
    assert.ok(broken.last_error?.message, JSON.stringify(broken));
    assert.equal(broken.tools, null);
    const text = JSON.stringify(all);
    for (const k of KEYS) assert.ok(!text.includes(k), 'no key in full');
  });

  test(
    'the page shows the servers, a crash-looping one in red with its restarts and last error',
    { skip: executable === undefined ? 'no Chromium (apt-get install chromium, or set SWITCHYARD_CHROMIUM)' : false },
    async () => {
      await until(
        'the broken server crash-looping',
        async () => byName(await servers(), 'broken').state === 'crash_looping',
      );
      await using browser = await launch(executable!);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${h.url}/ui`);
      await page.fill('input[name="key"]', ADMIN_KEY);
      await page.click('button[type="submit"]');
      await page.click('a[data-view="mcp"]');
      const broken = page.locator('[data-mcp-server="broken"]');
      await broken.waitFor();
      assert.equal(await broken.locator('[data-role="state"]').textContent(), 'crash-looping');
      assert.match((await broken.locator('[data-role="restarts"]').textContent()) ?? '', /restarted \d+×/);
      assert.match((await broken.locator('[data-role="last-error"]').textContent()) ?? '', /^last error /);
      const pool = page.locator('[data-mcp-server="pool"]');
      assert.equal(await pool.locator('[data-role="transport"]').textContent(), 'remote');
      assert.match((await pool.locator('[data-role="tools"]').textContent()) ?? '', /^\d+ tools$/);
      assert.deepEqual(await pool.locator('[data-role="key-state"]').allTextContents(), [
        'cooling (rate_limited)',
        'ok',
      ]);
      const masked = await pool.locator('code').allTextContents();
      assert.equal(masked.length, 2);
      for (const m of masked) assert.ok(!KEYS.includes(m), m);
      assert.equal(await page.locator('[data-mcp-server="local"] [data-role="state"]').textContent(), 'connected');
      await page.screenshot({ path: join(SCREENSHOTS, 'mcp-view.png'), fullPage: true });
      assert.deepEqual(errors, []);
    },
  );
});
