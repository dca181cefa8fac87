// What a service would not see (seed 001): a gateway run by systemd from `gateway service` gets its variables from the
// .env beside the config (EnvironmentFile=) and never from the shell's profile. A key exported in ~/.bashrc works for
// every `switchyard` command typed in that shell and is missing from the service, which then says nothing until a
// request fails. `gateway service --print|--install` and `doctor` say it up front.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/types.ts';
import { keyEnvName, resolveCredentials } from '../credentials/resolve.ts';
import { openStore, statePath } from '../state/open.ts';
import { NO_STORED_KEYS, type StoredKeys } from './key-checks.ts';

/** Variables the unit sets itself (Environment=), so the service has them whatever the .env says. */
const CARRIED_BY_UNIT = new Set(['SWITCHYARD_HOME', 'XDG_STATE_HOME']);

/**
 * Variables the config draws on that are set in this process's environment and not in the .env: a provider's key
 * variable whose key is nowhere else (not in the config, .env or the store), and every `${VAR}` the config was
 * interpolated from. In config order, each once.
 */
export function shellOnlyVariables(loaded: LoadedConfig, store: StoredKeys): string[] {
  const names = new Set<string>();
  const inDotenv = (name: string): boolean => Object.hasOwn(loaded.dotenv, name) && loaded.dotenv[name]!.trim() !== '';
  for (const provider of Object.keys(loaded.config.providers)) {
    const variable = keyEnvName(loaded, provider);
    if (inDotenv(variable)) continue;
    // Only from the environment: the same secret in the config or the store reaches the service anyway.
    const fromEnvOnly = resolveCredentials(loaded, store, provider).some((c) => c.sources.every((s) => s.kind === 'env'));
    if (fromEnvOnly) names.add(variable);
  }
  for (const origin of loaded.origins.values()) {
    // `loaded.env` too: an unset variable's slot keeps an origin (where it was looked for), but it is set nowhere.
    if (origin.kind === 'env' && loaded.env[origin.name] !== undefined && !inDotenv(origin.name) && !CARRIED_BY_UNIT.has(origin.name)) names.add(origin.name);
  }
  return [...names];
}

/** `…/.env (missing)` or `…/.env, which does not set it`: what the service reads instead of the shell. */
function dotenvState(loaded: LoadedConfig): string {
  const path = loaded.dotenvPath ?? join(loaded.dir, '.env');
  return existsSync(path) ? `${path}, which does not set it` : `${path} (missing)`;
}

/** One warning per shell-only variable. `reader` names who reads the .env: "the service", "the installed service …". */
export function shellOnlyWarnings(loaded: LoadedConfig, store: StoredKeys, reader = 'the service'): string[] {
  return shellOnlyVariables(loaded, store).map((name) => `${name} is set only in this shell's environment; ${reader} reads ${dotenvState(loaded)} — add it there`);
}

/** For `gateway service`: stored keys reach the service through the state store, so they are read when there is a
 * store file (none is created just to look). */
export async function serviceShellWarnings(loaded: LoadedConfig, env: Record<string, string | undefined>): Promise<string[]> {
  let path: string;
  try {
    path = statePath({ env });
  } catch {
    return shellOnlyWarnings(loaded, NO_STORED_KEYS);
  }
  if (!existsSync(path)) return shellOnlyWarnings(loaded, NO_STORED_KEYS);
  const store = openStore({ kind: 'sqlite', env });
  try {
    return shellOnlyWarnings(loaded, store);
  } finally {
    await store.close();
  }
}
