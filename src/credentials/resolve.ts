// Which credentials a provider has right now, in use order (docs/credentials.md#order). Read from the LoadedConfig
// on every call, so an edited key takes effect at the next request with no cached copy to shadow it.
import { join } from 'node:path';
import { formatPath, originalPath } from '../config/issue.ts';
import {
  heldBackPlace,
  UNTRUSTED_MINT,
  UNTRUSTED_READ,
  type MissingFacts,
  type Untrusted,
} from '../errors/messages.ts';
import type { LoadedConfig } from '../config/types.ts';
import { envValue } from '../config/local-env.ts';
import type { CredentialStore, StoredCredential } from '../state/types.ts';
import type { Credential, CredentialSource } from './types.ts';
import {
  bindingFor,
  describeWithheld,
  keyTarget,
  originOf,
  rebindHint,
  type KeyTarget,
  type TargetOverride,
  type WithheldKey,
} from './host-binding.ts';
import { describeProxy, proxyFor } from '../providers/proxy.ts';
import { fingerprint, mask } from '../config/mask.ts';
import { providerRegion } from '../config/region.ts';
import { unsendableInHeader } from '../config/header-values.ts';
import { keyEnvName, slotVia } from '../config/key-slots.ts';
import { mintedSource, type MintedSource } from './minted/spec.ts';

/** Where we look, for the "no API key" message, as its facts: a missing `.env` is named by its path so a key kept
 * where a service never looks is found out at once. `withheld`: stored keys not sent to this host. */
export function missingFacts(
  loaded: LoadedConfig,
  provider: string,
  withheld: readonly WithheldKey[] = [],
): MissingFacts & { lookedIn: string[]; heldBack: string[] } {
  // Stored keys are not listed: the message goes on to say "add one with `switchyard auth add P`".
  const hasDotenv = loaded.dotenvPath !== null || Object.keys(loaded.dotenv).length > 0;
  const variable = keyEnvName(loaded, provider);
  // A slot written as ${VAR} with VAR unset is the first thing to fix: naming only the provider's default variable
  // would send the user after a variable the config never asked for.
  const unset = unsetKeySlots(loaded, provider);
  const slots = unset.map(
    ([slot, name]) =>
      `${slot} is \${${name}}, which is ${envNote(loaded, name) ?? `not set (${hasDotenv ? 'neither in the environment nor in .env' : 'not in the environment, and there is no .env'})`}`,
  );
  // A slot reading the default variable itself (`api_keys: [${DEEPSEEK_API_KEY}, …]`) has just said where that
  // variable is not: "env DEEPSEEK_API_KEY" after it would say it again.
  const readBySlot = unset.some(([, name]) => name === variable);
  const note = envNote(loaded, variable);
  const env = readBySlot ? [] : [note !== undefined ? `env ${variable} (${note})` : `env ${variable}`];
  // A minted source the untrusted file has but may not use: the key the user expects, said where it was looked for.
  const dropped = (loaded.untrustedMinting?.slots ?? [])
    .filter((slot) => slot.startsWith(`providers.${provider}.`))
    .map((slot) => `${slot} (${UNTRUSTED_MINT})`);
  const withheldEnv = [variable, ...unset.map(([, name]) => name)].some((name) => loaded.withheldEnv?.has(name));
  const untrusted: Untrusted | undefined = withheldEnv ? 'sends_keys' : dropped.length > 0 ? 'mints_key' : undefined;
  return {
    provider,
    lookedIn: [
      ...slots,
      ...otherKeySlots(loaded, provider, unset),
      ...dropped,
      ...env,
      hasDotenv ? '.env' : `no .env at ${join(loaded.dir, '.env')}`,
    ],
    heldBack: withheld.map((w) => `${describeWithheld(w)} is held back — ${w.why} (${rebindHint(w)})`),
    ...(untrusted !== undefined ? { untrusted } : {}),
  };
}

/** Every place looked in, as `auth explain` lists them: missingFacts' places, then each stored key held back. */
export function lookedIn(loaded: LoadedConfig, provider: string, withheld: readonly WithheldKey[] = []): string[] {
  const facts = missingFacts(loaded, provider, withheld);
  return [...facts.lookedIn, ...facts.heldBack.map(heldBackPlace)];
}

