// The MCP methods /mcp answers, as one table over the hub: the SDK's Server (2025-11-25 sessions) and the stateless
// 2026-07-28 handling both dispatch through it, so the two revisions cannot answer differently.
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { HubError, type McpHub } from '../../mcp/hub.ts';
import type { McpCaller } from '../../mcp/governor.ts';

export type Params = Readonly<Record<string, unknown>>;
export type Handler = (hub: McpHub, caller: McpCaller, params: Params) => Promise<Record<string, unknown>>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Every list is answered whole: the union is built per request, so there is no cursor to give. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  'tools/list': async (hub, caller) => ({ tools: await hub.listTools(caller) }),
  'tools/call': async (hub, caller, p) => ({ ...(await hub.callTool(caller, str(p['name']), record(p['arguments']))) }),
  'prompts/list': async (hub, caller) => ({ prompts: await hub.listPrompts(caller) }),
  'prompts/get': async (hub, caller, p) => ({
    ...(await hub.getPrompt(caller, str(p['name']), record(p['arguments']) as Record<string, string> | undefined)),
  }),
  'resources/list': async (hub, caller) => ({ resources: await hub.listResources(caller) }),
  'resources/templates/list': async (hub, caller) => ({ resourceTemplates: await hub.listResourceTemplates(caller) }),
  'resources/read': async (hub, caller, p) => ({ ...(await hub.readResource(caller, str(p['uri']))) }),
};

/** One request through the table: its params checked, then its handler; a method not in it is `-32601`. */
export async function serve(
  hub: McpHub,
  caller: McpCaller,
  method: string,
  params: unknown,
): Promise<Record<string, unknown>> {
  const handle = HANDLERS[method];
  if (handle === undefined) throw new McpError(ErrorCode.MethodNotFound, `method ${method} is not served on /mcp`);
  return handle(hub, caller, checkedParams(method, params));
}

/** What a field of a method's params must be: a JSON type, or an object of strings (a prompt's arguments). */
type Expected = 'string' | 'object' | 'object of strings';

/** The params fields each method reads, checked before its handler runs (both revisions): a field of the wrong type
 * is an invalid-params error naming it, never a schema dump or an internal error. */
const PARAM_FIELDS: Readonly<Record<string, Readonly<Record<string, { expected: Expected; required: boolean }>>>> = {
  'tools/call': {
    name: { expected: 'string', required: true },
    arguments: { expected: 'object', required: false },
  },
  'prompts/get': {
    name: { expected: 'string', required: true },
    arguments: { expected: 'object of strings', required: false },
  },
  'resources/read': { uri: { expected: 'string', required: true } },
};

/** A method's params, checked against PARAM_FIELDS: a HubError (`-32602`) says which field and what was expected. */
export function checkedParams(method: string, params: unknown): Params {
  if (params === undefined) params = {};
  if (record(params) === undefined) throw invalid(`params must be an object; got ${got(params)}`);
  const p = params as Params;
  for (const [field, want] of Object.entries(PARAM_FIELDS[method] ?? {})) {
    const v = p[field];
    if (v === undefined && !want.required) continue;
    if (!fits(v, want.expected)) throw invalid(`params.${field} must be ${article(want.expected)}; got ${got(v)}`);
  }
  return p;
}

function fits(v: unknown, expected: Expected): boolean {
  if (expected === 'string') return typeof v === 'string';
  const r = record(v);
  return r !== undefined && (expected === 'object' || Object.values(r).every((x) => typeof x === 'string'));
}

const article = (expected: Expected): string => (expected === 'string' ? 'a string' : `an ${expected}`);

/** What a value is, as the message says it: `a number`, `an array`, `an object with a number in it`. */
function got(v: unknown): string {
  if (v === undefined) return 'none';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const r = record(v);
  if (r === undefined) return `a ${typeof v}`;
  const odd = Object.values(r).find((x) => typeof x !== 'string');
  return odd === undefined ? 'an object' : `an object with ${got(odd)} in it`;
}

const invalid = (message: string): HubError => new HubError('invalid_params', message);

/** The capabilities the gateway declares: every list may change, as its servers' do. */
export const CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true },
} as const;

/** A hub error as the JSON-RPC error the SDK sends. */
export function asMcpError(err: unknown): McpError {
  if (err instanceof McpError) return err;
  if (err instanceof HubError)
    return new McpError(err.kind === 'invalid_params' ? ErrorCode.InvalidParams : ErrorCode.InternalError, err.message);
  return new McpError(ErrorCode.InternalError, err instanceof Error ? err.message : String(err));
}
