// What is known of an MCP server's `login:` for `auth explain` and `doctor` (docs/mcp.md#signing-in-auth-login):
// whether `auth login` stored one, for which URL, until when its access token is good, whether a refresh token is
// kept — and what to run when something is missing. Read from the file and the mint record; never a token.
import type { LoadedConfig } from '../config/types.ts';
import { loginAdvice, readLogin } from '../credentials/minted/login-file.ts';
import { MintError } from '../credentials/minted/mint-error.ts';
import { loginSource } from '../credentials/minted/spec.ts';
import type { MintStore } from '../state/types.ts';
import { healthName } from './credentials.ts';

export interface LoginStatus {
  /** `none`: never signed in; `stored`: a login is there for this URL; `other_url`: stored for another URL;
   * `unreadable`: the file is there but cannot be used. */
  state: 'none' | 'stored' | 'other_url' | 'unreadable';
  file: string;
  logged_in_at?: string;
  /** The access token's expiry: the latest one minted (the state store) if any, else the stored one. */
  expires_at?: string;
  refresh_token: boolean;
  /** The last refresh's failure, when it came after the last success. */
  error?: string;
  /** What to run, when something is to be done. */
  advice?: string;
}

/** The server's login status, or undefined when it has no `login:`. */
export async function loginStatus(
  loaded: LoadedConfig,
  store: MintStore,
  server: string,
): Promise<LoginStatus | undefined> {
  const s = loaded.config.mcp.servers[server];
  if (s === undefined || !('url' in s) || s.login === undefined) return undefined;
  const source = loginSource(loaded, healthName(server), `mcp.servers.${server}`, {
    name: server,
    url: s.url,
    login: s.login,
  });
  const spec = source.spec as { file: string };
  const base = { file: spec.file, refresh_token: false };
  let stored;
  try {
    stored = await readLogin(spec.file, server, source.describe);
  } catch (err) {
    const why = MintError.isInstance(err) ? err.message : String(err);
    return { ...base, state: 'unreadable', error: why, advice: loginAdvice(server) };
  }
  if (stored === undefined)
    return { ...base, state: 'none', advice: `run \`switchyard auth login ${server}\` to sign in` };
  if (stored.server_url !== s.url)
    return {
      ...base,
      state: 'other_url',
      error: `the stored login is for ${stored.server_url}, and mcp.servers.${server}.url is ${s.url}`,
      advice: loginAdvice(server),
    };
  const record = await store.readMint(source.id).catch(() => undefined);
  const status: LoginStatus = {
    ...base,
    state: 'stored',
    logged_in_at: new Date(stored.logged_in_at).toISOString(),
    refresh_token: stored.refresh_token !== undefined,
  };
  const minted = record?.minted_at !== undefined && record.minted_at > stored.logged_in_at;
  const expires = minted ? record?.expires_at : stored.expires_at;
  if (expires !== undefined) status.expires_at = new Date(expires).toISOString();
  if (record?.error !== undefined && (record.error_at ?? 0) > Math.max(stored.logged_in_at, record.minted_at ?? 0)) {
    status.error = record.error;
    // A refusal's message names the command already.
    if (!record.error.includes('auth login')) status.advice = loginAdvice(server);
  } else if (!status.refresh_token)
    status.advice = `no refresh token is kept: once the access token ends, run \`switchyard auth login ${server}\` again`;
  return status;
}

/** One line for people: `login stored 15:02:10, access token expires 15:07:10, refresh token kept`. */
export function loginStatusLine(l: LoginStatus, clock: (iso: string) => string, now: number): string {
  const said: string[] = [];
  if (l.state === 'none') said.push('no login stored');
  else if (l.state === 'other_url') said.push(l.error ?? 'stored for another URL');
  else if (l.state === 'unreadable') said.push(l.error ?? 'the stored login cannot be read');
  else {
    said.push(`login stored ${clock(l.logged_in_at ?? '')}`);
    if (l.expires_at !== undefined)
      said.push(`access token ${Date.parse(l.expires_at) > now ? 'expires' : 'expired'} ${clock(l.expires_at)}`);
    said.push(l.refresh_token ? 'refresh token kept' : 'no refresh token');
    if (l.error !== undefined) said.push(`last refresh failed: ${l.error}`);
  }
  return `${said.join(', ')}${l.advice !== undefined ? ` — ${l.advice}` : ''}`;
}
