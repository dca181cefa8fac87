// A config's keys across providers, for `config check` and `doctor`: one key held by several providers.
import { heldKeys, sharedKeys } from '../credentials/key-warnings.ts';
import type { LoadedConfig } from '../config/types.ts';
import { resolveProviderKeys } from '../credentials/resolve.ts';
import { withheldLine } from '../credentials/table.ts';
import { taskKeys } from '../credentials/task-keys.ts';
import type { CredentialStore } from '../state/types.ts';

export type StoredKeys = Pick<CredentialStore, 'listStoredCredentials'>;

/** For checks that do not open the state store (`config check`): stored keys are not looked at. */
export const NO_STORED_KEYS: StoredKeys = { listStoredCredentials: () => [] };

/** Providers sharing a key, the tasks' own keys included (a task's key is health-bound to the same fingerprint). */
export function sharedKeyWarnings(loaded: LoadedConfig, store: StoredKeys = NO_STORED_KEYS): string[] {
  const tasks = taskKeys(loaded).map((k) => ({
    provider: k.provider,
    fingerprint: k.credential.fingerprint,
    masked: k.credential.masked,
    where: `${k.task}'s own key`,
  }));
  return sharedKeys([...heldKeys(loaded, store), ...tasks]);
}

/** Stored keys held back because the config sends their provider to another host (src/credentials/host-binding.ts),
 * for providers that still have other keys: a provider left with none says so where its missing key is reported. */
export function withheldKeyWarnings(loaded: LoadedConfig, store: StoredKeys): string[] {
  return Object.keys(loaded.config.providers).flatMap((provider) => {
    const keys = resolveProviderKeys(loaded, store, provider);
    return keys.credentials.length > 0 ? keys.withheld.map(withheldLine) : [];
  });
}
