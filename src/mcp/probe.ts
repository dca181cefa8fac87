// `doctor`'s check of each MCP server: connect as the gateway would (the server's own credentials, its timeout, a
// local server started and stopped again), list its tools, say what happened, and what `auth login` stored. Health is written only with --record.
import { Minter } from '../credentials/minted/minter.ts';
import type { LoadedConfig } from '../config/types.ts';
import { cleanMessage } from '../errors/error-body.ts';
import { silentLogger } from '../log.ts';
import type { StateStore } from '../state/types.ts';
import { McpCredentials } from './credentials.ts';
import { loginStatus, type LoginStatus } from './login-status.ts';
import { RemoteUpstream, StdioUpstream, type Upstream, type UpstreamContext } from './upstream.ts';

export interface McpServerCheck {
  server: string;
  kind: 'remote' | 'stdio';
  ok: boolean;
  /** Tools listed, when it answered. */
  tools?: number;
  /** Their names on the server (not namespaced), when it answered. */
  toolNames?: string[];
  error?: string;
  /** With `login:`: what `auth login` stored. */
  login?: LoginStatus;
}

/** The longest a check waits for one server, whatever its `timeout`: doctor should not sit for a minute. */
const CHECK_LIMIT_MS = 15_000;

export async function checkMcpServers(
  loaded: LoadedConfig,
  store: StateStore,
  record: boolean,
): Promise<McpServerCheck[]> {
  const minter = new Minter({ store });
  const ctx: UpstreamContext = {
    credentials: new McpCredentials({ loaded, store, minter, record }),
    logger: silentLogger(),
    now: Date.now,
    sleep: async () => {},
    baseDir: loaded.dir,
    onListChanged: () => {},
  };
  try {
    return await Promise.all(
      Object.entries(loaded.config.mcp.servers).map(async ([name, s]) => {
        const kind = 'url' in s ? ('remote' as const) : ('stdio' as const);
        const login = await loginStatus(loaded, store, name);
        const withLogin = login !== undefined ? { login } : {};
        const limited = { ...s, timeout: Math.min(s.timeout, CHECK_LIMIT_MS) };
        const up: Upstream =
          'url' in limited ? new RemoteUpstream(name, limited, ctx) : new StdioUpstream(name, limited, ctx);
        try {
          const client = await up.client();
          const { tools } = await client.listTools({}, { timeout: limited.timeout });
          return {
            server: name,
            kind,
            ok: true,
            tools: tools.length,
            toolNames: tools.map((t) => t.name),
            ...withLogin,
          };
        } catch (err) {
          const why = cleanMessage(err instanceof Error ? err.message : String(err), up.secrets.list());
          return { server: name, kind, ok: false, error: why, ...withLogin };
        } finally {
          await up.close();
        }
      }),
    );
  } finally {
    minter.close();
  }
}
