// The MCP authorization flow (spec revision 2025-11-25) for `switchyard auth login SERVER`, run by the MCP SDK's
// `auth()` through an OAuthClientProvider kept in memory: the server's 401 names its protected resource metadata
// (RFC 9728), which names the authorization server (RFC 8414 / OIDC metadata); a client is registered (RFC 7591)
// unless the config gives one; the user is sent to the authorization URL (PKCE S256, the RFC 8707 resource), which
// comes back to a listener on 127.0.0.1 at a random port; the code is exchanged and the result returned to be stored.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { McpLoginConfig } from '../config/schema.ts';
import type { StoredLogin } from '../credentials/minted/login-file.ts';
import { formatDurationSetting } from '../config/duration.ts';
import { UserError } from '../user-error.ts';
import { VERSION } from '../version.ts';

export interface LoginFlowOptions {
  server: string;
  url: string;
  config: McpLoginConfig;
  /** The server's `headers:`, sent with the first request as the gateway sends them. */
  headers: Readonly<Record<string, string>>;
  /** How long to wait for the browser to come back. */
  waitMs: number;
  now: () => number;
  /** The authorization URL, to print and open. */
  onUrl: (url: URL) => void | Promise<void>;
}

const CALLBACK_PATH = '/callback';
/** How long the first, unauthenticated request may take. */
const PROBE_TIMEOUT_MS = 30_000;

/** Runs the whole flow; the login to store, or a UserError saying what went wrong and where. */
export async function runLoginFlow(o: LoginFlowOptions): Promise<StoredLogin> {
  const { auth } = await import('@modelcontextprotocol/sdk/client/auth.js');
  const state = randomBytes(24).toString('base64url');
  await using listener = await listenForCallback(state);
  const provider = new LoginProvider(listener.redirectUrl, o.config, state);
  const challenge = await probe(o);
  const options = {
    serverUrl: o.url,
    ...(challenge.resourceMetadataUrl !== undefined ? { resourceMetadataUrl: challenge.resourceMetadataUrl } : {}),
    ...(o.config.scope !== undefined || challenge.scope !== undefined
      ? { scope: o.config.scope ?? challenge.scope }
      : {}),
  };
  const first = await auth(provider, options).catch((err: unknown) => {
    throw flowError(o, 'could not start the sign-in', err);
  });
  if (first !== 'REDIRECT' || provider.authorizationUrl === undefined)
    throw new UserError(`the sign-in to MCP server ${o.server} did not ask for a browser; nothing was stored`);
  await o.onUrl(provider.authorizationUrl);
  const back = await listener.wait(o.waitMs);
  if (back === undefined)
    throw new UserError(
      `no sign-in came back within ${formatDurationSetting(o.waitMs)}: the URL was not opened, or the sign-in was not finished; nothing was stored`,
      { exitCode: 1, details: [`run \`switchyard auth login ${o.server}\` again (--timeout gives more time)`] },
    );
  if (back.state !== provider.stateValue)
    throw new UserError(
      `the sign-in that came back is not this one (its state does not match): it was not started by this command; nothing was stored`,
      { exitCode: 1, details: [`run \`switchyard auth login ${o.server}\` again and open the URL it prints`] },
    );
  if (back.error !== undefined || back.code === undefined)
    throw new UserError(
      `the authorization server refused the sign-in: ${back.error ?? 'no code'}${back.description ? ` (${back.description})` : ''}; nothing was stored`,
      { exitCode: 1 },
    );
  await auth(provider, { ...options, authorizationCode: back.code }).catch((err: unknown) => {
    throw flowError(o, 'could not exchange the code for tokens', err);
  });
  return provider.stored(o, o.now());
}

/** What the server's 401 says (RFC 9728 §5.1): where its metadata is, and the scope it wants. */
async function probe(o: LoginFlowOptions): Promise<{ resourceMetadataUrl?: URL; scope?: string }> {
  const { extractWWWAuthenticateParams } = await import('@modelcontextprotocol/sdk/client/auth.js');
  const { LATEST_PROTOCOL_VERSION } = await import('@modelcontextprotocol/sdk/types.js');
  let res: Response;
  try {
    res = await fetch(o.url, {
      method: 'POST',
      headers: { ...o.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: 'switchyard', version: VERSION },
        },
      }),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
  } catch (err) {
    const e = err as { cause?: { code?: string }; message?: string };
    throw new UserError(
      `MCP server ${o.server} could not be reached at ${o.url} (${e.cause?.code ?? e.message ?? String(err)}) (mcp.servers.${o.server}.url)`,
      { exitCode: 1 },
    );
  }
  await res.body?.cancel();
  const { resourceMetadataUrl, scope } = res.status === 401 ? extractWWWAuthenticateParams(res) : {};
  return { ...(resourceMetadataUrl !== undefined ? { resourceMetadataUrl } : {}), ...(scope ? { scope } : {}) };
}

