// An MCP server's credentials are Switchyard credentials (docs/mcp.md#credentials): its `api_key`/`api_keys` and one
// minted source (api_key_file, api_key_command, oauth2, or `login:` from `auth login`), health kept per fingerprint in the state store (so shared by
// replicas), tokens from the router's minter. Health records name the server as `mcp:NAME`.
import type { LoadedConfig } from '../config/types.ts';
import type { McpRemoteConfig } from '../config/schema.ts';
import { mask } from '../config/mask.ts';
import { failurePatch, successPatch, usability } from '../credentials/health.ts';
import { cachedFingerprint, configSource, mintedAsCredential } from '../credentials/resolve.ts';
import { loginSource, mintedSource } from '../credentials/minted/spec.ts';
import { loginAdvice } from '../credentials/minted/login-file.ts';
import type { Minter } from '../credentials/minted/minter.ts';
import type { Credential, FailureReport } from '../credentials/types.ts';
import type { StateStore } from '../state/types.ts';

/** A credential picked for one request, with the token to send. */
export interface PickedKey {
  credential: Credential;
  token: string;
}

export type KeyPick =
  | { ok: true; key: PickedKey }
  /** `none`: the server has no credential (it is sent no Authorization header). `unusable`: every one is set aside. */
  | { ok: false; reason: 'none' | 'unusable'; why: string };

export interface McpCredentialsOptions {
  loaded: LoadedConfig;
  store: StateStore;
  minter: Minter;
  now?: () => number;
  /** False: answers change no key's health (`doctor` without --record). Default true. */
  record?: boolean;
}

/** The health record's provider field for a server. */
export const healthName = (server: string): string => `mcp:${server}`;

export class McpCredentials {
  #loaded: LoadedConfig;
  readonly #store: StateStore;
  readonly #minter: Minter;
  readonly #now: () => number;
  readonly #record: boolean;

  constructor(options: McpCredentialsOptions) {
    this.#record = options.record !== false;
    this.#loaded = options.loaded;
    this.#store = options.store;
    this.#minter = options.minter;
    this.#now = options.now ?? Date.now;
  }

  setConfig(loaded: LoadedConfig): void {
    this.#loaded = loaded;
  }

  /** The server's credentials in use order: the keys written in the config, then its minted source. */
  credentials(server: string): Credential[] {
    const s = this.#remote(server);
    if (s === undefined) return [];
    const slot = `mcp.servers.${server}`;
    const written = [
      ...(s.api_key !== undefined ? [{ secret: s.api_key, where: `${slot}.api_key` }] : []),
      ...(s.api_keys ?? []).map((secret, i) => ({ secret, where: `${slot}.api_keys[${i}]` })),
    ].filter((k) => k.secret.trim() !== '');
    const creds: Credential[] = written.map((k) => ({
      provider: healthName(server),
      fingerprint: cachedFingerprint(k.secret.trim()),
      secret: k.secret.trim(),
      masked: mask(k.secret.trim()),
      sources: [configSource(this.#loaded.origins, k.where)],
    }));
    const minted =
      s.login !== undefined
        ? loginSource(this.#loaded, healthName(server), slot, {
            name: server,
            url: s.url,
            login: s.login,
            mint_wait: s.mint_wait,
          })
        : mintedSource(this.#loaded, healthName(server), slot, s);
    if (minted !== undefined) creds.push(mintedAsCredential(minted));
    return creds;
  }

  /** The first usable credential not in `exclude`, and its token (a minted one's from the minter). */
  async pick(server: string, exclude: ReadonlySet<string>): Promise<KeyPick> {
    const all = this.credentials(server);
    if (all.length === 0) return { ok: false, reason: 'none', why: 'no credential configured' };
    const now = this.#now();
    const whys: string[] = [];
    for (const c of all) {
      if (exclude.has(c.fingerprint)) continue;
      const u = usability(this.#store.getHealth(c.fingerprint), now);
      if (!u.usable) {
        // A login refused is signed in again, not waited out: said with the command.
        const advice = c.minted?.spec.kind === 'login' ? ` (${loginAdvice(server)})` : '';
        whys.push(`${describe(c)} ${u.why ?? 'is set aside'}${advice}`);
        continue;
      }
      const token = c.minted === undefined ? c.secret : (await this.#minter.token(c.minted, c.minted.waitMs)).token;
      return { ok: true, key: { credential: c, token } };
    }
    return { ok: false, reason: 'unusable', why: whys.join('; ') || 'every credential was tried for this request' };
  }

  /** After a 401: the minted source's next token (never the rejected one, unless the source gives it again). */
  async remint(key: PickedKey, status: number): Promise<PickedKey | undefined> {
    const source = key.credential.minted;
    if (source === undefined) return undefined;
    const t = await this.#minter.remint(source, key.token, status, source.waitMs);
    return t.token === key.token ? undefined : { credential: key.credential, token: t.token };
  }

  recordFailure(key: PickedKey, report: FailureReport): void {
    if (!this.#record) return;
    const fp = key.credential.fingerprint;
    const patch = failurePatch(
      this.#store.getHealth(fp),
      report,
      this.#loaded.config.cooldowns,
      this.#now(),
      key.credential.provider,
    );
    this.#store.applyHealth(fp, patch);
  }

  /** Written only when it changes something (a first success, or the end of a cooldown): not once per call. */
  recordSuccess(key: PickedKey, startedAt: number): void {
    if (!this.#record) return;
    const h = this.#store.getHealth(key.credential.fingerprint);
    if (h !== undefined && h.state === 'ok' && h.last_success_at !== undefined) return;
    this.#store.applyHealth(key.credential.fingerprint, successPatch(key.credential.provider, this.#now(), startedAt));
  }

  #remote(server: string): McpRemoteConfig | undefined {
    const s = this.#loaded.config.mcp.servers[server];
    return s !== undefined && 'url' in s ? s : undefined;
  }
}

/** `key sk-…a1b2 (mcp.servers.x.api_key)`, `oauth2 client … (mcp.servers.x.oauth2)`. */
export function describe(c: Credential): string {
  const where = c.sources[0]?.where ?? '';
  return c.minted !== undefined ? `${c.minted.describe} (${where})` : `key ${c.masked} (${where})`;
}
