// The one "unknown provider" message every command that takes a provider argument gives.
import type { LoadedConfig } from '../config/types.ts';
import { UserError } from '../user-error.ts';
import { closest } from '../config/suggest.ts';

/** Throws a located "unknown provider" error unless `provider` is among `known` (default: the configured ones). */
export function requireKnownProvider(
  loaded: LoadedConfig,
  provider: string,
  known: string[] = Object.keys(loaded.config.providers),
): void {
  if (known.includes(provider)) return;
  const guess = closest(provider, known);
  const where = loaded.path ? ` in ${loaded.path}` : ' (no config file found)';
  throw new UserError(`unknown provider "${provider}"${guess ? ` — did you mean "${guess}"?` : ''}`, {
    details: [known.length > 0 ? `providers${where}: ${known.join(', ')}` : `no providers are configured${where}`],
  });
}
