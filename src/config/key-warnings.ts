// Warnings about a config's keys as a whole, beyond what loading one value can see: providers with no key at all.
// Not among `loaded.warnings`, since whether a key exists also depends on the state store (stored keys), which
// `config check` does not open; each caller says what it looked at.
import { keyEnvName, lookedIn } from '../credentials/resolve.ts';
import type { LoadedConfig } from './types.ts';

/** A key in the config, its key variable or .env: what can be known without the state store. */
export function hasConfiguredKey(loaded: LoadedConfig, provider: string): boolean {
  const p = loaded.config.providers[provider];
  if (!p) return false;
  const variable = keyEnvName(loaded, provider);
  const configured = [p.api_key, ...(p.api_keys ?? [])].some((k) => k !== undefined && k.trim() !== '');
  return configured || Boolean(loaded.env[variable]?.trim()) || Boolean(loaded.dotenv[variable]?.trim());
}

export interface KeylessOptions {
  /** Whether the provider has a key; default: in the config, its key variable or .env (see hasConfiguredKey). */
  hasKey?: (provider: string) => boolean;
  /** Stored keys (`switchyard auth add`) were looked at too; otherwise the warning says they were not. */
  storeChecked?: boolean;
}

/** One warning per provider with no key: `config check` says it as a reminder; the gateway at start and reload, where
 * under systemd it is often the first sign that a key was left in the shell's profile. */
export function keylessProviders(loaded: LoadedConfig, options: KeylessOptions = {}): string[] {
  const hasKey = options.hasKey ?? ((p: string) => hasConfiguredKey(loaded, p));
  const out: string[] = [];
  for (const name of Object.keys(loaded.config.providers)) {
    if (hasKey(name)) continue;
    const places = [...lookedIn(loaded, name), ...(options.storeChecked ? ['stored keys'] : [])];
    const tail = options.storeChecked ? '' : ' (stored keys are not checked here)';
    out.push(`providers.${name}: no API key found (looked in ${places.join(', ')}); set ${keyEnvName(loaded, name)}, or store one with \`switchyard auth add ${name}\`${tail}`);
  }
  return out;
}