/** The provider's key slots not already named as unset: those the file has, else `api_key`, where a key would go. */
function otherKeySlots(loaded: LoadedConfig, provider: string, unset: readonly [string, string][]): string[] {
  const p = loaded.config.providers[provider];
  const one = `providers.${provider}.api_key`;
  const list = `${one}s`;
  const named = (slot: string): boolean => unset.some(([s]) => s === slot || s.startsWith(`${slot}[`));
  const hasList = p?.api_keys !== undefined || named(list);
  return [
    ...(!named(one) && (p?.api_key !== undefined || !hasList) ? [one] : []),
    ...(p?.api_keys !== undefined && !named(list) ? [list] : []),
  ];
}

/** Why a variable set in this process is not read, when it is not: a ./switchyard.yaml not trusted with it, or a
 * gateway that had it only from the .env at start (systemd's EnvironmentFile=), which no longer has it. */
function envNote(loaded: LoadedConfig, name: string): string | undefined {
  if (loaded.withheldEnv?.has(name)) return UNTRUSTED_READ;
  if (loaded.followsDotenv?.has(name) && loaded.env[name] === undefined && !Object.hasOwn(loaded.dotenv, name)) {
    return "set in this process only as the .env's value at start (systemd's EnvironmentFile=), and it follows the .env, which no longer has it";
  }
  return undefined;
}

/** The provider's key slots (`api_key`, `api_keys[i]`) written as `${VAR}` with VAR set nowhere: [slot, VAR]. */
export function unsetKeySlots(loaded: LoadedConfig, provider: string): [string, string][] {
  const prefix = `providers.${provider}.api_key`;
  return [...(loaded.unresolved ?? [])].filter(([slot]) => slot === prefix || slot.startsWith(`${prefix}s[`));
}

/** A config value that is really a key. An unsendable one would fail like a network fault, so it is skipped and the
 * config's warnings say why (unsendableKeys). */
function usableSecret(value: string | undefined): value is string {
  if (value === undefined) return false;
  const v = value.trim();
  return v.length > 0 && !/^\$\{[^}]*\}$/.test(v) && unsendableInHeader(v) === undefined;
}

interface RawKey {
  secret: string;
  source: CredentialSource;
  label?: string;
  priority?: number;
}

/** A config slot as a source; one written as `${VAR}` also says where the variable's value came from. */
export function configSource(origins: LoadedConfig['origins'], slot: string): CredentialSource {
  const via = slotVia(origins, slot);
  return via !== undefined ? { kind: 'config', where: slot, via } : { kind: 'config', where: slot };
}

function configKeys(loaded: LoadedConfig, provider: string): RawKey[] {
  const p = loaded.config.providers[provider];
  if (!p) return [];
  const keys: RawKey[] = [];
  if (usableSecret(p.api_key))
    keys.push({ secret: p.api_key.trim(), source: configSource(loaded.origins, `providers.${provider}.api_key`) });
  // Named by the position in the file, which differs from the position here once an entry with an unset ${VAR} was
  // dropped.
  const kept = loaded.keptIndices ?? new Map<string, readonly number[]>();
  (p.api_keys ?? []).forEach((k, i) => {
    if (usableSecret(k))
      keys.push({
        secret: k.trim(),
        source: configSource(loaded.origins, formatPath(originalPath(['providers', provider, 'api_keys', i], kept))),
      });
  });
  return keys;
}

function environmentKeys(loaded: LoadedConfig, provider: string): RawKey[] {
  const variable = keyEnvName(loaded, provider);
  const keys: RawKey[] = [];
  const fromEnv = envValue(loaded, variable);
  const fromDotenv = loaded.dotenv[variable];
  if (usableSecret(fromEnv)) keys.push({ secret: fromEnv.trim(), source: { kind: 'env', where: `env ${variable}` } });
  if (usableSecret(fromDotenv))
    keys.push({ secret: fromDotenv.trim(), source: { kind: 'dotenv', where: `.env ${variable}` } });
  return keys;
}

interface StoredKeys {
  keys: RawKey[];
  withheld: WithheldKey[];
  /** Keys stored before origins were recorded, used now and to be bound to this origin (host-binding.ts). */
  toBind: { id: string; origin: string }[];
}

