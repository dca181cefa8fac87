// The stored result of `switchyard auth login SERVER` (docs/mcp.md#signing-in-auth-login): the tokens, the client
// registration and the authorization server's metadata, in the state directory with mode 0600. The CLI writes it;
// the minter reads it as the seed of an MCP server's `login:` credential, as `refresh_token_file` is for oauth2.
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  AuthorizationServerMetadata,
  OAuthClientInformationMixed,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { readBounded } from './file.ts';
import { MintError } from './mint-error.ts';

export { loginPath } from './login-path.ts';

export interface StoredLogin {
  server: string;
  /** The MCP server's URL at sign-in: the tokens are sent to no other (a config that moves the server needs a login). */
  server_url: string;
  /** The RFC 8707 resource indicator the tokens were asked for, as sent; absent when the server published none. */
  resource?: string;
  /** Where the tokens come from (the protected resource metadata's first authorization server). */
  authorization_server: string;
  /** Its RFC 8414 / OIDC metadata as discovered: the token endpoint and the client authentication it takes. */
  metadata?: AuthorizationServerMetadata;
  /** The client: registered at sign-in (RFC 7591) or the config's `login.client_id`. */
  client: OAuthClientInformationMixed;
  access_token: string;
  refresh_token?: string;
  /** Epoch ms; absent: the server gave no expiry (used until refused). */
  expires_at?: number;
  scope?: string;
  logged_in_at: number;
}

/** The advice every failure of a login credential ends with. */
export function loginAdvice(server: string): string {
  return `run \`switchyard auth login ${server}\` to sign in again`;
}

/** Written whole (a temporary file renamed over the old one), readable by its owner only. */
export function writeLogin(path: string, login: StoredLogin): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** The stored login, or undefined when there is none; a file that is there but unreadable is a MintError. */
export async function readLogin(path: string, server: string, source: string): Promise<StoredLogin | undefined> {
  const got = await readBounded(path);
  if (!got.ok) {
    if (got.absent === true) return undefined;
    throw new MintError(source, got.failure, `the stored login ${path}: ${got.why}; ${loginAdvice(server)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(got.text);
  } catch {
    parsed = undefined;
  }
  if (!isLogin(parsed))
    throw new MintError(
      source,
      'format',
      `the stored login ${path} is not one \`auth login\` wrote; ${loginAdvice(server)}`,
    );
  return parsed;
}

function isLogin(v: unknown): v is StoredLogin {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const client = o['client'] as Record<string, unknown> | undefined;
  return (
    typeof o['server_url'] === 'string' &&
    typeof o['authorization_server'] === 'string' &&
    typeof o['access_token'] === 'string' &&
    typeof client?.['client_id'] === 'string'
  );
}
