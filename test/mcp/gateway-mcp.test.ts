// /mcp end to end: the official SDK's Client over HTTP against the gateway, the simulator's MCP servers upstream
// (remote with a minted token, remote with a pool of keys, a stdio child that crashes).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startHarness, type Harness } from '../gateway/harness.ts';
import { startMcpSim, type McpSim } from '../../src/sim/fronts/mcp/http.ts';
import { until } from '../helpers/until.ts';
import type { StdioUpstream } from '../../src/mcp/upstream.ts';
import { openGovernor, type McpCaller, type McpGovernor } from '../../src/mcp/governor.ts';
import type { ToolCallFacts } from '../../src/calls/tool-call.ts';

const BIN = join(import.meta.dirname, '../../bin/switchyard.js');

let h: Harness;
let minted: McpSim;
let pooled: McpSim;
let legacy: McpSim;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-mcp-'));
  // Each run of the command gives the next token: tok-1, tok-2, … (a token endpoint that issues a fresh one).
  const counter = join(dir, 'n');
  writeFileSync(
    join(dir, 'token.mjs'),
    `import { readFileSync, writeFileSync } from 'node:fs';\n` +
      `let n = 0; try { n = Number(readFileSync(${JSON.stringify(counter)}, 'utf8')); } catch {}\n` +
      `n += 1; writeFileSync(${JSON.stringify(counter)}, String(n)); process.stdout.write('tok-' + n);\n`,
  );
  minted = await startMcpSim({ tokens: ['tok-1', 'tok-2', 'tok-3'] });
  pooled = await startMcpSim({ tokens: ['pool-key-aaaaaaaa1', 'pool-key-bbbbbbbb2'] });
  legacy = await startMcpSim({ transport: 'sse', tokens: ['legacy-token-000001'] });
  h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    config: () => ({
      mcp: {
        servers: {
          files: { url: minted.url, api_key_command: [process.execPath, join(dir, 'token.mjs')] },
          pool: { url: pooled.url, api_keys: ['pool-key-aaaaaaaa1', 'pool-key-bbbbbbbb2'], timeout: '2s' },
          legacy: { url: legacy.url, transport: 'sse', api_key: 'legacy-token-000001' },
          local: { command: [process.execPath, BIN, 'sim', 'mcp', '--stdio', '--crash-on', 'add'] },
        },
      },
    }),
  });
});
after(async () => {
  await h.close();
  await minted.close();
  await pooled.close();
  await legacy.close();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(key = h.key): Promise<Client> {
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

const text = (r: unknown): string => ((r as CallToolResult).content[0] as { text: string }).text;

describe('the gateway /mcp', () => {
  test('tools/list is the union of the servers, namespaced by server', async () => {
    await using client = await closing(await connect());
    const names = (await client.c.listTools()).tools.map((t) => t.name).sort();
    for (const s of ['files', 'pool', 'local'])
      for (const t of ['echo', 'add', 'files_read', 'hang']) assert.ok(names.includes(`${s}__${t}`), names.join());
    const prompts = (await client.c.listPrompts()).prompts.map((p) => p.name);
    assert.ok(prompts.includes('files__greeting'));
    const resources = (await client.c.listResources()).resources;
    const read = await client.c.readResource({ uri: resources[0]!.uri });
    assert.match(JSON.stringify(read.contents), /The simulator/);
  });

  test('a call reaches its server with the server credential, never the caller key', async () => {
    await using client = await closing(await connect());
    const r = await client.c.callTool({ name: 'files__files_read', arguments: { path: 'notes.txt' } });
    assert.equal(text(r), 'first line\nsecond line\n');
    const seen = minted.calls().map((c) => c.token);
    assert.ok(
      seen.every((t) => t === undefined || t.startsWith('tok-')),
      JSON.stringify(seen),
    );
    assert.ok(!JSON.stringify(minted.calls()).includes(h.key.slice(0, 8)));
  });

  test('a token that expires mid-session is re-minted without a failed call', async () => {
    await using client = await closing(await connect());
    assert.equal(text(await client.c.callTool({ name: 'files__echo', arguments: { text: 'one' } })), 'one');
    minted.expire('tok-1');
    assert.equal(text(await client.c.callTool({ name: 'files__echo', arguments: { text: 'two' } })), 'two');
    const statuses = minted.calls().map((c) => `${c.status}:${c.token ?? ''}`);
    assert.ok(statuses.includes('401:tok-1'), statuses.join());
    assert.ok(
      statuses.some((s) => s.startsWith('200:tok-2') || s.startsWith('202:tok-2')),
      statuses.join(),
    );
  });

  test('a 429 cools the key until its Retry-After and the next key of the pool answers', async () => {
    await using client = await closing(await connect());
    pooled.rateLimitNext(120);
    assert.equal(text(await client.c.callTool({ name: 'pool__add', arguments: { a: 2, b: 3 } })), '5');
    const health = h.store.allHealth().filter((r) => r.provider === 'mcp:pool');
    assert.ok(
      health.some((r) => r.state === 'cooling' && r.reason === 'rate_limited'),
      JSON.stringify(health),
    );
  });

  test('a server that hangs is cut off at its timeout, as a failed call', async () => {
    await using client = await closing(await connect());
    await assert.rejects(
      client.c.callTool({ name: 'pool__hang', arguments: {} }),
      /did not answer pool__hang within 2000 ms/,
    );
  });

  test('a stdio server that crashes is restarted', async () => {
    await using client = await closing(await connect());
    await assert.rejects(client.c.callTool({ name: 'local__add', arguments: { a: 1, b: 1 } }));
    await until('the stdio server answers again', async () => {
      try {
        return text(await client.c.callTool({ name: 'local__echo', arguments: { text: 'back' } })) === 'back';
      } catch {
        return false;
      }
    });
  });

  test('a server that speaks only the older SSE transport is reached over it', async () => {
    await using client = await closing(await connect());
    assert.equal(text(await client.c.callTool({ name: 'legacy__add', arguments: { a: 20, b: 22 } })), '42');
    assert.ok(legacy.calls().some((c) => c.method === 'GET' && c.token === 'legacy-t'));
  });

  test('a stdio server is stopped when the gateway closes', async () => {
    await using w = await startHarness({
      scenario: { models: { 'sim-large': {} }, keys: {} },
      config: () => ({
        mcp: { servers: { solo: { command: [process.execPath, BIN, 'sim', 'mcp', '--stdio'] } } },
      }),
    });
    const up = w.gw.app.gateway.mcp.upstream('solo') as StdioUpstream;
    await up.client();
    const pid = up.pid;
    assert.ok(pid !== undefined && alive(pid));
    await w.close();
    await until('the child has exited', () => !alive(pid));
  });

  test('the governor decides what a caller lists and calls, and hears of each call', async () => {
    const settled: ToolCallFacts[] = [];
    const refused: ToolCallFacts[] = [];
    const callers: McpCaller[] = [];
    const governor: McpGovernor = {
      allows: (caller, server, tool) => {
        callers.push(caller);
        return server === 'files' && tool === 'echo';
      },
      admit: async () => ({ ok: true, settle: (f) => void settled.push(f) }),
      refused: (f) => void refused.push(f),
    };
    const ctx = h.gw.app.gateway;
    ctx.mcpGovernor = governor;
    try {
      await using client = await closing(await connect());
      assert.deepEqual(
        (await client.c.listTools()).tools.map((t) => t.name),
        ['files__echo'],
      );
      await client.c.callTool({ name: 'files__echo', arguments: { text: 'a' } });
      await client.c.callTool({ name: 'files__echo', arguments: { text: 'b' } });
      // Refused alike whether the tool exists or not.
      await assert.rejects(
        client.c.callTool({ name: 'pool__add', arguments: { a: 1, b: 2 } }),
        /tool pool__add is not available/,
      );
      assert.deepEqual(
        settled.map((f) => [f.server, f.tool, f.outcome, f.keyName]),
        [
          ['files', 'echo', 'ok', 'test-client'],
          ['files', 'echo', 'ok', 'test-client'],
        ],
      );
      assert.notEqual(settled[0]!.requestId, settled[1]!.requestId);
      assert.ok(settled.every((f) => f.requestBytes > 0 && f.responseBytes > 0));
      assert.deepEqual(
        refused.map((f) => [f.server, f.tool, f.outcome]),
        [['pool', 'add', 'refused']],
      );
      assert.ok(callers.every((c) => c.keyName === 'test-client' && c.allow === undefined));
    } finally {
      ctx.mcpGovernor = openGovernor;
    }
  });

  test('an unknown tool is refused neutrally', async () => {
    await using client = await closing(await connect());
    await assert.rejects(client.c.callTool({ name: 'nope__echo', arguments: {} }), /tool nope__echo is not available/);
  });

  test('list changes on a server are passed on to connected clients', async () => {
    await using client = await closing(await connect());
    let changed = 0;
    client.c.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    // The GET stream is opened by the SDK after initialize; give the server's notification somewhere to go.
    await client.c.listTools();
    pooled.addTool('fresh');
    await until('tools/list_changed reaches the client', () => changed > 0);
    const names = (await client.c.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('pool__fresh'));
  });

  test('the client key is checked', async () => {
    await assert.rejects(connect('sy-not-a-key'), /401|invalid or revoked/);
  });

  test('the stateless 2026-07-28 revision: no initialize, routed by Mcp-Method', async () => {
    const post = (method: string, params: Record<string, unknown>, name?: string) =>
      fetch(`${h.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${h.key}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
          ...(name !== undefined ? { 'mcp-name': name } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
      });
    const discover = (await (await post('server/discover', {})).json()) as { result: { supportedVersions: string[] } };
    assert.deepEqual(discover.result.supportedVersions, ['2026-07-28', '2025-11-25']);
    const call = await post('tools/call', { name: 'files__add', arguments: { a: 4, b: 5 } }, 'files__add');
    const body = (await call.json()) as { result: CallToolResult & { resultType: string } };
    assert.equal(text(body.result), '9');
    assert.equal(body.result.resultType, 'complete');
    const mismatch = await post('tools/call', { name: 'files__add', arguments: {} }, 'files__echo');
    assert.equal(mismatch.status, 400);
    const noSession = await fetch(`${h.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.key}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(noSession.status, 400);
    assert.match(await noSession.text(), /send initialize first/);
  });

  test('each /mcp request has its request line: JSON-RPC method, tool, outcome, latency, never the arguments', async () => {
    const post = (id: number, name: string, args: Record<string, unknown>) =>
      fetch(`${h.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${h.key}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'x-request-id': `line-${id}`,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
      });
    await (await post(1, 'files__echo', { text: 'secret-argument-text' })).text();
    await (await post(2, 'nope__echo', {})).text();
    await using client = await closing(await connect());
    await client.c.listTools();
    const lines = () =>
      h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['path'] === '/mcp' && 'status' in l);
    await until('the lines are written', () => lines().some((l) => l['mcp_method'] === 'tools/list'));
    const byId = (id: string) => lines().find((l) => l['req_id'] === id);
    assert.deepEqual(pick(byId('line-1'), ['method', 'api', 'mcp_method', 'tool', 'outcome', 'status']), {
      method: 'POST',
      api: 'mcp',
      mcp_method: 'tools/call',
      tool: 'files__echo',
      outcome: 'ok',
      status: 200,
    });
    assert.equal(typeof byId('line-1')?.['ms'], 'number');
    assert.equal(byId('line-2')?.['outcome'], 'refused');
    // A session's requests (answered by the SDK's transport) have their lines too.
    assert.ok(lines().some((l) => l['mcp_method'] === 'initialize' && l['status'] === 200));
    assert.ok(!h.logs.some((l) => l.includes('secret-argument-text')), 'arguments stay out of the log');
  });

  test('a stateless client listens for list changes: acknowledged first, then each change it asked for', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.url}/mcp`, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        authorization: `Bearer ${h.key}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'subscriptions/listen',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'listen:0',
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true, resourcesListChanged: true, resourceSubscriptions: ['x'] } },
      }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const messages = sseMessages(res);
    const ack = await messages.next();
    assert.deepEqual(ack.value, {
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      // A resource's own updates are not relayed: not acknowledged.
      params: {
        notifications: { toolsListChanged: true, resourcesListChanged: true },
        _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen:0' },
      },
    });
    pooled.addTool('heard');
    const changed = await messages.next();
    assert.deepEqual(changed.value, {
      jsonrpc: '2.0',
      method: 'notifications/tools/list_changed',
      params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen:0' } },
    });
    controller.abort();
  });
});

function pick(o: Record<string, unknown> | undefined, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, o?.[k]]));
}

/** The JSON messages of an SSE answer, as they come. */
async function* sseMessages(res: Response): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event.split('\n').find((l) => l.startsWith('data: '));
      if (data !== undefined) yield JSON.parse(data.slice(6));
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A client closed when the test's scope ends. */
async function closing(c: Client): Promise<{ c: Client } & AsyncDisposable> {
  return { c, [Symbol.asyncDispose]: () => c.close() };
}
