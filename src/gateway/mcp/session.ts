// A 2025-11-25 client's session on /mcp: the SDK's Server over its Streamable HTTP transport, with a session id, the
// GET stream that carries list-changed notifications, and the methods answered through the shared table.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { ServerResult } from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../../version.ts';
import type { McpHub } from '../../mcp/hub.ts';
import type { McpCaller } from '../../mcp/governor.ts';
import { asMcpError, CAPABILITIES, serve } from './handlers.ts';

export interface McpSession {
  readonly transport: StreamableHTTPServerTransport;
  /** The client key's id that opened it ('' without keys). */
  readonly keyId: string;
  close(): Promise<void>;
}

/** How the HTTP request's caller reaches the method's handler: the SDK hands `req.auth` to it as `authInfo`, per
 * request, so concurrent requests of one session each keep their own (request id, key, allow-list). */
export function carryCaller(req: IncomingMessage, caller: McpCaller): void {
  (req as IncomingMessage & { auth?: AuthInfo }).auth = {
    token: '',
    clientId: caller.keyName ?? '',
    scopes: [],
    extra: { caller },
  };
}

function callerOf(authInfo: AuthInfo | undefined): McpCaller {
  const caller = authInfo?.extra?.['caller'] as McpCaller | undefined;
  // Every request of a session passes the route, which sets it: a missing one is refused as a caller with no rights.
  return caller ?? { requestId: '', keyName: undefined, allow: { servers: [] } };
}

/** A new session. `onOpen` runs once the SDK has given it its id. */
export async function openSession(
  hub: McpHub,
  keyId: string,
  onOpen: (id: string, session: McpSession) => void,
  onClose: (id: string) => void,
): Promise<McpSession> {
  const server = new Server(
    { name: 'switchyard', version: VERSION },
    { capabilities: CAPABILITIES, instructions: 'Tools of several MCP servers, named SERVER__tool.' },
  );
  // The table's methods are answered from the fallback, not a handler per SDK schema: the SDK would check params with
  // its own schemas first and answer a wrong type with an internal error and a schema dump (handlers.ts checks them).
  const fallback: typeof server.fallbackRequestHandler = async (request, extra) => {
    try {
      return (await serve(hub, callerOf(extra.authInfo), request.method, request.params)) as ServerResult;
    } catch (err) {
      throw asMcpError(err);
    }
  };
  server.fallbackRequestHandler = fallback;
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
  const closed = (): void => {
    unsubscribe();
    if (session.transport.sessionId !== undefined) onClose(session.transport.sessionId);
  };
  session.transport.onclose = closed;
  await server.connect(session.transport);
  return session;
}
