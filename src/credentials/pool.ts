// The credential pool the routing ladder asks on every request: which key to use for a provider, and what
// happened to it. Everything here is synchronous and in memory: credentials are resolved from the LoadedConfig
// (references, never copies) and the store's cached stored keys; health comes from the store's memory view.
import type { LoadedConfig } from '../config/types.ts';
import { UserError } from '../user-error.ts';
import { scrubSecrets } from '../log.ts';
import { matchOne, shortPrefixHint } from '../state/match.ts';
import type { StateStore } from '../state/types.ts';
import { describeCredential } from './describe.ts';
import { buildExplanation, type Evaluated, type ProviderExplanation } from './key-report.ts';
import { commandsFor } from '../errors/advice.ts';
import { effectiveHealth, failurePatch, keyWhy, probePatch, successPatch, usability, usePatch } from './health.ts';
import type { TargetOverride, WithheldKey } from './host-binding.ts';
import {
  envConflict,
  envConflictMessage,
  lookedIn,
  missingFacts,
  resolveCredentials,
  type ProviderKeys,
} from './resolve.ts';
// (routing imports the pool only as a type: this is no import cycle at run time.)
import { taskKeys } from './task-keys.ts';
import { ResolutionCache } from './resolution-cache.ts';
import { fingerprint } from '../config/mask.ts';
import { selectCandidate } from './select.ts';
import { candidateStatus, healthKey, splitRegionalKey, standingHealth, type HealthScope } from './scoped-health.ts';
import { Minter } from './minted/minter.ts';
import type { MintedSource } from './minted/spec.ts';
import { HeadroomBook } from './headroom.ts';
import type { HeaderBag } from '../errors/headers.ts';
import type { CandidateStatus, Credential, FailureReport, HealthRecord, PickResult } from './types.ts';

export type { ProviderExplanation };

export interface PoolOptions {
  loaded: LoadedConfig;
  store: StateStore;
  now?: () => number;
  /** Called with each notice, once (credential switches, env vs .env). Never contains a secret. */
  onNotice?: (notice: PoolNotice) => void;
  /** For the `random` strategy; uniform in [0, 1). */
  random?: () => number;
  /** Mints the tokens of minted credentials; default: one of its own, with leases in `store`. */
  minter?: Minter;
  /** A gateway worker: its minter shares minted tokens with the sibling workers through `store` (minted/shared-token.ts). */
  shareMintedTokens?: boolean;
}

/** What the pool says while it works: a code and the facts, so a subscriber never reads them out of the message.
 * `level`: `info` for what heals by itself (the first key merely rate-limited), else `warn`. */
export type PoolNotice =
  /** The first key in order is unusable, so another is used: `from` and `to` as describeCredential says them. */
  | { code: 'credential_switch'; level: 'info' | 'warn'; provider: string; from: string; to: string; message: string }
  /** The provider's key variable is set differently in the environment and the .env. */
  | { code: 'env_conflict'; level: 'warn'; provider: string; variable: string; message: string }
  /** A stored key's host could not be recorded; it is used all the same. */
  | { code: 'host_bind_failed'; level: 'warn'; provider: string; id: string; message: string };

type CredentialRef = Pick<Credential, 'provider' | 'fingerprint' | 'region'>;

/** What a reset did, by fingerprint, in the order `auth list` shows the keys (the `--json` of `auth reset` and the
 * admin API's answer). */
export interface ResetOutcome {
  /** Set aside before (rejected, or a cooldown still running) and ok now. */
  reset: string[];
  /** Ok before already (a cooldown that had run out included): nothing changed for them. */
  already_ok: string[];
  /** Still set aside after the reset: a failure was recorded after the reset's time (by a process whose clock is ahead
   * of this one's) and stands, as any failure recorded after a reset does. */
  still_set_aside: string[];
  /** Keys reset here that other configured providers hold too (fingerprint → those providers): health is kept per
   * key, so they are ok again there as well. */
  shared: Record<string, string[]>;
}

