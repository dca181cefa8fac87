// The simulator MCP server's authorization server, for `sim mcp --oauth-login` (docs/simulator.md#mcp): what the MCP
// authorization spec (2025-11-25) has a server demand — protected resource metadata (RFC 9728), authorization server
// metadata (RFC 8414), dynamic client registration (RFC 7591), an authorization endpoint that approves at once and
// redirects with the code, and a token endpoint that checks PKCE (S256), the redirect URI and the resource (RFC 8707),
// issuing short-lived access tokens and single-use refresh tokens, so a client's refresh is exercised for real.
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientCredentials } from '../oauth2/service.ts';

export interface McpLoginSimOptions {
  /** How long an access token is good for; default 300 s. */
  accessTtlSeconds?: number;
}

export interface McpLoginCounts {
  registered: number;
  authorized: number;
  /** Access tokens issued, by either grant. */
  issued: number;
  refreshed: number;
  invalid_grant: number;
}

interface Client {
  redirectUris: string[];
  secret?: string;
}

interface Code {
  client: string;
  redirectUri: string;
  challenge: string;
  resource?: string;
  scope?: string;
  expiresAt: number;
}

const PRM_PATH = '/.well-known/oauth-protected-resource';
const AS_PATH = '/.well-known/oauth-authorization-server';
const CODE_TTL_MS = 60_000;

export class McpLoginServer {
  readonly #base: string;
  readonly #resource: string;
  readonly #accept: (token: string) => void;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #clients = new Map<string, Client>();
  readonly #codes = new Map<string, Code>();
  /** Refresh token → its client, while unspent. */
  readonly #refresh = new Map<string, string>();
  readonly #counts: McpLoginCounts = { registered: 0, authorized: 0, issued: 0, refreshed: 0, invalid_grant: 0 };
  readonly #issued: string[] = [];

  constructor(o: {
    base: string;
    resource: string;
    accept: (token: string) => void;
    options: McpLoginSimOptions;
    now?: () => number;
  }) {
    this.#base = o.base;
    this.#resource = o.resource;
    this.#accept = o.accept;
    this.#ttl = o.options.accessTtlSeconds ?? 300;
    this.#now = o.now ?? Date.now;
  }

  /** The 401's challenge: where the protected resource metadata is (RFC 9728 §5.1). */
  get challenge(): string {
    return `Bearer resource_metadata="${this.#base}${PRM_PATH}${new URL(this.#resource).pathname}", scope="tools"`;
  }

