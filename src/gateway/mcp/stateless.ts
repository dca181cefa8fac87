// MCP's stateless revision (2026-07-28) on /mcp, handled here: the installed SDK (1.32) knows revisions up to
// 2025-11-25 only. No initialize and no session: each POST is one JSON-RPC request, routed by its `Mcp-Method`
// header (which must agree with the body, as `Mcp-Name` must with the tool, prompt or resource named), answered as
// JSON with a `resultType`. `server/discover` says what the gateway is (docs/mcp.md#protocol-revisions).
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { McpHub } from '../../mcp/hub.ts';
import type { McpCaller } from '../../mcp/governor.ts';
import { VERSION } from '../../version.ts';
import { asMcpError, CAPABILITIES, serve, type Params } from './handlers.ts';

export const STATELESS_REVISION = '2026-07-28';

export interface RpcAnswer {
  status: number;
  /** One JSON-RPC answer, a batch's refusals (one per element), or none (a notification). */
  body: Record<string, unknown> | Record<string, unknown>[] | undefined;
}

/** Why a batch is refused: the revision routes each POST by its headers, which name one method (and one tool). */
const NO_BATCH = `MCP ${STATELESS_REVISION} has no JSON-RPC batches (each POST is one request, routed by its Mcp-Method header): send each request on its own`;

/** A batch refused as JSON-RPC says a batch is answered: an error for each element, with its id (null when it has
 * none, or for an empty batch, which is one error). */
function refusedBatch(batch: readonly unknown[]): RpcAnswer {
  const error = { code: -32600, message: NO_BATCH };
  const idOf = (m: unknown): unknown => {
    const id = (m as { id?: unknown } | null)?.id;
    return typeof id === 'string' || typeof id === 'number' ? id : null;
  };
  const body = batch.map((m) => ({ jsonrpc: '2.0', id: idOf(m), error }));
  return { status: 400, body: body.length === 0 ? { jsonrpc: '2.0', id: null, error } : body };
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** What `Mcp-Name` names for a method that names something. */
const NAMED_BY: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

export async function answerStateless(
  hub: McpHub,
  caller: McpCaller,
  headers: Headers,
  body: unknown,
): Promise<RpcAnswer> {
  if (Array.isArray(body)) return refusedBatch(body);
  const msg =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const id = msg['id'];
  const method = typeof msg['method'] === 'string' ? msg['method'] : '';
  const params = (typeof msg['params'] === 'object' && msg['params'] !== null ? msg['params'] : {}) as Params;
  const fail = (status: number, code: number, message: string): RpcAnswer => ({
    status,
    body: { jsonrpc: '2.0', id: id ?? null, error: { code, message } },
  });
  if (method === '') return fail(400, -32600, 'expected one JSON-RPC request with a method');
  const routed = header(headers, 'mcp-method');
  if (routed !== undefined && routed !== method)
    return fail(400, -32600, `the Mcp-Method header says ${routed} but the body's method is ${method}`);
  const nameField = NAMED_BY[method];
  const named = header(headers, 'mcp-name');
  if (nameField !== undefined && named !== undefined && named !== params[nameField])
    return fail(
      400,
      -32600,
      `the Mcp-Name header says ${named} but the body's ${nameField} is ${String(params[nameField])}`,
    );
  // A notification has no answer (and none of the stateless revision's needs one from the gateway).
  if (id === undefined) return { status: 202, body: undefined };
  if (method === 'server/discover') return { status: 200, body: { jsonrpc: '2.0', id, result: discover() } };
  if (method === 'ping') return { status: 200, body: { jsonrpc: '2.0', id, result: {} } };
  try {
    const result = await serve(hub, caller, method, msg['params']);
    // A list is the caller's own (its key decides what is in it) and changes with the servers': not to be cached.
    const cache = method.endsWith('/list') ? { ttlMs: 0, cacheScope: 'private' } : {};
    return { status: 200, body: { jsonrpc: '2.0', id, result: { ...result, ...cache, resultType: 'complete' } } };
  } catch (err) {
    const e = asMcpError(err);
    return {
      status: 200,
      body: { jsonrpc: '2.0', id, error: { code: e.code, message: e.message.replace(/^MCP error -?\d+: /, '') } },
    };
  }
}

function discover(): Record<string, unknown> {
  return {
    supportedVersions: [STATELESS_REVISION, LATEST_PROTOCOL_VERSION],
    capabilities: CAPABILITIES,
    serverInfo: { name: 'switchyard', version: VERSION },
    instructions: 'Tools of several MCP servers, named SERVER__tool.',
    resultType: 'complete',
  };
}

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
