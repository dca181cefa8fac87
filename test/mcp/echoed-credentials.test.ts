// An MCP server that quotes back the credentials the gateway sent it (its key, a minted token, a header's secret, the
// URL's query-string secret): none of them reaches the caller — in a tool result, an `isError` one, a JSON-RPC error —
// or the gateway's log, however the server says it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startHarness } from '../gateway/harness.ts';
import { startMcpSim } from '../../src/sim/fronts/mcp/http.ts';
import { stringify } from 'yaml';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

// Nothing key-shaped: only knowing what was sent finds them.
const KEY = 'q8Zr0123456789plainbearer';
const MINTED = 'w4Tm9876543210mintedtoken';
const HEADER = 'e2Kd5555aaaaheadersecret';
const QUERY = 'r7Jx7777bbbbquerysecret';
const SENT = [KEY, MINTED, HEADER, QUERY];

const leaked = (text: string): string[] => SENT.filter((s) => text.includes(s));

test('what an MCP server quotes of the credentials it was sent is taken out of results, errors and logs', async () => {
  await using sim = await startMcpSim({ tokens: [KEY, MINTED], echoCredentials: true });
  const url = `${sim.url}?sig=${QUERY}`;
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    config: () => ({
      mcp: {
        servers: {
          keyed: { url, api_key: KEY, headers: { 'x-upstream-auth': HEADER } },
          minted: { url, api_key_command: [process.execPath, '-e', `process.stdout.write('${MINTED}')`] },
        },
      },
    }),
  });
  const client = new Client({ name: 'echo-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${h.key}` } },
    }),
  );
  try {
    for (const server of ['keyed', 'minted']) {
      const result = (await client.callTool({ name: `${server}__whoami` })) as CallToolResult;
      assert.equal(result.isError, true);
      const said = JSON.stringify(result);
      assert.match(said, /you sent headers/, 'the rest of the tool error is relayed');
      assert.match(said, /\[redacted\]/);
      assert.deepEqual(leaked(said), [], `${server}: ${said}`);

      const prompt = await client.getPrompt({ name: `${server}__whoami` }).catch((e: unknown) => e as Error);
      assert.ok(prompt instanceof Error, 'a JSON-RPC error');
      assert.match(prompt.message, /refused headers/);
      assert.deepEqual(leaked(prompt.message), [], `${server}: ${prompt.message}`);

      const failed = await client.callTool({ name: `${server}__whoami_500` }).catch((e: unknown) => e as Error);
      assert.ok(failed instanceof Error, 'an HTTP failure is a JSON-RPC error');
      assert.match(failed.message, /upstream failed/);
      assert.deepEqual(leaked(failed.message), [], `${server}: ${failed.message}`);
    }
  } finally {
    await client.close();
  }
  const log = h.logs.join('\n');
  assert.match(log, /upstream failed/, 'the failed call is logged');
  assert.deepEqual(leaked(log), [], log);
});

test('doctor and the gateway log say a server refused its key without the key or the URL secret it quoted', async () => {
  using ws = tempWorkspace();
  await using sim = await startMcpSim({ tokens: [MINTED], echoCredentials: true });
  const path = ws.write(
    'switchyard.yaml',
    stringify({ mcp: { servers: { keyed: { url: `${sim.url}?sig=${QUERY}`, api_key: KEY } } } }),
  );
  const doctor = await runCliInProcess(['doctor', '--config', path], { env: { SWITCHYARD_HOME: ws.home } });
  assert.match(doctor.stdout, /keyed \(remote\): FAIL .*the access token \[redacted\] is not known at/);
  assert.deepEqual(leaked(doctor.stdout + doctor.stderr), [], doctor.stdout);

  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    config: () => ({ mcp: { servers: { keyed: { url: `${sim.url}?sig=${QUERY}`, api_key: KEY } } } }),
  });
  const listed = await fetch(`${h.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${h.key}`,
      'content-type': 'application/json',
      'mcp-protocol-version': '2026-07-28',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  assert.equal(listed.status, 200);
  await listed.text();
  const log = h.logs.join('\n');
  assert.match(log, /left out of the tools list/);
  assert.deepEqual(leaked(log), [], log);
});
