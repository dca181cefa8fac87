// Variables a systemd service would not see: it reads the .env beside the config, never the shell's profile, so a
// key exported only in the shell fails there silently (docs/systemd.md#running-under-systemd).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/types.ts';
import { mask } from '../config/mask.ts';
import { resolveCredentials } from '../credentials/resolve.ts';
import { keyEnvName } from '../config/key-slots.ts';
import { openStore, statePath } from '../state/open.ts';
import { NO_STORED_KEYS, type StoredKeys } from './key-checks.ts';

/** Variables the unit sets itself (Environment=), so the service has them whatever the .env says. */
const CARRIED_BY_UNIT = new Set(['SWITCHYARD_HOME', 'XDG_STATE_HOME']);

/** A variable the config draws on whose value the service would not get from the .env: the .env lacks it
 * (`missing`), or sets it to something else than this shell's environment (`differs`). */
export interface ShellVariable {
  name: string;
  differs: boolean;
}

/** The config's variables this shell sets and the .env lacks or sets differently: key variables whose key is
 * nowhere else, and `${VAR}`s read from the environment. */
export function shellOnlyVariables(loaded: LoadedConfig, store: StoredKeys): ShellVariable[] {
  const found = new Map<string, ShellVariable>();
  const dotenvValue = (name: string): string | undefined =>
    Object.hasOwn(loaded.dotenv, name) && loaded.dotenv[name]!.trim() !== '' ? loaded.dotenv[name] : undefined;
  const note = (name: string, shell: string): void => {
    const inDotenv = dotenvValue(name);
    if (inDotenv === shell || found.has(name)) return;
    found.set(name, { name, differs: inDotenv !== undefined });
  };
  for (const provider of Object.keys(loaded.config.providers)) {
    const variable = keyEnvName(loaded, provider);
    // Only from the environment: the same secret in the config or the store reaches the service anyway.
    const envOnly = resolveCredentials(loaded, store, provider).find((c) => c.sources.every((s) => s.kind === 'env'));
    if (envOnly) note(variable, envOnly.secret);
  }
  for (const origin of loaded.origins.values()) {
    // `loaded.env` too: an unset variable's slot keeps an origin (where it was looked for), but it is set nowhere.
    const shell = origin.kind === 'env' ? loaded.env[origin.name] : undefined;
    if (origin.kind === 'env' && shell !== undefined && !CARRIED_BY_UNIT.has(origin.name)) note(origin.name, shell);
  }
  return [...found.values()];
}

/** `…/.env (missing)` or `…/.env, which does not set it`: what the service reads instead of the shell. */
function dotenvState(loaded: LoadedConfig): string {
  const path = loaded.dotenvPath ?? join(loaded.dir, '.env');
  return existsSync(path) ? `${path}, which does not set it` : `${path} (missing)`;
}

/** One warning per such variable. `reader` names who reads the .env: "the service", "the installed service …". The
 * values are shown masked only, as the env-vs-.env warning shows them. */
export function shellOnlyWarnings(loaded: LoadedConfig, store: StoredKeys, reader = 'the service'): string[] {
  return shellOnlyVariables(loaded, store).map(({ name, differs }) => {
    if (!differs)
      return `${name} is set only in this shell's environment; ${reader} reads ${dotenvState(loaded)} — add it there`;
    const path = loaded.dotenvPath ?? join(loaded.dir, '.env');
    return `${name} is set in this shell's environment (${mask(loaded.env[name] ?? '')}) differently from ${path} (${mask(loaded.dotenv[name] ?? '')}); ${reader} reads only the .env, so it would use another ${name} than this shell — set the same value in both`;
  });
}

/** For `gateway service`: stored keys reach the service through the state store, so they are read when there is a
 * store file (none is created just to look). */
export async function serviceShellWarnings(
  loaded: LoadedConfig,
  env: Record<string, string | undefined>,
): Promise<string[]> {
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
