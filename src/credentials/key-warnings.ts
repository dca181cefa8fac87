// Warnings about a config's keys as a whole: providers with no key, one key held by several providers. Not among
// `loaded.warnings`, since they depend on the state store, which `config check` does not open.
import { sourcesText } from './describe.ts';
import { missingFacts, resolveCredentials, unsetKeySlots } from './resolve.ts';
import { keyEnvName } from '../config/key-slots.ts';
import type { CredentialStore } from '../state/types.ts';
import type { WithheldKey } from './host-binding.ts';
import { explainMissing, missingKeyAdvice } from '../errors/messages.ts';
import type { LoadedConfig } from '../config/types.ts';
import type { ProviderType } from '../config/schema.ts';
import { envValue } from '../config/local-env.ts';

/** A key in the config, its key variable or .env: what can be known without the state store. */
export function hasConfiguredKey(loaded: LoadedConfig, provider: string): boolean {
  const p = loaded.config.providers[provider];
  if (!p) return false;
  const variable = keyEnvName(loaded, provider);
  const configured = [p.api_key, ...(p.api_keys ?? [])].some((k) => k !== undefined && k.trim() !== '');
  // A minted source is a key too, whether or not it can be minted now (that is `auth test`'s question).
  const minted =
    p.api_key_file !== undefined ||
    p.api_key_command !== undefined ||
    p.oauth2 !== undefined ||
    p.google_credentials !== undefined ||
    p.aws_credentials !== undefined;
  return (
    configured || minted || Boolean(envValue(loaded, variable)?.trim()) || Boolean(loaded.dotenv[variable]?.trim())
  );
}

export interface KeylessOptions {
  /** Whether the provider has a key; default: in the config, its key variable or .env (see hasConfiguredKey). */
  hasKey?: (provider: string) => boolean;
  /** Stored keys (`switchyard auth add`) were looked at too; otherwise the warning says they were not. */
  storeChecked?: boolean;
  /** The provider's stored keys held back from the host the config names (host-binding.ts), said with why. */
  withheld?: (provider: string) => readonly WithheldKey[];
}

/** A cloud's own credentials, which a key variable is not the way to give: what to write instead. */
const CLOUD_CREDENTIALS: Partial<Record<ProviderType, (provider: string, variable: string) => string>> = {
  bedrock: (p, variable) =>
    `give it AWS credentials: \`aws_credentials: default_chain\` (the AWS credential chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE in the environment, ~/.aws/credentials and ~/.aws/config, SSO, a container or instance role) or \`aws_credentials: { profile: NAME }\` under providers.${p}; or set ${variable} to a Bedrock API key (ABSK…)`,
  vertex: (p) =>
    `give it Google credentials: \`google_credentials: adc\` (Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS, \`gcloud auth application-default login\`'s file, else the metadata server) or \`google_credentials: /path/to/service-account.json\` under providers.${p}`,
};

/** One warning per provider with no key: `config check` says it as a reminder; the gateway at start and reload, where
 * under systemd it is often the first sign that a key was left in the shell's profile. */
export function keylessProviders(loaded: LoadedConfig, options: KeylessOptions = {}): string[] {
  const hasKey = options.hasKey ?? ((p: string) => hasConfiguredKey(loaded, p));
  const out: string[] = [];
  for (const name of Object.keys(loaded.config.providers)) {
    if (hasKey(name)) continue;
    const withheld = options.withheld?.(name) ?? [];
    const facts = missingFacts(loaded, name, withheld);
    // A stored key held back for another host is the news: said as every "no API key" error says it.
    if (withheld.length > 0) {
      out.push(`providers.${name}: ${explainMissing(facts)}`);
      continue;
    }
    const places = [...facts.lookedIn, ...(options.storeChecked ? ['stored keys'] : [])];
    const tail = options.storeChecked ? '' : ' (stored keys are not checked here)';
    // The variable the config itself names comes first: setting the default one would work, but is not what was meant.
    const variable = unsetKeySlots(loaded, name)[0]?.[1] ?? keyEnvName(loaded, name);
    const cloud = CLOUD_CREDENTIALS[loaded.config.providers[name]!.type];
    const advice = loaded.withheldEnv?.has(variable)
      ? missingKeyAdvice(name, facts.untrusted)
      : cloud !== undefined
        ? cloud(name, variable)
        : `set ${variable}, or store one with \`switchyard auth add ${name}\`${tail}`;
    out.push(`providers.${name}: no API key found (looked in ${places.join(', ')}); ${advice}`);
  }
  return out;
}

/** A key as one provider holds it, for `sharedKeys`: its fingerprint, masked form and where that provider gets it. */
export interface HeldKey {
  provider: string;
  fingerprint: string;
  masked: string;
  /** `config key`, `env MIMO_API_KEY`, `title_generation's own key`, … */
  where: string;
}

/** Every key each provider holds: its own credentials (config, env, .env and, given a store, stored keys). */
export function heldKeys(loaded: LoadedConfig, store: Pick<CredentialStore, 'listStoredCredentials'>): HeldKey[] {
  return Object.keys(loaded.config.providers).flatMap((provider) =>
    resolveCredentials(loaded, store, provider).map((c) => ({
      provider,
      fingerprint: c.fingerprint,
      masked: c.masked,
      where: sourcesText(c.sources),
    })),
  );
}

/** One warning per key held by two providers or more: health is kept per key, so a fallback between them cannot help
 * (docs/credentials.md#warnings). */
export function sharedKeys(keys: readonly HeldKey[]): string[] {
  const byKey = new Map<string, HeldKey[]>();
  for (const k of keys) byKey.set(k.fingerprint, [...(byKey.get(k.fingerprint) ?? []), k]);
  const out: string[] = [];
  for (const holders of byKey.values()) {
    const providers = [...new Set(holders.map((h) => h.provider))];
    if (providers.length < 2) continue;
    const names = `${providers.slice(0, -1).join(', ')} and ${providers.at(-1)!}`;
    const where = providers
      .map(
        (p) =>
          `${p}: ${holders
            .filter((h) => h.provider === p)
            .map((h) => h.where)
            .join(', ')}`,
      )
      .join('; ');
    out.push(
      `providers ${names} share one key ${holders[0]!.masked} (${where}): health is kept per key, so when one of them rejects, rate-limits or runs it out of quota it is set aside for all of them, and falling back from one to another cannot help; give each provider its own key where the vendor allows it`,
    );
  }
  return out;
}
