// Governance of /mcp end to end: the official SDK's Client against the gateway in front of two simulated MCP servers.
// A key's allow-list decides what it lists and calls (refused alike whether the tool exists or not, re-checked at
// every call), `calls` budgets bound it, and every call is a ledger row, a metric, an `execute_tool` span.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ADMIN_KEY, startHarness, type Harness } from '../gateway/harness.ts';
import { startMcpSim, type McpSim } from '../../src/sim/fronts/mcp/http.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { installOtel } from '../telemetry/otel.ts';
import { until } from '../helpers/until.ts';

let h: Harness;
let files: McpSim;
let web: McpSim;
const agentKey = generateKey();
const cappedKey = generateKey();
let agentId = '';

before(async () => {
  files = await startMcpSim({ tokens: ['files-token-0001'] });
  web = await startMcpSim({ tokens: ['web-token-00002'] });
  h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    config: () => ({
      mcp: {
        servers: {
          files: { url: files.url, api_key: 'files-token-0001' },
          web: { url: web.url, api_key: 'web-token-00002' },
        },
      },
      budgets: { 'capped-calls': { client_key: 'capped', calls: { hour: 2 } } },
    }),
  });
  const agent = { ...newKeyRecord(agentKey, 'agent'), mcp: { tools: ['files__echo', 'web__*'] }, mcp_updated_at: 1 };
  agentId = agent.id;
  h.store.addGatewayKey(agent);
  h.store.addGatewayKey({ ...newKeyRecord(cappedKey, 'capped'), mcp: { servers: ['files'] }, mcp_updated_at: 1 });
});
after(async () => {
  await h.close();
  await files.close();
  await web.close();
});