const ALREADY_TRIED = 'already tried for this request';

export class CredentialPool {
  private loaded: LoadedConfig;
  private readonly store: StateStore;
  private readonly now: () => number;
  private readonly onNotice: (notice: PoolNotice) => void;
  private readonly random: () => number;
  private readonly lastPick = new Map<string, number>();
  private readonly warnedSwitch = new Map<string, string>();
  private readonly warnedConflicts = new Set<string>();
  private readonly resolved: ResolutionCache;
  /** The tokens of the pool's minted credentials (minted/minter.ts): the ladder asks it before each send. */
  readonly minter: Minter;
  /** What the last answers said of each key's rate limits, for most_headroom (headroom.ts). */
  private readonly headroom = new HeadroomBook();

  constructor(options: PoolOptions) {
    this.loaded = options.loaded;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.onNotice = options.onNotice ?? (() => {});
    this.random = options.random ?? Math.random;
    this.resolved = new ResolutionCache(options.store);
    this.minter =
      options.minter ??
      new Minter({ store: options.store, now: this.now, shareTokens: options.shareMintedTokens === true });
  }

  /** Hot reload: the next call resolves from the new config (a new snapshot, so nothing cached for the old one is
   * used); health (per fingerprint) carries over. */
  setConfig(loaded: LoadedConfig): void {
    this.loaded = loaded;
  }

  /** A successful answer's headers, for most_headroom (the ladder passes them only with that strategy). */
  recordHeaders(cred: CredentialRef, headers: HeaderBag): void {
    this.headroom.record(cred.fingerprint, headers, this.now());
  }

  /** The provider's minted sources (api_key_file, api_key_command, oauth2), then its tasks' own minted keys, for
   * `auth list` and `auth refresh`. */
  mintedSources(provider: string): MintedSource[] {
    const own = this.evaluate(provider).map((e) => e.credential.minted);
    const tasks = taskKeys(this.loaded, provider).map((k) => k.credential.minted);
    return [...own, ...tasks].filter((m): m is MintedSource => m !== undefined);
  }

  candidates(provider: string): CandidateStatus[] {
    return this.evaluate(provider).map((e) => e.status);
  }

  /** `target`: a task's own base_url, where that task's route sends the provider's keys (stored keys added for
   * another host are not sent there). */
  pick(provider: string, options: { exclude?: ReadonlySet<string>; target?: TargetOverride } = {}): PickResult {
    const all = this.evaluate(provider, options.target);
    if (all.length === 0) {
      // A stored key held back for another host is named in "looked in": "no API key" alone would hide it.
      const withheld = this.withheld(provider, options.target);
      const missing: PickResult = {
        ok: false,
        reason: 'missing',
        provider,
        lookedIn: lookedIn(this.loaded, provider, withheld),
      };
      return withheld.length > 0 ? { ...missing, withheld } : missing;
    }
    const exclude = options.exclude ?? new Set<string>();
    const chosen = this.choose(provider, all, exclude);
    if (!chosen) return allUnusable(provider, all, exclude);
    if (chosen.probe)
      this.store.applyHealth(
        chosen.healthKey ?? chosen.credential.fingerprint,
        probePatch(chosen.status.health, provider, this.loaded.config.cooldowns, this.now()),
      );
    this.lastPick.set(provider, chosen.order);
    const skipped = all.filter(
      (e) => e.order < chosen.order && (!e.status.usable || exclude.has(e.credential.fingerprint)),
    );
    return {
      ok: true,
      credential: chosen.credential,
      skipped: skipped.map((e) => statusFor(e, exclude)),
      probe: chosen.probe,
    };
  }

