// A stdio MCP server whose command is not on PATH never starts and is restarted for ever: the gateway says so in its
// log at start, and /readyz names it (still ready: chat and the other servers are served) until it comes up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startHarness } from '../gateway/harness.ts';
import { REPO_ROOT } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

const BIN = join(REPO_ROOT, 'bin', 'switchyard.js');

interface Ready {
  status: string;
  store: unknown;
  mcp?: { ok: boolean; restarting: string[] };
}

test('a stdio MCP server not on PATH is warned of at start and named by /readyz while it restarts', async () => {
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    env: { PATH: process.env['PATH'] ?? '' },
    config: () => ({
      mcp: {
        servers: {
          gone: { command: ['no-such-mcp-server-xyz', '--stdio'] },
          local: { command: [process.execPath, BIN, 'sim', 'mcp', '--stdio'] },
        },
      },
    }),
  });
  assert.ok(
    h.logs.some((l) => l.includes('mcp.servers.gone.command: `no-such-mcp-server-xyz` is not on PATH')),
    h.logs.join('\n'),
  );
  assert.ok(!h.logs.some((l) => l.includes('mcp.servers.local.command')), 'a command that is there is not warned of');
  let ready: Ready | undefined;
  await until('/readyz to name the server that cannot start', async () => {
    const res = await fetch(`${h.url}/readyz`);
    ready = (await res.json()) as Ready;
    return res.status === 200 && ready.mcp !== undefined;
  });
  assert.deepEqual(ready, { status: 'ready', store: { ok: true }, mcp: { ok: false, restarting: ['gone'] } });
});
