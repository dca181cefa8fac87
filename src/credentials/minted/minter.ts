// A minted source's token: cached, minted again ahead of expiry, one mint at a time (across processes for OAuth2, so a
// single-use refresh token is spent once), a failed mint not rerun for seconds (docs/minted.md#how-minting-works).
import { awsKeys } from './aws-credentials.ts';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { MintStore } from '../../state/types.ts';
import { fingerprint } from '../../config/mask.ts';
import { runKeyCommand } from './command.ts';
import { fileVersion, readBounded, readKeyFile } from './file.ts';
import { MintError } from './mint-error.ts';
import { rejectedReason, type MintReason } from './mint-reason.ts';
import { requestToken } from './oauth2.ts';
import type { LoginSpec, MintedSource, OAuth2Spec } from './spec.ts';
import { loginAdvice, readLogin } from './login-file.ts';
import { refreshLogin } from './login.ts';
import { sharedToken, sharedTokenPatch } from './shared-token.ts';
import { formatDurationSetting } from '../../config/duration.ts';

export interface MintedToken {
  token: string;
  mintedAt: number;
  /** Epoch ms; undefined: used until it is rejected (a file, a bare token with no ttl). */
  expiresAt?: number;
}

/** When tokens are refreshed and given up, as a table (times in ms). */
export const MINT_POLICY = {
  /** A background mint starts at expiry − min(refreshAheadMs, refreshAheadShare × lifetime). */
  refreshAheadMs: 60_000,
  refreshAheadShare: 0.25,
  /** A token is not sent after expiry − min(safetyMs, safetyShare × lifetime): it could expire on the way. */
  safetyMs: 5_000,
  safetyShare: 0.05,
  /** A failed mint is said again, not retried, for this long (forced mints excepted). */
  failureHoldMs: 5_000,
  /** How often a key file is checked for a change, in the background. */
  fileCheckMs: 1_000,
  /** How often a long-running process looks for `auth refresh` asking it to mint again (watchRefreshRequests). */
  refreshWatchMs: 1_000,
  /** How often a process waiting for another's lease asks again. */
  leasePollMs: 25,
  /** A lease outlives the mint's own timeout by this much, so a process that died holding it frees it soon. */
  leaseSlackMs: 5_000,
} as const;

export type MintEvent =
  | {
      type: 'minted';
      source: MintedSource;
      expiresAt?: number;
      why: MintReason;
    }
  | { type: 'mint_failed'; source: MintedSource; error: MintError }
  /** The rotated refresh token could not be written to the state store: this process keeps it. */
  | { type: 'store_failed'; source: MintedSource; message: string };

/** What `auth list` shows of a source in this process; never the token. */
export interface MintStatus {
  mintedAt?: number;
  reason?: MintReason;
  expiresAt?: number;
  error?: string;
  errorAt?: number;
}

export interface MinterOptions {
  /** Leases and mint records; without one, mints are single-flight in this process only. */
  store?: MintStore;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (event: MintEvent) => void;
  /** A gateway worker: a command's or OAuth2 endpoint's token is minted under the store's lease and kept in the store,
   * so sibling workers take it rather than mint their own (shared-token.ts). Needs `store`. */
  shareTokens?: boolean;
}

/** What a mint gave: a token minted here, or one a sibling worker minted (`shared`: why it minted it). */
interface Got {
  token: MintedToken;
  shared?: MintReason;
}

interface Cached extends MintedToken {
  reason: MintReason;
  refreshAt?: number;
  staleAt?: number;
}

interface Entry {
  version: string;
  source: MintedSource;
  current?: Cached;
  /** Used since it was minted: only then is it worth refreshing ahead. */
  used: boolean;
  inflight?: Promise<MintedToken>;
  /** When the mint in flight started: a request joining it late waits only what is left of its bound. */
  inflightSince?: number;
  failure?: { error: MintError; at: number };
  timer?: NodeJS.Timeout;
  file?: { version?: string; checkedAt: number; checking: boolean };
  /** A rotated refresh token this process could not write to the store. */
  unsaved?: string;
}