  /** One key by fingerprint, when it is usable now (prompt-cache affinity, credentials/affinity.ts): the same test
   * the strategy's pick applies, so whatever sets a key aside (a cooldown, a rejection, a budget) sets it aside here
   * too, and `why` says it as the pick would. */
  pickKey(
    provider: string,
    fingerprint: string,
    options: { exclude?: ReadonlySet<string>; target?: TargetOverride } = {},
  ): { ok: true; credential: Credential } | { ok: false; why: string } {
    const e = this.evaluate(provider, options.target).find((c) => c.credential.fingerprint === fingerprint);
    if (e === undefined) return { ok: false, why: `that key is no longer one of ${provider}'s` };
    const key = `key ${e.credential.masked}`;
    if (options.exclude?.has(fingerprint)) return { ok: false, why: `${key} was ${ALREADY_TRIED}` };
    // A key due for its single probe is left to the strategy's pick, which takes the probe properly.
    if (!e.status.usable || e.probe) return { ok: false, why: `${key} is ${e.status.why ?? 'unusable'}` };
    return { ok: true, credential: e.credential };
  }

  /** Also decides the "not using the first credential" warning, so a rotation through nine keys warns once.
   * `startedAt`: when the call was sent (see successPatch); `now`: the caller's reading of the pool's clock, when it
   * has one (the ladder reads it once per answer). */
  recordSuccess(cred: CredentialRef, startedAt?: number, now: number = this.now()): HealthRecord {
    const record = this.store.applyHealth(cred.fingerprint, successPatch(cred.provider, now, startedAt));
    // The region answered: whatever rested the key there is over (a region never heard of has no record to write).
    const regional = healthKey(cred, 'region');
    if (regional !== cred.fingerprint && this.store.getHealth(regional) !== undefined)
      this.store.applyHealth(regional, successPatch(cred.provider, now, startedAt));
    if (this.lastPick.get(cred.provider) === 0) this.warnedSwitch.delete(cred.provider);
    else this.warnIfInUseIsNotFirst(cred);
    return record;
  }

  private warnIfInUseIsNotFirst(cred: CredentialRef): void {
    const all = this.evaluate(cred.provider);
    const chosen = all.find((e) => e.credential.fingerprint === cred.fingerprint);
    if (chosen) this.warnIfSwitched(cred.provider, all, chosen);
  }

  /** `scope`: where the failure is kept, as the router's HEALTH_SCOPE says (scoped-health.ts); the record written is
   * returned. */
  recordFailure(cred: CredentialRef, report: FailureReport, scope: HealthScope = 'credential'): HealthRecord {
    const key = healthKey(cred, scope);
    const patch = failurePatch(
      this.store.getHealth(key),
      report,
      this.loaded.config.cooldowns,
      this.now(),
      cred.provider,
    );
    return this.store.applyHealth(key, patch);
  }

  /** `now`: as for recordSuccess (the ladder's attempt start). */
  recordUse(cred: CredentialRef, now: number = this.now()): HealthRecord {
    return this.store.applyHealth(cred.fingerprint, usePatch(cred.provider, now));
  }

  /** `auth reset P [ID]` and the admin API's reset: what `auth list P` shows, or one key, back to ok by fingerprint,
   * whichever provider's name its record carries (docs/credentials.md#auth-reset-p-id). */
  reset(provider: string, idOrLabel?: string): ResetOutcome {
    const now = this.now();
    const fingerprints =
      idOrLabel === undefined ? this.resettable(provider) : [this.findFingerprint(provider, idOrLabel)];
    // A key's rest in one region is its own too: reset with it, and counted as its.
    const keysOf = (fp: string): string[] => [fp, ...this.regionalKeysOf([fp])];
    const aside = (fp: string): boolean =>
      keysOf(fp).some((key) => effectiveHealth(this.store.getHealth(key), now).state !== 'ok');
    const before = fingerprints.map(aside);
    if (idOrLabel === undefined) this.store.resetHealth(provider, undefined, now);
    for (const key of fingerprints.flatMap(keysOf)) this.store.resetHealth(provider, key, now);
    const outcome: ResetOutcome = { reset: [], already_ok: [], still_set_aside: [], shared: {} };
    fingerprints.forEach((fp, i) => {
      // Read back, not assumed: a state recorded after `now` (another process's clock ahead of ours) stands.
      if (aside(fp)) outcome.still_set_aside.push(fp);
      else if (!before[i]) outcome.already_ok.push(fp);
      else outcome.reset.push(fp);
    });
    for (const [fp, holders] of this.otherHolders(provider, outcome.reset)) outcome.shared[fp] = holders;
    for (const p of [provider, ...Object.values(outcome.shared).flat()]) this.warnedSwitch.delete(p);
    return outcome;
  }

