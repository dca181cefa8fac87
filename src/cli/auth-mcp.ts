// `switchyard auth explain NAME` for an MCP server (docs/mcp.md#credentials): its credentials in use order, each
// one's health, and which the next request uses — the same words as for a provider's keys; with `login:`, what
// `auth login` stored (mcp/login-status.ts).
import type { LoadedConfig } from '../config/types.ts';
import { effectiveHealth, usability } from '../credentials/health.ts';
import { describe } from '../mcp/credentials.ts';
import { McpCredentials } from '../mcp/credentials.ts';
import type { Minter } from '../credentials/minted/minter.ts';
import type { StateStore } from '../state/types.ts';
import type { CliRun } from './run.ts';
import { loginStatus, loginStatusLine, type LoginStatus } from '../mcp/login-status.ts';
import { formatClock } from '../errors/explain-format.ts';

export interface McpKeyView {
  credential: string;
  id: string;
  state: string;
  usable: boolean;
  why?: string;
}

export interface McpExplanation {
  server: string;
  kind: 'remote' | 'stdio';
  credentials: McpKeyView[];
  /** With `login:`: what `auth login` stored. */
  login?: LoginStatus;
  summary: string;
}

export async function explainMcpServer(
  loaded: LoadedConfig,
  store: StateStore,
  minter: Minter,
  server: string,
): Promise<McpExplanation> {
  const s = loaded.config.mcp.servers[server]!;
  if (!('url' in s))
    return {
      server,
      kind: 'stdio',
      credentials: [],
      summary: `${server} is a local MCP server (${s.command[0] ?? ''}, run by the gateway over stdio): it takes no credential from Switchyard; its env: gives it what it needs`,
    };
  const now = Date.now();
  const creds = new McpCredentials({ loaded, store, minter }).credentials(server);
  const views = creds.map((c): McpKeyView => {
    const health = store.getHealth(c.fingerprint);
    const u = usability(health, now);
    return {
      credential: describe(c),
      id: c.fingerprint,
      state: effectiveHealth(health, now).state,
      usable: u.usable,
      ...(u.why !== undefined ? { why: u.why } : {}),
    };
  });
  const next = views.findIndex((v) => v.usable);
  const login = await loginStatus(loaded, store, server);
  // The login is the credential next in line, and there is none to use: what to run, not what would be used.
  const loginMissing = login !== undefined && login.state !== 'stored' && creds[next]?.minted?.spec.kind === 'login';
  const summary = loginMissing
    ? `${server} has no usable login: ${login.advice ?? ''}`
    : remoteSummary(server, s.url, views, views[next]);
  return { server, kind: 'remote', credentials: views, ...(login !== undefined ? { login } : {}), summary };
}

function remoteSummary(
  server: string,
  url: string,
  views: readonly McpKeyView[],
  next: McpKeyView | undefined,
): string {
  if (views.length === 0)
    return `${server} has no credential: requests go to ${url} without Authorization (add api_key, api_keys, api_key_file, api_key_command, oauth2 or login under mcp.servers.${server})`;
  if (next !== undefined) return `the next request to ${server} uses ${next.credential}`;
  return `no credential of ${server} is usable now: ${views.map((v) => `${v.credential} ${v.why ?? v.state}`).join('; ')}`;
}

export function printMcpExplanation(cli: CliRun, e: McpExplanation): void {
  cli.stdout.write(`MCP server ${e.server} (${e.kind}):\n`);
  for (const v of e.credentials)
    cli.stdout.write(`  ${v.id}  ${v.credential}  ${v.state}${v.why !== undefined ? ` (${v.why})` : ''}\n`);
  const now = Date.now();
  if (e.login !== undefined)
    cli.stdout.write(
      `  login: ${loginStatusLine(e.login, (iso) => formatClock(Date.parse(iso), { now, seconds: true }), now)}\n`,
    );
  cli.stdout.write(`→ ${e.summary}\n`);
}
