// A 2025-11-25 client's session on /mcp: the SDK's Server over its Streamable HTTP transport, with a session id, the
// GET stream that carries list-changed notifications, and the methods answered through the shared table.
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../../version.ts';
import type { McpHub } from '../../mcp/hub.ts';
import type { McpCaller } from '../../mcp/governor.ts';
import { asMcpError, CAPABILITIES, HANDLERS, type Params } from './handlers.ts';

export interface McpSession {
  readonly transport: StreamableHTTPServerTransport;
  /** The client key's id that opened it ('' without keys). */
  readonly keyId: string;
  close(): Promise<void>;
}

const SCHEMAS = {
  'tools/list': ListToolsRequestSchema,
  'tools/call': CallToolRequestSchema,
  'prompts/list': ListPromptsRequestSchema,
  'prompts/get': GetPromptRequestSchema,
  'resources/list': ListResourcesRequestSchema,
  'resources/templates/list': ListResourceTemplatesRequestSchema,
  'resources/read': ReadResourceRequestSchema,
} as const;

/** A new session; `caller` is asked at each request (the key is checked again on every one). `onOpen` runs once
 * the SDK has given it its id. */
export async function openSession(
  hub: McpHub,
  keyId: string,
  caller: () => McpCaller,
  onOpen: (id: string, session: McpSession) => void,
  onClose: (id: string) => void,
): Promise<McpSession> {
  const server = new Server(
    { name: 'switchyard', version: VERSION },
    { capabilities: CAPABILITIES, instructions: 'Tools of several MCP servers, named SERVER__tool.' },
  );
  for (const [method, schema] of Object.entries(SCHEMAS)) {
    const handle = HANDLERS[method]!;
    server.setRequestHandler(schema, async (request) => {
      try {
        return await handle(hub, caller(), (request.params ?? {}) as Params);
      } catch (err) {
        throw asMcpError(err);
      }
    });
  }
  const unsubscribe = hub.onListChanged((kind) => {
    const send =
      kind === 'tools'
        ? server.sendToolListChanged()
        : kind === 'prompts'
          ? server.sendPromptListChanged()
          : server.sendResourceListChanged();
    send.catch(() => {});
  });
  const session: McpSession = {
    transport: new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => onOpen(id, session),
    }),
    keyId,
    close: async () => {
      unsubscribe();
      await server.close().catch(() => {});
    },
  };
  session.transport.onclose = () => {
    unsubscribe();
    if (session.transport.sessionId !== undefined) onClose(session.transport.sessionId);
  };
  await server.connect(session.transport);
  return session;
}