  /** The regional records (scoped-health.ts) of these credentials. */
  private regionalKeysOf(fingerprints: readonly string[]): string[] {
    const wanted = new Set(fingerprints);
    return this.store
      .allHealth()
      .map((h) => h.fingerprint)
      .filter((key) => {
        const of = splitRegionalKey(key);
        return of !== undefined && wanted.has(of.fingerprint);
      });
  }

  /** What `auth list P` shows (candidates, then its tasks' own keys), then health recorded under P's name besides. */
  private resettable(provider: string): string[] {
    return this.namedKeys(provider).map((k) => k.id);
  }

  /** The keys an ID or label of `provider` can name, each once, in `auth list` order: its candidates, its tasks' own
   * keys, then the former credentials whose health was recorded under its name. */
  private namedKeys(provider: string): { id: string; label: string | undefined }[] {
    const items: { id: string; label: string | undefined }[] = this.evaluate(provider).map((e) => ({
      id: e.credential.fingerprint,
      label: e.credential.label,
    }));
    const add = (id: string): void => {
      if (!items.some((i) => i.id === id)) items.push({ id, label: undefined });
    };
    for (const k of taskKeys(this.loaded, provider)) add(k.credential.fingerprint);
    // A regional record is its credential's, not a former credential of its own.
    for (const h of this.store.allHealth())
      if (h.provider === provider && splitRegionalKey(h.fingerprint) === undefined) add(h.fingerprint);
    return items;
  }

  /** Other providers holding each of these keys: health is per key, so a reset here is one there too and the caller
   * should hear it. */
  private otherHolders(provider: string, fingerprints: readonly string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (fingerprints.length === 0) return out;
    const wanted = new Set(fingerprints);
    for (const { holder, credential } of this.heldKeys()) {
      const fp = credential.fingerprint;
      if (!wanted.has(fp) || holder === provider) continue;
      const list = out.get(fp) ?? [];
      if (!list.includes(holder)) out.set(fp, [...list, holder]);
    }
    return out;
  }

  /** Every key this config holds, with the provider holding it: each provider's credentials, then the tasks' own keys
   * (under their task's provider). Resolved without the pool's side effects (warnings, host binding). */
  private heldKeys(): { holder: string; credential: Credential }[] {
    const held = Object.keys(this.loaded.config.providers).flatMap((p) =>
      resolveCredentials(this.loaded, this.store, p).map((credential) => ({ holder: p, credential })),
    );
    for (const k of taskKeys(this.loaded)) held.push({ holder: k.provider, credential: k.credential });
    return held;
  }

  /** Every candidate in order with its state, and which one the next request will use and why. */
  explain(provider: string): ProviderExplanation {
    const all = this.evaluate(provider);
    const chosen = all.length > 0 ? this.choose(provider, all, new Set()) : undefined;
    const conflict = envConflict(this.loaded, provider);
    const withheld = this.withheld(provider);
    const untrusted = missingFacts(this.loaded, provider, withheld).untrusted;
    const explanation = buildExplanation({
      provider,
      strategy: this.loaded.config.credentials.strategy,
      all,
      chosen,
      withheld,
      lookedIn: lookedIn(this.loaded, provider, withheld),
      ...(untrusted !== undefined ? { untrusted } : {}),
      warnings: conflict ? [envConflictMessage(provider, conflict)] : [],
      now: this.now(),
      // A configFromObject config is invisible to the CLI: its advice names library calls instead.
      commands: commandsFor(this.loaded),
    });
    return explanation;
  }