async function connect(key: string): Promise<{ c: Client } & AsyncDisposable> {
  const c = new Client({ name: 'governance-test', version: '1' });
  await c.connect(
    new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return { c, [Symbol.asyncDispose]: () => c.close() };
}

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

/** The refusal a call gets, as the client sees it. */
async function refusal(client: Client, name: string): Promise<string> {
  try {
    await client.callTool({ name, arguments: { text: 'x', a: 1, b: 2 } });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${name} was not refused`);
}

describe('governance of /mcp', () => {
  test("a key's allow-list decides what it lists and calls; refusals do not tell unknown from forbidden", async () => {
    await using agent = await connect(agentKey);
    const names = (await agent.c.listTools()).tools.map((t) => t.name).sort();
    assert.ok(names.includes('files__echo'), names.join());
    assert.ok(!names.includes('files__add'), names.join());
    assert.ok(names.includes('web__add') && names.includes('web__echo'), names.join());
    assert.equal(text(await agent.c.callTool({ name: 'files__echo', arguments: { text: 'hi' } })), 'hi');
    const forbidden = await refusal(agent.c, 'files__add');
    const unknown = await refusal(agent.c, 'files__no_such_tool');
    assert.equal(forbidden.replace('files__add', 'NAME'), unknown.replace('files__no_such_tool', 'NAME'));
    // A key without a list sees everything.
    await using open = await connect(h.key);
    const all = (await open.c.listTools()).tools.map((t) => t.name);
    assert.ok(all.includes('files__add'));
  });

  test('an update applies at the next call of an open session (checked at every call, not only at list time)', async () => {
    await using agent = await connect(agentKey);
    assert.equal(text(await agent.c.callTool({ name: 'files__echo', arguments: { text: 'before' } })), 'before');
    h.store.setGatewayKeyMcp(agentId, { tools: ['web__*'] }, Date.now());
    await until('the narrowed list applies', async () =>
      /not available/.test(await refusal(agent.c, 'files__echo').catch(String)),
    );
    h.store.setGatewayKeyMcp(agentId, { tools: ['files__echo', 'web__*'] }, Date.now());
  });

  test('a calls budget per key refuses the call past it, naming the budget', async () => {
    await using capped = await connect(cappedKey);
    assert.equal(text(await capped.c.callTool({ name: 'files__add', arguments: { a: 1, b: 2 } })), '3');
    assert.equal(text(await capped.c.callTool({ name: 'files__add', arguments: { a: 2, b: 2 } })), '4');
    assert.match(
      await refusal(capped.c, 'files__add'),
      /budget capped-calls \(client key capped\) is at its limit: 2 tool calls per hour, 2 tool calls used/,
    );
  });

  test('every call is a ledger row, a Prometheus sample and an execute_tool span; never its arguments', async () => {
    await using otel = installOtel();
    await using agent = await connect(agentKey);
    await agent.c.callTool({ name: 'web__echo', arguments: { text: 'secret-argument-text' } });
    await refusal(agent.c, 'files__add');
    const usage = h.gw.app.gateway.usage!;
    const page = await usage.requests({ limit: 50 });
    const rows = page.rows.filter((r) => r.tool !== undefined);
    const echo = rows.find((r) => r.mcp_server === 'web' && r.tool === 'echo' && r.client_key === 'agent');
    assert.ok(echo, JSON.stringify(rows));
    assert.equal(echo.status, 'ok');
    assert.ok(echo.request_bytes! > 0 && echo.response_bytes! > 0);
    // The server's credential that answered, masked: the dashboard's Key column for the call.
    assert.match(echo.credential, /…/);
    assert.ok(!echo.credential.includes('web-token-00002'));
    assert.ok(rows.some((r) => r.tool === 'add' && r.status === 'refused'));
    assert.ok(rows.some((r) => r.client_key === 'capped' && r.status === 'budget'));
    const totals = await usage.toolTotals({ since: 0 });
    const webEcho = totals.find((t) => t.mcp_server === 'web' && t.tool === 'echo');
    assert.equal(webEcho?.calls, 1);
    assert.ok(!JSON.stringify(page.rows).includes('secret-argument-text'));
    assert.ok(!h.logs.join('\n').includes('secret-argument-text'));

    const metrics = await (
      await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).text();
    assert.match(metrics, /switchyard_mcp_tool_calls_total\{server="web",tool="echo",outcome="ok"\} 1/);
    assert.match(metrics, /switchyard_mcp_tool_calls_total\{server="-",tool="-",outcome="refused"\} \d+/);
    assert.match(metrics, /switchyard_mcp_tool_call_duration_seconds_count\{server="web",tool="echo"\} 1/);

    const spans = (await otel.spans()).filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool');
    const span = spans.find((s) => s.attributes['gen_ai.tool.name'] === 'web__echo');
    assert.ok(span, spans.map((s) => s.name).join());
    assert.equal(span.name, 'execute_tool web__echo');
    assert.equal(span.attributes['switchyard.client_key'], 'agent');
    assert.equal(span.attributes['mcp.method.name'], 'tools/call');
    assert.ok(typeof span.attributes['gen_ai.tool.call.id'] === 'string');
    assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes('secret-argument-text'));
    const refused = spans.find((s) => s.attributes['gen_ai.tool.name'] === 'files__add');
    assert.equal(refused?.attributes['error.type'], 'refused');
  });
});

test('mcp.log_arguments: true logs a call arguments and result on a line of their own, scrubbed', async () => {
  await using sim = await startMcpSim({ tokens: ['files-token-0003'] });
  await using lh = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    config: () => ({
      mcp: { servers: { files: { url: sim.url, api_key: 'files-token-0003' } }, log_arguments: true },
    }),
  });
  const c = new Client({ name: 'log-test', version: '1' });
  await c.connect(
    new StreamableHTTPClientTransport(new URL(`${lh.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${lh.key}` } },
    }),
  );
  const leaked = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
  await c.callTool({ name: 'files__echo', arguments: { text: `visible-argument ${leaked}` } });
  await c.close();
  const lines = lh.logs.filter((l) => l.includes('mcp.log_arguments'));
  assert.equal(lines.length, 1, lh.logs.join('\n'));
  assert.match(lines[0]!, /visible-argument/);
  assert.ok(!lh.logs.join('\n').includes(leaked), 'a key shape in the arguments is masked');
  const callLine = lh.logs.find((l) => l.includes('"mcp tool call"'));
  assert.ok(callLine !== undefined && !callLine.includes('visible-argument'));
});
