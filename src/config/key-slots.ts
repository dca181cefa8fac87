// Where a provider's keys are read from in the config and the environment, and the key slots whose value no HTTP
// header can carry: facts of the config alone, so the loader can warn about them (credentials/ builds on these).
import type { Config } from './schema.ts';
import type { LoadedConfig } from './types.ts';
import { envValue } from './local-env.ts';
import { unsendableOf } from './header-values.ts';

/** `key_env`, default `<NAME>_API_KEY` with the name uppercased and anything not alphanumeric as `_`. */
export function keyEnvName(loaded: LoadedConfig, provider: string): string {
  return keyVariable(loaded.config, provider);
}

export function keyVariable(config: Config, provider: string): string {
  return config.providers[provider]?.key_env ?? `${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

/** `env MIMO_API_KEY` or `.env MIMO_API_KEY` when the slot was written as `${VAR}`: where its value came from. */
export function slotVia(origins: LoadedConfig['origins'], slot: string): string | undefined {
  const origin = origins.get(slot);
  if (origin?.kind === 'env') return `env ${origin.name}`;
  if (origin?.kind === 'dotenv') return `.env ${origin.name}`;
  return undefined;
}

/** One warning per key slot of `provider` whose value cannot be sent (unsendableInHeader), naming where it is set. */
export function unsendableKeys(loaded: LoadedConfig, provider: string): string[] {
  const p = loaded.config.providers[provider];
  if (!p) return [];
  const variable = keyEnvName(loaded, provider);
  const slots: { where: () => string; value: string | undefined }[] = [
    { where: () => describeSlot(loaded, `providers.${provider}.api_key`), value: p.api_key },
    ...(p.api_keys ?? []).map((value, i) => ({
      where: () => describeSlot(loaded, `providers.${provider}.api_keys[${i}]`),
      value,
    })),
    { where: () => `env ${variable}`, value: envValue(loaded, variable) },
    { where: () => `.env ${variable}`, value: loaded.dotenv[variable] },
  ];
  const out: string[] = [];
  for (const { where, value } of slots) {
    const v = value?.trim();
    const what = v === undefined ? undefined : unsendableOf(v);
    if (what === undefined) continue;
    out.push(
      `providers.${provider}: the key from ${where()} contains ${what.words}, which an HTTP header cannot carry; it is not used — ${what.sort === 'line_break' ? 'write the key on one line' : 'copy the key again from where it was issued'}`,
    );
  }
  return out;
}

function describeSlot(loaded: LoadedConfig, slot: string): string {
  const via = slotVia(loaded.origins, slot);
  return via !== undefined ? `${slot} (${via})` : slot;
}
