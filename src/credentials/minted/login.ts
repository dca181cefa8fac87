// An MCP server's `login:` token (docs/mcp.md#signing-in-auth-login): the access token `auth login` stored while it
// is good, then the refresh token spent at the authorization server it found, through the MCP SDK's own
// `refreshAuthorization` (its client authentication, the RFC 8707 resource). A refusal names the command to run.
import { MintError } from './mint-error.ts';
import { loginAdvice, type StoredLogin } from './login-file.ts';
import type { LoginSpec } from './spec.ts';

export interface LoginRefresh {
  token: string;
  expiresAt?: number;
  /** A new refresh token, when the server rotated it. */
  refreshToken?: string;
}

/** One refresh_token grant with the stored client; `spend` is the refresh token to use (the latest rotated one). */
export async function refreshLogin(
  spec: LoginSpec,
  login: StoredLogin,
  spend: string,
  source: string,
  now: () => number,
): Promise<LoginRefresh> {
  const { refreshAuthorization } = await import('@modelcontextprotocol/sdk/client/auth.js');
  const signal = AbortSignal.timeout(spec.timeoutMs);
  try {
    const t = await refreshAuthorization(login.authorization_server, {
      ...(login.metadata !== undefined ? { metadata: login.metadata } : {}),
      clientInformation: login.client,
      refreshToken: spend,
      ...(login.resource !== undefined ? { resource: login.resource } : {}),
      fetchFn: (url, init) => fetch(url, { ...init, signal }),
    });
    const out: LoginRefresh = { token: t.access_token };
    if (t.expires_in !== undefined && t.expires_in > 0) out.expiresAt = now() + t.expires_in * 1000;
    if (t.refresh_token !== undefined && t.refresh_token !== spend) out.refreshToken = t.refresh_token;
    return out;
  } catch (err) {
    throw await refreshFailure(spec, login, err, signal, source, spend);
  }
}

/** The SDK's error in the user's terms: a refused grant or client means signing in again. */
async function refreshFailure(
  spec: LoginSpec,
  login: StoredLogin,
  err: unknown,
  signal: AbortSignal,
  source: string,
  spend: string,
): Promise<MintError> {
  const { InvalidGrantError, InvalidClientError, UnauthorizedClientError, OAuthError } =
    await import('@modelcontextprotocol/sdk/server/auth/errors.js');
  const at = host(login.authorization_server);
  const said = (e: Error): string => e.message.split(spend).join('[redacted]').slice(0, 200);
  if (signal.aborted)
    return new MintError(
      source,
      'timeout',
      `the authorization server ${at} did not answer within ${spec.timeoutMs / 1000}s`,
    );
  if (err instanceof InvalidGrantError || err instanceof InvalidClientError || err instanceof UnauthorizedClientError)
    return new MintError(
      source,
      'invalid_grant',
      `the authorization server ${at} refused the stored login (${err.errorCode}${err.message ? `: ${said(err)}` : ''}); ${loginAdvice(spec.server)}`,
    );
  if (err instanceof OAuthError)
    return new MintError(source, 'refused', `the authorization server ${at} answered ${err.errorCode}: ${said(err)}`);
  if (err instanceof TypeError)
    return new MintError(source, 'connection', `the authorization server ${at} could not be reached (${said(err)})`);
  const e = err instanceof Error ? err : new Error(String(err));
  return new MintError(source, 'format', `the authorization server ${at} answered with no usable token (${said(e)})`);
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
