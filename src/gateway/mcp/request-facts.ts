// What the request line says of a request to /mcp (docs/mcp.md#usage-and-observability-of-tool-calls): its JSON-RPC
// method and, for a `tools/call`, the tool — read off the body, never its arguments. A batch is named by its first
// message; a GET (a session's stream) and a DELETE (a session's end) by their verb.
import { recordedName } from '../../mcp/names.ts';

/** What a request line says of an /mcp request: never its arguments. */
export interface McpRequestFacts {
  /** The JSON-RPC method (the first of a batch), or the HTTP verb (`GET`: a session's stream; `DELETE`: its end). */
  method: string;
  /** The namespaced tool of a `tools/call`. */
  tool?: string;
}

export function mcpFactsOf(httpMethod: string, body: unknown): McpRequestFacts {
  const first = (Array.isArray(body) ? body[0] : body) as { method?: unknown; params?: { name?: unknown } } | null;
  if (httpMethod !== 'POST' || typeof first?.method !== 'string') return { method: httpMethod };
  const tool = first.method === 'tools/call' ? first.params?.name : undefined;
  // Both are the caller's text: the line keeps them as the ledger does, bounded and printable.
  return { method: recordedName(first.method), ...(typeof tool === 'string' ? { tool: recordedName(tool) } : {}) };
}