function flowError(o: LoginFlowOptions, what: string, err: unknown): UserError {
  const why = err instanceof Error ? err.message : String(err);
  return new UserError(`the sign-in to MCP server ${o.server} (${o.url}) ${what}: ${why.slice(0, 300)}`, {
    exitCode: 1,
  });
}

/** The SDK's view of this one sign-in: everything in memory, handed back whole at the end (`stored`). */
class LoginProvider implements OAuthClientProvider {
  readonly #redirect: string;
  readonly #config: McpLoginConfig;
  readonly stateValue: string;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';
  #discovery: OAuthDiscoveryState | undefined;
  authorizationUrl: URL | undefined;

  constructor(redirect: string, config: McpLoginConfig, state: string) {
    this.#redirect = redirect;
    this.#config = config;
    this.stateValue = state;
    if (config.client_id !== undefined)
      this.#client = {
        client_id: config.client_id,
        ...(config.client_secret !== undefined ? { client_secret: config.client_secret } : {}),
      };
  }

  get redirectUrl(): string {
    return this.#redirect;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Switchyard',
      redirect_uris: [this.#redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // A CLI keeps no secret worth the name: a public client, held to PKCE.
      token_endpoint_auth_method: this.#config.client_secret !== undefined ? 'client_secret_post' : 'none',
      ...(this.#config.scope !== undefined ? { scope: this.#config.scope } : {}),
    };
  }

  state(): string {
    return this.stateValue;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.#client = info;
  }

  /** None before the code is exchanged: a login always signs in anew. */
  tokens(): OAuthTokens | undefined {
    return undefined;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    return this.#verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }

  stored(o: LoginFlowOptions, now: number): StoredLogin {
    const t = this.#tokens;
    const d = this.#discovery;
    if (t === undefined || d === undefined || this.#client === undefined)
      throw new UserError(`the sign-in to MCP server ${o.server} ended without tokens; nothing was stored`, {
        exitCode: 1,
      });
    const login: StoredLogin = {
      server: o.server,
      server_url: o.url,
      authorization_server: d.authorizationServerUrl,
      client: this.#client,
      access_token: t.access_token,
      logged_in_at: now,
    };
    // As auth() sends it: the metadata's resource verbatim.
    if (d.resourceMetadata?.resource !== undefined) login.resource = d.resourceMetadata.resource;
    if (d.authorizationServerMetadata !== undefined) login.metadata = d.authorizationServerMetadata;
    if (t.refresh_token !== undefined) login.refresh_token = t.refresh_token;
    if (t.expires_in !== undefined && t.expires_in > 0) login.expires_at = now + t.expires_in * 1000;
    if (t.scope !== undefined) login.scope = t.scope;
    return login;
  }
}

interface Callback {
  code?: string;
  state?: string;
  error?: string;
  description?: string;
}

interface CallbackListener extends AsyncDisposable {
  redirectUrl: string;
  /** The first callback, or undefined after `ms`. */
  wait(ms: number): Promise<Callback | undefined>;
}

/** A listener on 127.0.0.1 at a port the system picks (RFC 8252 §7.3), for the browser's redirect back; the page it
 * answers says signed in only for this sign-in's `state`. */
async function listenForCallback(state: string): Promise<CallbackListener> {
  let arrived: (c: Callback) => void = () => {};
  const first = new Promise<Callback>((resolve) => (arrived = resolve));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const q = url.searchParams;
    const c: Callback = {};
    for (const [k, field] of [
      ['code', 'code'],
      ['state', 'state'],
      ['error', 'error'],
      ['error_description', 'description'],
    ] as const) {
      const v = q.get(k);
      if (v !== null) c[field] = v;
    }
    const ok = c.code !== undefined && c.error === undefined && c.state === state;
    res
      .writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(
        page(
          ok
            ? 'Signed in. You can close this tab and go back to the terminal.'
            : 'The sign-in did not finish; see the terminal.',
        ),
      );
    arrived(c);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    redirectUrl: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    wait: (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
      return Promise.race([first, late]).finally(() => clearTimeout(timer));
    },
    [Symbol.asyncDispose]: close,
  };
}

function page(text: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Switchyard</title><p>${text}</p>\n`;
}
