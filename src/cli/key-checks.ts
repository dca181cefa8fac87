// A config's keys across providers, for `config check` and `doctor`: one key held by several providers.
import { heldKeys, sharedKeys } from '../config/key-warnings.ts';
import type { LoadedConfig } from '../config/types.ts';
import { taskKeys } from '../routing/task-keys.ts';
import type { CredentialStore } from '../state/types.ts';

export type StoredKeys = Pick<CredentialStore, 'listStoredCredentials'>;

/** For checks that do not open the state store (`config check`): stored keys are not looked at. */
export const NO_STORED_KEYS: StoredKeys = { listStoredCredentials: () => [] };

/** Providers sharing a key, the tasks' own keys included (a task's key is health-bound to the same fingerprint). */
export function sharedKeyWarnings(loaded: LoadedConfig, store: StoredKeys = NO_STORED_KEYS): string[] {
  const tasks = taskKeys(loaded).map((k) => ({ provider: k.provider, fingerprint: k.credential.fingerprint, masked: k.credential.masked, where: `${k.task}'s own key` }));
  return sharedKeys([...heldKeys(loaded, store), ...tasks]);
}