/** The provider's stored keys that may go where the config sends its keys; the others are withheld, with why. */
function storedKeys(
  loaded: LoadedConfig,
  store: Pick<CredentialStore, 'listStoredCredentials'>,
  provider: string,
  override?: TargetOverride,
): StoredKeys {
  const out: StoredKeys = { keys: [], withheld: [], toBind: [] };
  const target = keyTarget(loaded, provider, override);
  const providerBase = loaded.config.providers[provider]?.base_url;
  // listStoredCredentials returns them by priority (ascending), then oldest first.
  for (const c of store.listStoredCredentials(provider)) {
    // A provider the config does not name has nowhere to send keys; `auth list` still shows them.
    const binding =
      target && providerBase !== undefined
        ? bindingFor(loaded, c, target, originOf(providerBase))
        : { send: true as const };
    if (!binding.send) {
      out.withheld.push(binding.withheld);
      continue;
    }
    const seen =
      target && providerBase !== undefined
        ? seenInTheClear(loaded, provider, override?.baseUrl ?? providerBase, c, target)
        : undefined;
    if (seen !== undefined) {
      out.withheld.push(seen);
      continue;
    }
    if (binding.bind !== undefined) out.toBind.push({ id: c.id, origin: binding.bind });
    const key: RawKey = {
      secret: c.secret,
      source: { kind: 'stored', where: c.label ? `stored "${c.label}"` : `stored ${c.id}` },
      priority: c.priority,
    };
    if (c.label !== undefined) key.label = c.label;
    out.keys.push(key);
  }
  return out;
}

/** A stored key sent over plain http through a proxy an untrusted ./switchyard.yaml chose is held back: that proxy
 * would read it (docs/credentials.md#sources). */
function seenInTheClear(
  loaded: LoadedConfig,
  provider: string,
  baseUrl: string,
  key: StoredCredential,
  target: KeyTarget,
): WithheldKey | undefined {
  const p = loaded.config.providers[provider];
  // Read as the URL it is (`HTTP://`, a leading space): the text's first letters say nothing for sure.
  if (!loaded.localConfig || p === undefined || protocolOf(baseUrl) !== 'http:') return undefined;
  const proxy = proxyFor(p, provider, baseUrl, loaded.env, loaded.dotenv);
  // A proxy of the process's own environment was not chosen by the directory's files.
  if (proxy === undefined || proxy.variable?.inDotenv === false) return undefined;
  const w: WithheldKey = {
    provider,
    id: key.id,
    masked: mask(key.secret),
    target,
    why: `${target.setting} sends it over plain http through the proxy ${describeProxy(proxy)}, which would see it in the clear, and that proxy was chosen by ./switchyard.yaml of the current directory or the .env beside it`,
    fix: `\`proxy: none\` under providers.${provider}, or name the config with --config if the proxy is yours`,
  };
  if (key.label !== undefined) w.label = key.label;
  if (key.origin !== undefined) w.added_for = key.origin;
  return w;
}

function protocolOf(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}

// Hashing on every request is cheap, but the request path calls this a lot; secrets are in memory anyway.
const fingerprints = new Map<string, string>();
export function cachedFingerprint(secret: string): string {
  let fp = fingerprints.get(secret);
  if (fp === undefined) {
    if (fingerprints.size > 10_000) fingerprints.clear();
    fp = fingerprint(secret);
    fingerprints.set(secret, fp);
  }
  return fp;
}

/** A provider's credentials in use order, and its stored keys that are not sent where the config sends its keys. */
export interface ProviderKeys {
  credentials: Credential[];
  /** Stored keys held back (host-binding.ts); one whose secret also comes from config, env or .env is not listed:
   * that source sends it. */
  withheld: WithheldKey[];
  toBind: { id: string; origin: string }[];
}

export function resolveCredentials(
  loaded: LoadedConfig,
  store: Pick<CredentialStore, 'listStoredCredentials'>,
  provider: string,
  override?: TargetOverride,
): Credential[] {
  return resolveProviderKeys(loaded, store, provider, override).credentials;
}