export class Minter {
  readonly #entries = new Map<string, Entry>();
  readonly #store: MintStore | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #holder = `${hostname()}/${process.pid}/${randomUUID()}`;
  readonly #shareTokens: boolean;
  readonly #startedAt: number;
  #onEvent: (event: MintEvent) => void;
  #closed = false;
  /** Aborted by close(): a key command still running is stopped with its process group. */
  readonly #stopping = new AbortController();
  #watch: NodeJS.Timeout | undefined;
  /** watchRefreshRequests was called: the watch starts with the first source used. */
  #watchAsked = false;

  constructor(options: MinterOptions = {}) {
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#onEvent = options.onEvent ?? (() => {});
    this.#shareTokens = options.shareTokens === true && options.store !== undefined;
    this.#startedAt = this.#now();
  }

  set onEvent(listener: (event: MintEvent) => void) {
    this.#onEvent = listener;
  }

  /** The token to send now: the cached one while it is good (refreshed ahead in the background), else a mint. A mint
   * running longer than `waitMs` fails the wait with a `wait` MintError and goes on for the requests after. */
  async token(source: MintedSource, waitMs = Infinity): Promise<MintedToken> {
    const e = this.#entry(source);
    const cur = e.current;
    const now = this.#now();
    if (cur !== undefined && (cur.staleAt === undefined || now < cur.staleAt)) {
      e.used = true;
      if (cur.refreshAt !== undefined && now >= cur.refreshAt) this.#background(source, e, 'expiring');
      if (source.spec.kind === 'file') this.#checkFile(source, e);
      return cur;
    }
    try {
      return await this.#within(source, e, this.#mint(source, e, staleReason(cur, now), false), waitMs);
    } catch (err) {
      // Past its safety margin but not its expiry: better sent than nothing.
      if (cur?.expiresAt !== undefined && now < cur.expiresAt) return cur;
      throw err;
    }
  }

