// The warnings every `switchyard auth …` command prints on stderr: the config's warnings about keys, then the pool's,
// each once and scrubbed (docs/credentials.md#warnings).
import type { LoadedConfig } from '../config/types.ts';
import { keyEnvName } from '../config/key-slots.ts';
import { scrubSecrets } from '../log.ts';
import type { CliIo } from './io.ts';

/** Prints the config's credential warnings and returns the writer for the pool's notices (CredentialPool onNotice). */
export function authWarnings(cli: Pick<CliIo, 'stderr'>, loaded: LoadedConfig): (notice: { message: string }) => void {
  const said = new Set<string>();
  const warn = (message: string): void => {
    if (said.has(message)) return;
    said.add(message);
    cli.stderr.write(`warning: ${scrubSecrets(message)}\n`);
  };
  // Of the config's warnings, only those about a provider's key variable (env vs .env) concern credentials.
  const keyVariables = [
    ...Object.keys(loaded.config.providers).map((p) => keyEnvName(loaded, p)),
    ...interpolatedKeyVariables(loaded),
  ];
  for (const v of keyVariables) {
    const conflict = loaded.envConflicts?.get(v);
    if (conflict !== undefined) warn(conflict);
  }
  // A minted key dropped from an untrusted file is missing from every listing: said why, as `config check` says it.
  if (loaded.untrustedMinting !== undefined) warn(loaded.untrustedMinting.warning);
  return (notice) => warn(notice.message);
}

/** For `--json`: the config's warning about minted keys an untrusted file may not use, when there is one. */
export function jsonConfigWarnings(loaded: LoadedConfig): { config_warnings?: string[] } {
  const w = loaded.untrustedMinting?.warning;
  return w === undefined ? {} : { config_warnings: [scrubSecrets(w)] };
}

/** Variables a provider's `api_key`/`api_keys[i]` or a task's `api_key` was read from (`api_key: ${CFG_KEY}`): their
 * env/.env conflicts decide which key is used, so they are credential warnings too. */
function interpolatedKeyVariables(loaded: LoadedConfig): string[] {
  const names: string[] = [];
  for (const [path, origin] of loaded.origins) {
    if (!/^(providers\.[^.]+\.api_keys?(\[\d+\])?|auxiliary\.[^.]+\.api_key)$/.test(path)) continue;
    if (origin.kind === 'env' || origin.kind === 'dotenv') names.push(origin.name);
  }
  return names;
}