/** `override`: a task's own base_url, where its routes send the provider's keys. */
export function resolveProviderKeys(
  loaded: LoadedConfig,
  store: Pick<CredentialStore, 'listStoredCredentials'>,
  provider: string,
  override?: TargetOverride,
): ProviderKeys {
  const stored = storedKeys(loaded, store, provider, override);
  const credentials = mergeSources(
    [...configKeys(loaded, provider), ...environmentKeys(loaded, provider), ...stored.keys],
    provider,
  );
  // A minted source comes right after the keys written in the config: it is written there too.
  const minted = mintedCredential(loaded, provider);
  if (minted !== undefined) {
    const after = credentials.findIndex((c) => c.sources[0]?.kind !== 'config');
    credentials.splice(after < 0 ? credentials.length : after, 0, minted);
  }
  const region = regionOf(loaded, provider);
  if (region !== undefined) for (const c of credentials) c.region = region;
  const sent = new Set(credentials.map((c) => c.fingerprint));
  return { credentials, withheld: stored.withheld.filter((w) => !sent.has(w.id)), toBind: stored.toBind };
}

/** The region the provider's calls go to, which its keys' throttles and quotas are counted against. */
function regionOf(loaded: LoadedConfig, provider: string): string | undefined {
  const p = loaded.config.providers[provider];
  return p === undefined ? undefined : providerRegion(p);
}

/** The provider's minted source as a credential: its fingerprint is the source's identity; no secret until minted. */
function mintedCredential(loaded: LoadedConfig, provider: string): Credential | undefined {
  const p = loaded.config.providers[provider];
  const source = p === undefined ? undefined : mintedSource(loaded, provider, `providers.${provider}`, p);
  return source === undefined ? undefined : mintedAsCredential(source);
}

/** A minted source as a credential (a provider's, or a task's own). */
export function mintedAsCredential(source: MintedSource): Credential {
  return {
    provider: source.provider,
    fingerprint: source.id,
    secret: '',
    masked: MINTED_MASK,
    sources: [{ kind: source.spec.kind, where: source.where, via: source.describe }],
    minted: source,
  };
}

/** What a minted credential shows where a key is masked, until a token is at hand. */
export const MINTED_MASK = '(minted)';

/** A config slot written as `${VAR}` (its `via`: `env VAR` or `.env VAR`) and the key variable read from the same
 * place (`where`: `env VAR` or `.env VAR`). */
function readsSameVariable(slot: CredentialSource, other: CredentialSource): boolean {
  return slot.kind === 'config' && slot.via !== undefined && slot.via === other.where;
}

function mergeSources(raw: readonly RawKey[], provider: string): Credential[] {
  const byFingerprint = new Map<string, Credential>();
  for (const key of raw) {
    const fp = cachedFingerprint(key.secret);
    const existing = byFingerprint.get(fp);
    if (existing) {
      // `api_key: ${MIMO_API_KEY}` with key_env MIMO_API_KEY reads one variable twice: one place, named once (as the
      // config slot that reads it), not "config (from env MIMO_API_KEY) + env MIMO_API_KEY".
      if (existing.sources.some((s) => readsSameVariable(s, key.source))) continue;
      // The same secret from two places is one credential with two sources, in the first one's position.
      existing.sources.push(key.source);
      if (key.label !== undefined && existing.label === undefined) existing.label = key.label;
      continue;
    }
    const credential: Credential = {
      provider,
      fingerprint: fp,
      secret: key.secret,
      masked: mask(key.secret),
      sources: [key.source],
    };
    if (key.label !== undefined) credential.label = key.label;
    if (key.priority !== undefined) credential.priority = key.priority;
    byFingerprint.set(fp, credential);
  }
  return [...byFingerprint.values()];
}

export interface EnvConflict {
  variable: string;
  env: string;
  dotenv: string;
}

/** The provider's key variable is set in both the environment and `.env`, to different values (env wins). */
export function envConflict(loaded: LoadedConfig, provider: string): EnvConflict | undefined {
  const variable = keyEnvName(loaded, provider);
  const env = envValue(loaded, variable);
  const dotenv = loaded.dotenv[variable];
  if (!usableSecret(env) || !usableSecret(dotenv) || env.trim() === dotenv.trim()) return undefined;
  return { variable, env: env.trim(), dotenv: dotenv.trim() };
}

export function envConflictMessage(provider: string, c: EnvConflict): string {
  return (
    `${provider}: ${c.variable} is set in the environment (${mask(c.env)}) and differently in .env (${mask(c.dotenv)}); ` +
    `the environment's value wins and is tried first`
  );
}
