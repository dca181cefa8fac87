// A task's own key (`auxiliary.T.api_key` with `provider: P`): tried first on that task's route, before P's keys
// (docs/routing.md). It is not one of P's candidates, so `auth list|explain|test` and `doctor` ask for it here and show it
// under P — otherwise a task's bad key is invisible while every request of that task keeps trying it.
import { describeOrigin } from '../config/origins.ts';
import type { LoadedConfig } from '../config/types.ts';
import type { AuthConfig } from '../config/schema.ts';
import { usability } from './health.ts';
import { candidateStatus } from './scoped-health.ts';
import type { CandidateStatus, Credential } from './types.ts';
import { emptyHealth } from '../state/merge.ts';
import type { HealthStore } from '../state/types.ts';
import { taskCredential } from './task-credential.ts';
import { visibleCredential } from './resolution-cache.ts';
import { chainRoutes, hasOwnKey } from '../config/resolve-task.ts';

export interface TaskKey {
  task: string;
  provider: string;
  credential: Credential;
  /** `auxiliary.title_generation.api_key ← .env TITLE_KEY (switchyard.yaml:9)`: the slot and where its value came
   * from, as `config show --explain` says it. */
  where: string;
  /** The task route's model and base URL: where the task sends this key, so where a probe should. */
  model: string;
  baseUrl?: string;
  /** The task's own `auth` for that base URL. */
  auth?: AuthConfig;
}

/** Every enabled task's own key, in config order; only those of `provider` when given. */
export function taskKeys(loaded: LoadedConfig, provider?: string): TaskKey[] {
  const out: TaskKey[] = [];
  for (const task of Object.keys(loaded.config.auxiliary)) {
    const key = taskKeyOf(loaded, task);
    if (key && (provider === undefined || key.provider === provider)) out.push(key);
  }
  return out;
}

function taskKeyOf(loaded: LoadedConfig, task: string): TaskKey | undefined {
  const route = chainRoutes(loaded.config, task).find((r) => r.origin === `auxiliary.${task}` && hasOwnKey(r));
  const credential = route ? taskCredential(route, loaded) : undefined;
  if (!route || !credential) return undefined;
  const key: TaskKey = {
    task,
    provider: route.provider,
    credential,
    where:
      credential.minted !== undefined
        ? `${credential.minted.where} ← ${credential.minted.describe}`
        : slotWhere(loaded, `auxiliary.${task}.api_key`),
    model: route.model,
  };
  if (route.baseUrl !== undefined) key.baseUrl = route.baseUrl;
  if (route.auth !== undefined) key.auth = route.auth;
  return key;
}

/** The slot, and its origin when that says more than the slot does (a variable, or the file and line). */
function slotWhere(loaded: LoadedConfig, slot: string): string {
  const origin = loaded.origins.get(slot);
  if (!origin || origin.kind === 'default') return slot;
  return origin.kind === 'file'
    ? `${slot} (${describeOrigin(origin, loaded.cwd)})`
    : `${slot} ← ${describeOrigin(origin, loaded.cwd)}`;
}

/** The task key's health as the router sees it when the task picks it. */
export function taskKeyStatus(store: Pick<HealthStore, 'getHealth'>, key: TaskKey, now: number): CandidateStatus {
  const visible = visibleCredential(key.credential);
  const health = store.getHealth(visible.fingerprint) ?? emptyHealth(visible.fingerprint, key.provider);
  return candidateStatus(visible, health, usability(health, now));
}
