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