  counts(): McpLoginCounts {
    return { ...this.#counts };
  }

  /** The access tokens issued, in order: a test expires one with the MCP sim's `expire`. */
  accessTokens(): readonly string[] {
    return this.#issued;
  }

  /** Every refresh token is refused from now on (the user revoked the app). */
  revokeRefreshTokens(): void {
    this.#refresh.clear();
  }

  /** Answers the request when its path is one of the authorization server's; false otherwise. */
  serve(req: IncomingMessage, res: ServerResponse, text: string): boolean {
    const url = new URL(req.url ?? '/', this.#base);
    const path = url.pathname;
    if (req.method === 'GET' && path.startsWith(PRM_PATH)) return this.#json(res, 200, this.#resourceMetadata());
    if (req.method === 'GET' && path.startsWith(AS_PATH)) return this.#json(res, 200, this.#serverMetadata());
    if (req.method === 'POST' && path === '/register') return this.#register(res, text);
    if (req.method === 'GET' && path === '/authorize') return this.#authorize(res, url.searchParams);
    if (req.method === 'POST' && path === '/token') return this.#token(req, res, new URLSearchParams(text));
    return false;
  }

  #resourceMetadata(): unknown {
    return {
      resource: this.#resource,
      authorization_servers: [this.#base],
      scopes_supported: ['tools'],
      bearer_methods_supported: ['header'],
    };
  }

  #serverMetadata(): unknown {
    return {
      issuer: this.#base,
      authorization_endpoint: `${this.#base}/authorize`,
      token_endpoint: `${this.#base}/token`,
      registration_endpoint: `${this.#base}/register`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
      scopes_supported: ['tools'],
    };
  }

  #register(res: ServerResponse, text: string): boolean {
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return this.#error(res, 400, 'invalid_client_metadata', 'the body is not JSON');
    }
    const uris = Array.isArray(meta['redirect_uris']) ? meta['redirect_uris'].filter((u) => typeof u === 'string') : [];
    if (uris.length === 0) return this.#error(res, 400, 'invalid_redirect_uri', 'redirect_uris is required');
    const id = `sim-client-${++this.#counts.registered}`;
    const method = meta['token_endpoint_auth_method'] === 'none' ? 'none' : 'client_secret_post';
    const client: Client = { redirectUris: uris };
    if (method !== 'none') client.secret = `sim-secret-${randomUUID().slice(0, 8)}`;
    this.#clients.set(id, client);
    return this.#json(res, 201, {
      ...meta,
      client_id: id,
      client_id_issued_at: Math.floor(this.#now() / 1000),
      token_endpoint_auth_method: method,
      ...(client.secret !== undefined ? { client_secret: client.secret } : {}),
    });
  }

  /** Approves at once: the user is taken to have signed in and consented. */
  #authorize(res: ServerResponse, q: URLSearchParams): boolean {
    const client = this.#clients.get(q.get('client_id') ?? '');
    const redirect = q.get('redirect_uri') ?? '';
    // An unknown client or redirect URI is never redirected to (RFC 6749 §4.1.2.1).
    if (client === undefined || !client.redirectUris.includes(redirect)) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client_id or redirect_uri');
      return true;
    }
    const back = new URL(redirect);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const challenge = q.get('code_challenge');
    const resource = q.get('resource') ?? undefined;
    const problem =
      q.get('response_type') !== 'code'
        ? 'unsupported_response_type'
        : challenge === null || q.get('code_challenge_method') !== 'S256'
          ? 'invalid_request'
          : resource !== undefined && resource !== this.#resource
            ? 'invalid_target'
            : undefined;
    if (problem !== undefined) back.searchParams.set('error', problem);
    else {
      const code = `sim-code-${randomUUID()}`;
      const c: Code = {
        client: q.get('client_id')!,
        redirectUri: redirect,
        challenge: challenge!,
        expiresAt: this.#now() + CODE_TTL_MS,
      };
      if (resource !== undefined) c.resource = resource;
      const scope = q.get('scope');
      if (scope !== null) c.scope = scope;
      this.#codes.set(code, c);
      this.#counts.authorized++;
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.href }).end();
    return true;
  }

  #token(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): boolean {
    const creds = clientCredentials(form, req.headers.authorization);
    const client = this.#clients.get(creds.id ?? '');
    if (client === undefined || (client.secret !== undefined && creds.secret !== client.secret))
      return this.#error(res, 401, 'invalid_client', 'client authentication failed');
    const resource = form.get('resource');
    if (resource !== null && resource !== this.#resource)
      return this.#error(res, 400, 'invalid_target', `the resource ${resource} is not served here`);
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') return this.#exchange(res, form, creds.id!);
    if (grant === 'refresh_token') {
      const given = form.get('refresh_token') ?? '';
      if (this.#refresh.get(given) !== creds.id) return this.#refused(res, 'the refresh token is not valid');
      this.#refresh.delete(given);
      this.#counts.refreshed++;
      return this.#issue(res, creds.id!, undefined);
    }
    return this.#error(res, 400, 'unsupported_grant_type', `grant_type ${grant ?? '(none)'} is not supported`);
  }

  #exchange(res: ServerResponse, form: URLSearchParams, client: string): boolean {
    const code = this.#codes.get(form.get('code') ?? '');
    this.#codes.delete(form.get('code') ?? '');
    if (code === undefined || code.client !== client || this.#now() >= code.expiresAt)
      return this.#refused(res, 'the authorization code is not valid');
    if (code.redirectUri !== form.get('redirect_uri')) return this.#refused(res, 'redirect_uri does not match');
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge)
      return this.#refused(res, 'the code_verifier does not match the code_challenge');
    return this.#issue(res, client, code.scope);
  }

  #issue(res: ServerResponse, client: string, scope: string | undefined): boolean {
    const access = `sim-mcp-at-${++this.#counts.issued}-${randomUUID().slice(0, 8)}`;
    const refresh = `sim-mcp-rt-${randomUUID()}`;
    this.#accept(access);
    this.#issued.push(access);
    this.#refresh.set(refresh, client);
    return this.#json(res, 200, {
      access_token: access,
      token_type: 'Bearer',
      expires_in: this.#ttl,
      refresh_token: refresh,
      ...(scope !== undefined ? { scope } : {}),
    });
  }

  #refused(res: ServerResponse, why: string): boolean {
    this.#counts.invalid_grant++;
    return this.#error(res, 400, 'invalid_grant', why);
  }

  #error(res: ServerResponse, status: number, error: string, description: string): boolean {
    return this.#json(res, status, { error, error_description: description });
  }

  #json(res: ServerResponse, status: number, body: unknown): boolean {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
    return true;
  }
}
