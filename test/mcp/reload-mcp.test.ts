// A config reload changes the MCP servers behind /mcp: a server added is listed, one removed is not, and a client
// connected across the reload is told its lists changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startHarness } from '../gateway/harness.ts';
import { startMcpSim } from '../../src/sim/fronts/mcp/http.ts';
import { until } from '../helpers/until.ts';

test('a reload adds and removes MCP servers and tells connected clients', async () => {
  await using first = await startMcpSim();
  await using second = await startMcpSim();
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    watch: true,
    config: () => ({ mcp: { servers: { one: { url: first.url } } } }),
  });
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${h.key}` } },
    }),
  );
  try {
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    const names = async (): Promise<string[]> => (await client.listTools()).tools.map((t) => t.name);
    assert.ok((await names()).includes('one__echo'));
    h.writeConfig({ mcp: { servers: { two: { url: second.url } } } });
    await until('the clients are told the tools changed', () => changed > 0, 15_000);
    const after = await names();
    assert.ok(after.includes('two__echo'), after.join());
    assert.ok(!after.some((n) => n.startsWith('one__')), after.join());
  } finally {
    await client.close();
  }
});
