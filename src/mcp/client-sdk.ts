// The MCP SDK's client side, loaded when the first MCP server is connected: a gateway with no MCP servers never holds
// it (the SDK and its protocol schemas are ~8 MiB of a gateway's idle memory).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

export interface ClientSdk {
  Client: typeof import('@modelcontextprotocol/sdk/client/index.js').Client;
  StreamableHTTPClientTransport: typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js').StreamableHTTPClientTransport;
  SSEClientTransport: typeof import('@modelcontextprotocol/sdk/client/sse.js').SSEClientTransport;
  StdioClientTransport: typeof import('@modelcontextprotocol/sdk/client/stdio.js').StdioClientTransport;
  getDefaultEnvironment: typeof import('@modelcontextprotocol/sdk/client/stdio.js').getDefaultEnvironment;
  McpError: typeof import('@modelcontextprotocol/sdk/types.js').McpError;
  /** A client that calls `onListChanged` when the server says one of its lists changed. */
  listeningClient(onListChanged: (kind: 'tools' | 'prompts' | 'resources') => void): Client;
}

let loading: Promise<ClientSdk> | undefined;
let loaded: ClientSdk | undefined;

export function clientSdk(): Promise<ClientSdk> {
  loading ??= load().then((sdk) => (loaded = sdk));
  return loading;
}

/** The SDK, once a server was connected; before, no error of it can have been raised. */
export function loadedClientSdk(): ClientSdk | undefined {
  return loaded;
}

async function load(): Promise<ClientSdk> {
  const [client, http, sse, stdio, types, version] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/types.js'),
    import('../version.ts'),
  ]);
  return {
    Client: client.Client,
    StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
    SSEClientTransport: sse.SSEClientTransport,
    StdioClientTransport: stdio.StdioClientTransport,
    getDefaultEnvironment: stdio.getDefaultEnvironment,
    McpError: types.McpError,
    listeningClient(onListChanged) {
      const c = new client.Client({ name: 'switchyard-gateway', version: version.VERSION }, { capabilities: {} });
      c.setNotificationHandler(types.ToolListChangedNotificationSchema, () => onListChanged('tools'));
      c.setNotificationHandler(types.PromptListChangedNotificationSchema, () => onListChanged('prompts'));
      c.setNotificationHandler(types.ResourceListChangedNotificationSchema, () => onListChanged('resources'));
      return c;
    },
  };
}
