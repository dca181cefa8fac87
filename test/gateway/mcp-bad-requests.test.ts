// What /mcp answers to requests that are not one well-formed JSON-RPC request, in a 2025-11-25 session and in the
// stateless 2026-07-28 revision: params of the wrong type are a located invalid-params error (-32602), never an
// internal error with a schema dump; a batch has an answer for every element (a session's are served, as 2025-03-26
// allowed batches; a stateless one's are refused, each with its id).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.ts';
import { startMcpSim, type McpSim } from '../../src/sim/fronts/mcp/http.ts';

let h: Harness;
let sim: McpSim;

before(async () => {
  sim = await startMcpSim({ tokens: ['files-token-0042'] });
  h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    config: () => ({ mcp: { servers: { files: { url: sim.url, api_key: 'files-token-0042' } } } }),
  });
});
after(async () => {
  await h.close();
  await sim.close();
});

interface RpcMessage {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

function post(body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${h.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${h.key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** The JSON-RPC messages of an answer, whether JSON or an SSE stream. */
async function messages(res: Response): Promise<RpcMessage[]> {
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const parsed = JSON.parse(text) as RpcMessage | RpcMessage[];
    return Array.isArray(parsed) ? parsed : [parsed];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as RpcMessage);
}

/** A 2025-11-25 session's headers, once initialized. */
async function session(): Promise<Record<string, string>> {
  const init = await post(
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bad-requests', version: '1' } },
    },
    {},
  );
  assert.equal(init.status, 200);
  await init.text();
  const headers = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
  await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).text();
  return headers;
}

const STATELESS = (method: string): Record<string, string> => ({
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
});

const call = (id: number, method: string, params: unknown) => ({ jsonrpc: '2.0', id, method, params });

describe('/mcp requests that are not well formed', () => {
  test('params of the wrong type are invalid params naming the field and what it must be, in both revisions', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['tools/call', { name: 42, arguments: {} }, /^params\.name must be a string; got a number$/],
      ['tools/call', { arguments: {} }, /^params\.name must be a string; got none$/],
      ['tools/call', { name: 'files__echo', arguments: ['x'] }, /^params\.arguments must be an object; got an array$/],
      [
        'prompts/get',
        { name: 'files__greeting', arguments: { name: 7 } },
        /^params\.arguments must be an object of strings; got an object with a number in it$/,
      ],
      ['resources/read', { uri: null }, /^params\.uri must be a string; got null$/],
    ];
    const headers = await session();
    for (const [method, params, message] of cases) {
      for (const [revision, sent] of [
        ['2025-11-25', headers],
        ['2026-07-28', STATELESS(method)],
      ] as const) {
        const [answer] = await messages(await post(call(5, method, params), sent));
        const what = `${revision} ${method} ${JSON.stringify(params)}: ${JSON.stringify(answer)}`;
        assert.equal(answer?.id, 5, what);
        assert.equal(answer?.error?.code, -32602, what);
        assert.match(answer.error.message.replace(/^MCP error -32602: /, ''), message, what);
      }
    }
  });

  test('a batch in a session has every element answered', async () => {
    const headers = await session();
    const res = await post(
      [call(1, 'ping', {}), call(2, 'tools/call', { name: 'files__add', arguments: { a: 2, b: 3 } })],
      headers,
    );
    const answers = await messages(res);
    assert.deepEqual(answers.map((a) => a.id).sort(), [1, 2]);
    const added = answers.find((a) => a.id === 2);
    assert.deepEqual(added?.result?.['structuredContent'], { sum: 5 });
  });

  test('a stateless batch is refused with an error for every element, each with its id', async () => {
    const res = await post([call(1, 'ping', {}), call(2, 'tools/list', {}), { jsonrpc: '2.0', method: 'x' }], {
      'mcp-protocol-version': '2026-07-28',
    });
    assert.equal(res.status, 400);
    const answers = await messages(res);
    assert.deepEqual(
      answers.map((a) => [a.id, a.error?.code]),
      [
        [1, -32600],
        [2, -32600],
        [null, -32600],
      ],
    );
    assert.match(answers[0]!.error!.message, /no JSON-RPC batches .*send each request on its own/);
  });
});
