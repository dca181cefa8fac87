// `switchyard auth login SERVER` (docs/mcp.md#signing-in-auth-login): runs the MCP authorization flow once for a
// remote MCP server with `login:`, prints the URL (and opens it in a browser when one is there), and stores what it
// got in the state directory (mode 0600) for the gateway, which refreshes it from then on.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { LoadedConfig } from '../config/types.ts';
import type { McpLoginConfig } from '../config/schema.ts';
import { formatDurationSetting, parseDuration } from '../config/duration.ts';
import { didYouMean } from '../config/suggest.ts';
import { stateHome } from '../config/home.ts';
import { formatClock } from '../errors/explain-format.ts';
import { loginPath, writeLogin, type StoredLogin } from '../credentials/minted/login-file.ts';
import { loginSource } from '../credentials/minted/spec.ts';
import { healthName } from '../mcp/credentials.ts';
import { runLoginFlow } from '../mcp/login-flow.ts';
import { UserError } from '../user-error.ts';
import { cliConfig } from './context.ts';
import { closeCliStore, openCliStore } from './open-state.ts';
import type { CliRun } from './run.ts';

interface LoginOptions {
  browser: boolean;
  timeout: string;
  json?: boolean;
}

const DEFAULT_WAIT = '5m';

export function registerAuthLogin(auth: Command, cli: CliRun): void {
  auth
    .command('login <server>')
    .description(
      'sign in to an MCP server that demands the MCP authorization flow (`login:` under mcp.servers.SERVER) and store its tokens for the gateway',
    )
    .option('--no-browser', 'print the URL only, without opening a browser')
    .option('--timeout <duration>', 'how long to wait for the sign-in to come back', DEFAULT_WAIT)
    .option('--json', 'machine-readable output of what was stored (the URL to open goes to stderr)')
    .action((server: string, opts: LoginOptions, cmd: Command) => login(cli, cmd, server, opts));
}

interface LoginServer {
  url: string;
  login: McpLoginConfig;
  headers: Record<string, string>;
  mint_wait?: number | undefined;
}

/** The server named, if it is one `auth login` can sign in to; else a UserError saying why in the config's terms. */
export function loginServer(loaded: LoadedConfig, server: string): LoginServer {
  const servers = loaded.config.mcp.servers;
  const s = servers[server];
  if (s === undefined) {
    const names = Object.keys(servers);
    throw new UserError(
      names.length === 0
        ? `no MCP server named ${server}: the config has no mcp.servers (docs/mcp.md)`
        : `no MCP server named ${server} under mcp.servers${didYouMean(server, names)} (configured: ${names.join(', ')})`,
    );
  }
  if (!('url' in s))
    throw new UserError(
      `${server} is a local MCP server (command: under mcp.servers.${server}): it takes its credentials from its env:, and there is nothing to sign in to`,
    );
  if (s.login === undefined)
    throw new UserError(
      `mcp.servers.${server} has no login: setting, so there is nothing to sign in to: add \`login: true\` under mcp.servers.${server} for a server that demands the MCP authorization flow`,
    );
  return s as LoginServer;
}

async function login(cli: CliRun, cmd: Command, server: string, opts: LoginOptions): Promise<void> {
  const loaded = cliConfig(cli, cmd, { require: true });
  const s = loginServer(loaded, server);
  const waitMs = parseDuration(opts.timeout);
  if (waitMs === undefined || waitMs <= 0)
    throw new UserError(`--timeout: expected a duration such as 90s or 5m, got ${JSON.stringify(opts.timeout)}`);
  // With --json, stdout holds the JSON alone: what the person signing in reads goes to stderr.
  const say = opts.json === true ? cli.stderr : cli.stdout;
  const got = await runLoginFlow({
    server,
    url: s.url,
    config: s.login,
    headers: s.headers,
    waitMs,
    now: Date.now,
    onUrl: (url) => {
      say.write(`To sign in to MCP server ${server}, open this URL in a browser on this machine:\n\n  ${url.href}\n\n`);
      if (opts.browser && openBrowser(cli, url.href)) say.write('(opening it in your browser)\n');
      say.write(`Waiting up to ${formatDurationSetting(waitMs)} for the sign-in (Ctrl-C to stop)…\n`);
    },
  });
  const path = loginPath(stateHome({ ...loaded.env }), server);
  writeLogin(path, got);
  await forgetOldTokens(cli, loaded, server, s);
  if (opts.json === true) cli.json(signedInJson(got, path));
  else printSignedIn(cli, got, path);
}

/** What `--json` says was stored, in `auth explain --json`'s terms (mcp/login-status.ts): never a token. */
function signedInJson(got: StoredLogin, path: string): Record<string, unknown> {
  return {
    server: got.server,
    server_url: got.server_url,
    authorization_server: got.authorization_server,
    ...(got.resource !== undefined ? { resource: got.resource } : {}),
    scopes: got.scope?.split(' ').filter((s) => s !== '') ?? [],
    logged_in_at: new Date(got.logged_in_at).toISOString(),
    // null: the server gave none, and the token is used until it is refused.
    expires_at: got.expires_at === undefined ? null : new Date(got.expires_at).toISOString(),
    refresh_token: got.refresh_token !== undefined,
    file: path,
  };
}

/** A new login replaces what the last one left in the state store: its health (a refusal is not held against the new
 * tokens), its rotated refresh token, a token gateways shared; and running gateways are asked to take the new one. */
async function forgetOldTokens(cli: CliRun, loaded: LoadedConfig, server: string, s: LoginServer): Promise<void> {
  const provider = healthName(server);
  const source = loginSource(loaded, provider, `mcp.servers.${server}`, { name: server, ...s });
  const store = await openCliStore(cli, {
    kind: loaded.config.gateway.state,
    prefix: loaded.config.gateway.state_prefix,
    env: cli.env,
  });
  const now = Date.now();
  try {
    store.resetHealth(provider, source.id, now);
    await store.writeMint(source.id, {
      provider,
      at: now,
      refresh_requested_at: now,
      refresh_token: null,
      refresh_seed: null,
      token: null,
      error: null,
      error_at: null,
    });
  } finally {
    await closeCliStore(cli, store);
  }
}

function printSignedIn(cli: CliRun, got: StoredLogin, path: string): void {
  const now = Date.now();
  const expiry =
    got.expires_at === undefined
      ? 'the access token has no expiry given (used until the server refuses it)'
      : `the access token expires ${formatClock(got.expires_at, { now, seconds: true })}`;
  const refresh =
    got.refresh_token !== undefined
      ? 'a refresh token is kept, so the gateway renews it'
      : `no refresh token was given: once it ends, run \`switchyard auth login ${got.server}\` again`;
  cli.stdout.write(
    [
      `signed in to MCP server ${got.server} (${got.server_url}) through ${got.authorization_server}`,
      `  ${expiry}; ${refresh}`,
      `  stored in ${path} (mode 0600); a gateway on this state directory uses it from its next request`,
      '',
    ].join('\n'),
  );
}

/** Opens the URL in the desktop's browser when there is one to open; false when there is none (a server, SSH). */
function openBrowser(cli: CliRun, url: string): boolean {
  const env = cli.env;
  const command =
    process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""', url]
        : env['DISPLAY'] || env['WAYLAND_DISPLAY']
          ? ['xdg-open', url]
          : undefined;
  if (command === undefined) return false;
  try {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'ignore', detached: true, env: { ...env } });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