  /** After a 401/403: a token other than `rejected` if one can be had (may be `rejected` again if the source gives it).
   * `status` is kept as the mint's reason. */
  async remint(source: MintedSource, rejected: string, status?: number, waitMs = Infinity): Promise<MintedToken> {
    const e = this.#entry(source);
    if (e.current !== undefined && e.current.token !== rejected) return e.current;
    if (e.inflight !== undefined) {
      const t = await this.#within(source, e, e.inflight, waitMs).catch((err: unknown) => {
        if (MintError.isInstance(err) && err.failure === 'wait') throw err;
        return undefined;
      });
      if (t !== undefined && t.token !== rejected) return t;
    }
    return this.#within(source, e, this.#mint(source, e, rejectedReason(status), false), waitMs);
  }

  /** The mint's token if it comes within what is left of `waitMs` since the mint started; else a `wait` failure
   * while the mint goes on (it is not a failed mint: nothing is held against the source). */
  #within(source: MintedSource, e: Entry, minting: Promise<MintedToken>, waitMs: number): Promise<MintedToken> {
    if (!Number.isFinite(waitMs)) return minting;
    // A wait given up leaves the mint to end alone: its failure is the failure record's, not an unhandled rejection.
    minting.catch(() => {});
    // Only the mint in flight started earlier; a failure held from a moment ago is said at once, as itself.
    const since = minting === e.inflight ? (e.inflightSince ?? this.#now()) : this.#now();
    const left = waitMs - (this.#now() - since);
    const gaveUp = (): MintError =>
      new MintError(
        source.describe,
        'wait',
        `no token within ${formatDurationSetting(waitMs)}; the mint goes on and later requests use its token`,
      );
    if (left <= 0) return Promise.reject(gaveUp());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(gaveUp()), left);
      minting.then(
        (t) => {
          clearTimeout(timer);
          resolve(t);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /** A mint now, whatever is cached or failed a moment ago (`auth refresh`). */
  refresh(source: MintedSource): Promise<MintedToken> {
    return this.#mint(source, this.#entry(source), 'forced', true);
  }

  status(source: MintedSource): MintStatus | undefined {
    const e = this.#entries.get(source.id);
    if (e === undefined || e.version !== source.version) return undefined;
    const s: MintStatus = {};
    if (e.current !== undefined) {
      s.mintedAt = e.current.mintedAt;
      s.reason = e.current.reason;
      if (e.current.expiresAt !== undefined) s.expiresAt = e.current.expiresAt;
    }
    if (e.failure !== undefined && (e.current === undefined || e.failure.at > e.current.mintedAt)) {
      s.error = e.failure.error.message;
      s.errorAt = e.failure.at;
    }
    return s;
  }

  close(): void {
    this.#closed = true;
    this.#stopping.abort();
    clearInterval(this.#watch);
    for (const e of this.#entries.values()) clearTimeout(e.timer);
  }

  /** For a long-running process (the gateway): `auth refresh` in another process asks, through the state store, for
   * the tokens held here to be minted again; each source holding a token is looked up once a second, from the first
   * source used on. Until then there is nothing to mint again, and an idle gateway is not woken for it. */
  watchRefreshRequests(): void {
    this.#watchAsked = true;
    if (this.#entries.size > 0) this.#startWatch();
  }

  #startWatch(): void {
    const store = this.#store;
    if (store === undefined || this.#watch !== undefined || this.#closed) return;
    let busy = false;
    this.#watch = setInterval(() => {
      if (busy) return;
      busy = true;
      // A failure here (a store that throws) waits for the next tick; it is never left unhandled.
      void this.#answerRefreshRequests(store)
        .catch(() => {})
        .finally(() => {
          busy = false;
        });
    }, MINT_POLICY.refreshWatchMs);
    this.#watch.unref();
  }

  async #answerRefreshRequests(store: MintStore): Promise<void> {
    for (const e of this.#entries.values()) {
      const cur = e.current;
      if (cur === undefined) continue;
      const record = await store.readMint(e.source.id).catch(() => undefined);
      if (record?.refresh_requested_at !== undefined && record.refresh_requested_at > cur.mintedAt && e.current === cur)
        this.#background(e.source, e, 'asked');
    }
  }

  #entry(source: MintedSource): Entry {
    let e = this.#entries.get(source.id);
    if (e === undefined || e.version !== source.version) {
      // Another version of the source (a new client secret, another passthrough value): start afresh.
      if (e !== undefined) clearTimeout(e.timer);
      e = { version: source.version, source, used: false };
      this.#entries.set(source.id, e);
      if (this.#watchAsked) this.#startWatch();
    }
    return e;
  }

  #background(source: MintedSource, e: Entry, why: MintReason): void {
    if (e.inflight !== undefined || this.#closed) return;
    if (e.failure !== undefined && this.#now() - e.failure.at < MINT_POLICY.failureHoldMs) return;
    this.#mint(source, e, why, false).catch(() => {});
  }

  #mint(source: MintedSource, e: Entry, why: MintReason, forced: boolean): Promise<MintedToken> {
    if (e.inflight !== undefined) return e.inflight;
    if (!forced && e.failure !== undefined && this.#now() - e.failure.at < MINT_POLICY.failureHoldMs)
      return Promise.reject(e.failure.error);
    const p = this.#mintOnce(source, e, why).then(
      ({ token, shared }) => {
        if (shared !== undefined) {
          this.#keep(source, e, token, shared);
          return token;
        }
        this.#keep(source, e, token, why);
        this.#onEvent(
          token.expiresAt === undefined
            ? { type: 'minted', source, why }
            : { type: 'minted', source, why, expiresAt: token.expiresAt },
        );
        this.#record(source, {
          minted_at: token.mintedAt,
          mint_reason: why,
          expires_at: token.expiresAt ?? null,
          error: null,
          error_at: null,
        });
        return token;
      },
      (err: unknown) => {
        const error = MintError.isInstance(err)
          ? err
          : new MintError(source.describe, 'exit', err instanceof Error ? err.message : String(err));
        const at = this.#now();
        e.failure = { error, at };
        this.#onEvent({ type: 'mint_failed', source, error });
        this.#record(source, { error: error.message, error_at: at });
        throw error;
      },
    );
    e.inflightSince = this.#now();
    e.inflight = p.finally(() => {
      if (e.inflight === q) e.inflight = undefined;
    });
    const q = e.inflight;
    // The caller handles the rejection; the copy kept for joiners must not count as unhandled.
    q.catch(() => {});
    return q;
  }

  async #mintOnce(source: MintedSource, e: Entry, why: MintReason): Promise<Got> {
    const spec = source.spec;
    const mintedAt = this.#now();
    if (spec.kind === 'file') {
      // Reading a file is cheap and local: each worker reads it itself.
      const version = await fileVersion(spec);
      const t = await readKeyFile(spec, source.describe, mintedAt);
      e.file = { checkedAt: mintedAt, checking: false, ...(version !== undefined ? { version } : {}) };
      return { token: withExpiry({ token: t.token, mintedAt }, t.expiresAt) };
    }
    if (spec.kind === 'aws') {
      // Local files and the SDK's chain: each process reads them itself, as it reads a key file.
      const t = await awsKeys(spec, source.describe);
      return { token: withExpiry({ token: t.token, mintedAt }, t.expiresAt) };
    }
    const run =
      spec.kind === 'command'
        ? async (): Promise<MintedToken> => {
            // Timed from the run, not the call: a worker may have waited for the lease first.
            const at = this.#now();
            const t = await runKeyCommand(spec, source.describe, this.#now, this.#stopping.signal);
            return withExpiry(
              { token: t.token, mintedAt: at },
              t.expiresAt ?? (spec.ttlMs !== undefined ? at + spec.ttlMs : undefined),
            );
          }
        : spec.kind === 'oauth2'
          ? () => this.#oauth2(source, spec, e)
          : () => this.#login(source, spec, e, why);
    if (this.#shareTokens)
      return this.#withLease(source, spec.timeoutMs, () => this.#sharedOrMinted(source, e, why, run));
    if (spec.kind === 'command') return { token: await run() };
    return this.#withLease(source, spec.timeoutMs, async () => ({ token: await run() }));
  }

  /** Under the lease: the token a sibling worker minted while this one waited, else one minted now and written to
   * the store before the lease is let go. A store that cannot take it only costs the siblings a mint of their own. */
  async #sharedOrMinted(
    source: MintedSource,
    e: Entry,
    why: MintReason,
    run: () => Promise<MintedToken>,
  ): Promise<Got> {
    const store = this.#store;
    const record = await store?.readMint(source.id).catch(() => undefined);
    const clock = { now: this.#now(), startedAt: this.#startedAt };
    const shared = sharedToken(record, source, why, e.current?.token, clock, refreshAtOf);
    if (shared !== undefined)
      return {
        token: withExpiry({ token: shared.token, mintedAt: shared.mintedAt }, shared.expiresAt),
        shared: shared.reason,
      };
    const token = await run();
    await store?.writeMint(source.id, sharedTokenPatch(source, token, why, this.#now())).catch(() => {});
    return { token };
  }

  async #oauth2(source: MintedSource, spec: OAuth2Spec, e: Entry): Promise<MintedToken> {
    const mintedAt = this.#now();
    if (spec.grant === 'client_credentials' || spec.grant === 'jwt_bearer') {
      const a = await requestToken(spec, source.describe, this.#now);
      return withExpiry({ token: a.token, mintedAt }, a.expiresAt);
    }
    const seedToken = await this.#configuredRefreshToken(source, spec);
    const seed = fingerprint(seedToken);
    const spend = await this.#latestRefreshToken(source, seed, seedToken, e);
    const a = await requestToken(spec, source.describe, this.#now, spend);
    if (a.refreshToken !== undefined && a.refreshToken !== spend)
      await this.#keepRotated(source, e, seed, a.refreshToken);
    return withExpiry({ token: a.token, mintedAt }, a.expiresAt);
  }

  /** Kept before the lease is let go: the next holder must spend this one, not the one just used up. */
  async #keepRotated(source: MintedSource, e: Entry, seed: string, refreshToken: string): Promise<void> {
    try {
      if (this.#store === undefined) throw new Error('no state store');
      await this.#store.writeMint(source.id, {
        provider: source.provider,
        at: this.#now(),
        refresh_token: refreshToken,
        refresh_seed: seed,
      });
      e.unsaved = undefined;
    } catch (err) {
      e.unsaved = refreshToken;
      this.#onEvent({ type: 'store_failed', source, message: err instanceof Error ? err.message : String(err) });
    }
  }

  /** An MCP server's `login:`: the stored access token while it is good and not the one held (a token refused, or
   * due for refreshing, is the one held), else a refresh with the latest refresh token descended from the login. */
  async #login(source: MintedSource, spec: LoginSpec, e: Entry, why: MintReason): Promise<MintedToken> {
    const mintedAt = this.#now();
    const login = await readLogin(spec.file, spec.server, source.describe);
    if (login === undefined)
      throw new MintError(
        source.describe,
        'read',
        `no login is stored for MCP server ${spec.server}; ${loginAdvice(spec.server).replace(' again', '')}`,
      );
    if (login.server_url !== spec.serverUrl)
      throw new MintError(
        source.describe,
        'read',
        `the stored login is for ${login.server_url}, and mcp.servers.${spec.server}.url is ${spec.serverUrl} now; ${loginAdvice(spec.server)}`,
      );
    const seed = fingerprint(login.refresh_token ?? login.access_token);
    const spend =
      login.refresh_token === undefined
        ? undefined
        : await this.#latestRefreshToken(source, seed, login.refresh_token, e);
    const superseded = spend !== undefined && spend !== login.refresh_token;
    const fresh = login.expires_at === undefined || mintedAt < login.expires_at - MINT_POLICY.safetyMs;
    // A forced mint is a new token; a refusal with nothing held may have been of the stored one.
    const unknownRefusal = (why === 'rejected_401' || why === 'rejected_403') && e.current === undefined;
    if (fresh && !superseded && e.current?.token !== login.access_token && why !== 'forced' && !unknownRefusal)
      return withExpiry({ token: login.access_token, mintedAt }, login.expires_at);
    if (spend === undefined)
      throw new MintError(
        source.describe,
        'invalid_grant',
        `the stored access token is no longer good and the server gave no refresh token; ${loginAdvice(spec.server)}`,
      );
    const a = await refreshLogin(spec, login, spend, source.describe, this.#now);
    if (a.refreshToken !== undefined) await this.#keepRotated(source, e, seed, a.refreshToken);
    return withExpiry({ token: a.token, mintedAt }, a.expiresAt);
  }

  async #configuredRefreshToken(source: MintedSource, spec: OAuth2Spec): Promise<string> {
    if (spec.refreshTokenFile === undefined) return spec.refreshToken ?? '';
    const got = await readBounded(spec.refreshTokenFile);
    if (got.ok) return got.text.trim();
    throw new MintError(source.describe, got.failure, `the refresh token file ${spec.refreshTokenFile}: ${got.why}`);
  }

  /** The refresh token to spend: the last rotated one kept in the store (descended from the configured one), else
   * one this process could not store, else the configured one. */
  async #latestRefreshToken(source: MintedSource, seed: string, configured: string, e: Entry): Promise<string> {
    if (e.unsaved !== undefined) return e.unsaved;
    const record = await this.#store?.readMint(source.id).catch(() => undefined);
    if (record?.refresh_token !== undefined && record.refresh_seed === seed) return record.refresh_token;
    return configured;
  }

  /** One mint at a time across processes: wait for the lease (another process minting), mint, let it go. A store
   * that cannot take leases (broken) does not stop the mint: this process's single flight still holds. */
  async #withLease<T>(source: MintedSource, timeoutMs: number, mint: () => Promise<T>): Promise<T> {
    const store = this.#store;
    if (store === undefined) return mint();
    const name = `mint:${source.id}`;
    const ttl = timeoutMs + MINT_POLICY.leaseSlackMs;
    const deadline = Date.now() + ttl + timeoutMs;
    for (;;) {
      let held: boolean;
      try {
        held = await store.acquireLease(name, this.#holder, ttl);
      } catch {
        return mint();
      }
      if (held) break;
      if (Date.now() > deadline)
        throw new MintError(
          source.describe,
          'timeout',
          `another process has been minting this token for longer than ${Math.round(ttl / 1000)}s; try again`,
        );
      await this.#sleep(MINT_POLICY.leasePollMs);
    }
    try {
      return await mint();
    } finally {
      await store.releaseLease(name, this.#holder).catch(() => {});
    }
  }

  #keep(source: MintedSource, e: Entry, token: MintedToken, reason: MintReason): void {
    const cached: Cached = { ...token, reason };
    clearTimeout(e.timer);
    e.timer = undefined;
    e.used = false;
    e.failure = undefined;
    if (token.expiresAt !== undefined) {
      const life = Math.max(0, token.expiresAt - token.mintedAt);
      cached.refreshAt = refreshAtOf(token.mintedAt, token.expiresAt);
      cached.staleAt = token.expiresAt - Math.min(MINT_POLICY.safetyMs, MINT_POLICY.safetyShare * life);
      // Refreshed ahead only when it was used since: a provider nobody calls is not kept warm for ever.
      if (!this.#closed) {
        e.timer = setTimeout(
          () => {
            if (e.used && e.current === cached) this.#background(source, e, 'expiring');
          },
          Math.max(0, cached.refreshAt - this.#now()),
        );
        e.timer.unref();
      }
    }
    e.current = cached;
  }

  /** A key file is looked at once a second at most, in the background; a change is read at the next use. */
  #checkFile(source: MintedSource, e: Entry): void {
    const f = e.file;
    const spec = source.spec;
    if (spec.kind !== 'file' || f === undefined || f.checking || this.#now() - f.checkedAt < MINT_POLICY.fileCheckMs)
      return;
    f.checking = true;
    void fileVersion(spec)
      .then((version) => {
        f.checkedAt = this.#now();
        if (version !== f.version) this.#background(source, e, 'changed');
      })
      .catch(() => {})
      .finally(() => {
        f.checking = false;
      });
  }

  #record(source: MintedSource, patch: Omit<Parameters<MintStore['writeMint']>[1], 'provider' | 'at'>): void {
    void this.#store?.writeMint(source.id, { provider: source.provider, at: this.#now(), ...patch }).catch(() => {});
  }
}

/** When a token is refreshed ahead: expiry − min(refreshAheadMs, refreshAheadShare × lifetime). */
function refreshAtOf(mintedAt: number, expiresAt: number): number {
  const life = Math.max(0, expiresAt - mintedAt);
  return expiresAt - Math.min(MINT_POLICY.refreshAheadMs, MINT_POLICY.refreshAheadShare * life);
}

/** Why a token is minted when none can be sent: none yet, or the cached one is at (or past) its end. */
function staleReason(cur: Cached | undefined, now: number): MintReason {
  if (cur === undefined) return 'first';
  return cur.expiresAt !== undefined && now >= cur.expiresAt ? 'expired' : 'expiring';
}

function withExpiry(token: MintedToken, expiresAt: number | undefined): MintedToken {
  return expiresAt === undefined ? token : { ...token, expiresAt };
}
