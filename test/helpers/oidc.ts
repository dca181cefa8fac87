// A real OpenID Connect provider on loopback for the dashboard's SSO tests: `oidc-provider` with its development
// sign-in form (any login, any password), one confidential client, and users whose `groups` claim the gateway maps to
// roles. It keeps every token it issued, so a test can look for them where none may be (logs, spans, the audit).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface LocalOidc extends AsyncDisposable {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Every access, ID and refresh token and code the provider issued so far. */
  issued: string[];
}

export interface LocalOidcOptions {
  /** The gateway's callback, registered for the client. */
  redirectUrl: string;
  /** A login's `groups` claim, by login. */
  groups: Record<string, string[]>;
}

/** Tokens a token endpoint answer holds. */
function tokensIn(body: string): string[] {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    return ['access_token', 'id_token', 'refresh_token']
      .map((k) => json[k])
      .filter((v): v is string => typeof v === 'string');
  } catch {
    return [];
  }
}

/** Keeps what the token endpoint answers, and the codes the provider sends back in its redirects. */
function watched(handler: (req: IncomingMessage, res: ServerResponse) => void, issued: string[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (req.url?.startsWith('/token') && chunk !== undefined) issued.push(...tokensIn(String(chunk)));
      const location = res.getHeader('location');
      const code = typeof location === 'string' ? /[?&]code=([^&]+)/.exec(location)?.[1] : undefined;
      if (code !== undefined) issued.push(decodeURIComponent(code));
      return end(chunk, ...rest);
    }) as typeof res.end;
    handler(req, res);
  };
}

export async function startLocalOidc(options: LocalOidcOptions): Promise<LocalOidc> {
  const issued: string[] = [];
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'switchyard-dashboard';
  const clientSecret = 'sso-client-secret-5b1e0c7d9a2f44e8';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUrl],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], email: ['email'], profile: ['groups'] },
    cookies: { keys: ['local-oidc-cookie-key-for-tests'] },
    pkce: { required: () => true },
    // Set, so the provider does not warn about its defaults on every sign-in.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, email: `${sub}@example.com`, groups: options.groups[sub] ?? [] }),
    }),
  });
  handler = watched(provider.callback(), issued);
  return {
    issuer,
    clientId,
    clientSecret,
    issued,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