  /** Resolves a user's ID (fingerprint or prefix) or label to a fingerprint of this provider: one of its candidates,
   * one of its tasks' own keys, or a former credential whose health was recorded under its name. */
  findFingerprint(provider: string, idOrLabel: string): string {
    const items = this.namedKeys(provider);
    const found = matchOne(items, idOrLabel, (i) => i.label, `credential of ${provider}`);
    if (!found) {
      const key = this.heldKey(idOrLabel);
      if (key !== undefined) throw keyGivenAsId(provider, key);
      const hint = shortPrefixHint(
        items.map((i) => i.id),
        idOrLabel,
      );
      throw new UserError(
        `no credential of ${provider} matches "${scrubSecrets(idOrLabel).slice(0, 80)}"${hint}; see \`switchyard auth list ${provider}\``,
      );
    }
    return found.id;
  }

  /** The key `text` is, when it is one this config holds (any provider's, or a task's own): someone gave the key itself
   * where its ID goes. Checked only once nothing matched, so only a mistake pays for it. */
  private heldKey(text: string): { fingerprint: string; masked: string } | undefined {
    const fp = fingerprint(text.trim());
    const c = this.heldKeys().find((h) => h.credential.fingerprint === fp)?.credential;
    return c === undefined ? undefined : { fingerprint: c.fingerprint, masked: c.masked };
  }

  /** The provider's stored keys that are not sent where the config (or a task's base_url) sends its keys. */
  withheld(provider: string, target?: TargetOverride): readonly WithheldKey[] {
    return this.resolved.get(this.loaded, provider, (fresh) => this.onResolve(provider, fresh), target).withheld;
  }

  /** Work that depends only on the config snapshot and the stored keys, done when they are resolved afresh. */
  private onResolve(provider: string, fresh: ProviderKeys): void {
    this.warnEnvConflict(provider);
    this.bindOlderKeys(provider, fresh);
  }

  /** A stored key from before hosts were recorded, used now, is bound to this host from now on (host-binding.ts).
   * When the store cannot be written the key is still used this time; the next resolution tries again. */
  private bindOlderKeys(provider: string, fresh: ProviderKeys): void {
    for (const { id, origin } of fresh.toBind) {
      try {
        this.store.bindStoredCredential(provider, id, origin);
      } catch (err) {
        const message = `${provider}: could not record the host ${origin} of stored key ${id} (${err instanceof Error ? err.message : String(err)}); it is used, and recorded at the next try`;
        this.onNotice({ code: 'host_bind_failed', level: 'warn', provider, id, message });
      }
    }
  }

  private evaluate(provider: string, target?: TargetOverride): Evaluated[] {
    const loaded = this.loaded;
    const { resolved } = this.resolved.get(loaded, provider, (fresh) => this.onResolve(provider, fresh), target);
    const now = this.now();
    const out: Evaluated[] = new Array(resolved.length);
    for (let order = 0; order < resolved.length; order++) {
      const { credential, visible } = resolved[order]!;
      const standing = standingHealth(this.store, credential, now);
      const health = standing.record;
      const u = usability(health, now);
      const status = candidateStatus(visible, health, u, standing.region);
      const entry: Evaluated = { credential, status, probe: u.probe, order };
      if (standing.key !== credential.fingerprint) entry.healthKey = standing.key;
      if (u.until !== undefined) entry.until = u.until;
      if (u.back !== undefined) entry.back = u.back;
      out[order] = entry;
    }
    return out;
  }

