// An MCP server's minted credentials through /mcp: an OAuth2 client-credentials token, re-minted when the server
// says it expired (no failed call), and a key read from a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startHarness } from '../gateway/harness.ts';
import { startMcpSim } from '../../src/sim/fronts/mcp/http.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

test('an OAuth2 token is minted, and minted again when it expires, and a file key is sent', async () => {
  using ws = tempWorkspace();
  const keyFile = ws.write('mcp-key', 'file-token-0000001\n');
  await using oauth = await startMcpSim({ tokens: [], oauth2: { clientId: 'gw', clientSecret: 'gw-secret-value' } });
  await using filed = await startMcpSim({ tokens: ['file-token-0000001'] });
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    config: () => ({
      mcp: {
        servers: {
          tools: {
            url: oauth.url,
            oauth2: { token_url: oauth.tokenUrl, client_id: 'gw', client_secret: 'gw-secret-value' },
          },
          filed: { url: filed.url, api_key_file: keyFile },
        },
      },
    }),
  });
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${h.key}` } },
    }),
  );
  try {
    assert.equal(text(await client.callTool({ name: 'tools__add', arguments: { a: 1, b: 2 } })), '3');
    assert.equal(oauth.issuedTokens().length, 1);
    oauth.expire(oauth.issuedTokens()[0]!);
    assert.equal(text(await client.callTool({ name: 'tools__add', arguments: { a: 2, b: 2 } })), '4');
    assert.equal(oauth.issuedTokens().length, 2);
    assert.equal(text(await client.callTool({ name: 'filed__echo', arguments: { text: 'filed' } })), 'filed');
    assert.ok(filed.calls().every((c) => c.status !== 401));
  } finally {
    await client.close();
  }
});