  /** The strategy's choice, or else an auth_suspect key whose probe is due, so a working key that met a burst of 401s
   * comes back by itself (docs/routing.md#example-seed-002-a-transient-401-on-a-working-key). */
  private choose(provider: string, all: Evaluated[], exclude: ReadonlySet<string>): Evaluated | undefined {
    const usable: Evaluated[] = [];
    let lastResort: Evaluated | undefined;
    for (const e of all) {
      if (exclude.has(e.credential.fingerprint)) continue;
      if (e.status.usable) usable.push(e);
      else if (e.probe) lastResort ??= e;
    }
    if (usable.length === 0) return lastResort;
    const selectable = usable.map((e) => ({
      entry: e,
      fingerprint: e.credential.fingerprint,
      order: e.order,
      uses: e.status.health.uses,
    }));
    const lastOrder = this.lastPick.get(provider);
    const strategy = this.loaded.config.credentials.strategy;
    // Only most_headroom reads the clock: a clock read per pick is measurable on the request path.
    const headroom = strategy === 'most_headroom' ? this.headroomAt(this.now()) : {};
    const ctx =
      lastOrder === undefined ? { random: this.random, ...headroom } : { random: this.random, lastOrder, ...headroom };
    return selectCandidate(strategy, selectable, ctx).entry;
  }

  private headroomAt(now: number): { headroom: (fp: string) => number } {
    return { headroom: (fp: string) => this.headroom.share(fp, now) };
  }

  /** "Not using the first credential": said once per change, and again only after the first came back. */
  private warnIfSwitched(provider: string, all: Evaluated[], chosen: Evaluated): void {
    const first = all[0]!;
    if (chosen.order === 0 || first.status.usable) {
      if (chosen.order === 0) this.warnedSwitch.delete(provider);
      return;
    }
    const h = first.status.health;
    const key = `${first.credential.fingerprint}|${h.state}|${h.reason ?? ''}|${chosen.credential.fingerprint}`;
    if (this.warnedSwitch.get(provider) === key) return;
    this.warnedSwitch.set(provider, key);
    // A rate limit heals by itself (info, as the cooldown line is); anything else needs someone (warn).
    const level = h.state === 'cooling' && h.reason === 'rate_limited' ? 'info' : 'warn';
    const from = describeCredential(first.credential);
    const to = describeCredential(chosen.credential);
    this.onNotice({
      code: 'credential_switch',
      level,
      provider,
      from,
      to,
      message: `${provider}: ${from} ${first.status.why ?? 'unusable'}; using ${to}`,
    });
  }

  private warnEnvConflict(provider: string): void {
    const conflict = envConflict(this.loaded, provider);
    if (!conflict) return;
    const key = `${conflict.variable}\0${fingerprint(conflict.env)}\0${fingerprint(conflict.dotenv)}`;
    if (this.warnedConflicts.has(key)) return;
    this.warnedConflicts.add(key);
    // The config loader has said this of every variable the config reads; one warning is enough.
    if (this.loaded.envConflicts?.has(conflict.variable)) return;
    this.onNotice({
      code: 'env_conflict',
      level: 'warn',
      provider,
      variable: conflict.variable,
      message: envConflictMessage(provider, conflict),
    });
  }
}

function statusFor(e: Evaluated, exclude: ReadonlySet<string>): CandidateStatus {
  if (e.status.usable && exclude.has(e.credential.fingerprint))
    return { ...e.status, usable: false, ...keyWhy(ALREADY_TRIED) };
  return e.status;
}

function allUnusable(provider: string, all: Evaluated[], exclude: ReadonlySet<string>): PickResult {
  // Keys given up on during this call are not waited for: the ladder would not try them again anyway.
  const cooling = all.filter((e) => e.back !== undefined && !exclude.has(e.credential.fingerprint)).map((e) => e.back!);
  const result: PickResult = {
    ok: false,
    reason: 'all_unusable',
    provider,
    candidates: all.map((e) => statusFor(e, exclude)),
  };
  if (cooling.length > 0) result.earliestUntil = Math.min(...cooling);
  return result;
}

/** A key given where its ID goes: said without the key (it would be echoed into the output, or the gateway's log for
 * the admin API), with the ID to use instead. */
function keyGivenAsId(provider: string, key: { fingerprint: string; masked: string }): UserError {
  return new UserError(
    `that is a key itself (${key.masked}), not an ID: its ID is ${key.fingerprint}, which is what to pass (\`switchyard auth list ${provider}\` shows every ID); a key typed on a command line stays in the shell's history`,
  );
}
