// A task's own key (`auxiliary.T.api_key`) as a credential of its provider: the route picks it first
// (routing/pick.ts), and `auth` commands show it under the provider (task-keys.ts).
import type { LoadedConfig } from '../config/types.ts';
import { mask } from '../config/mask.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { cachedFingerprint, configSource } from './resolve.ts';
import type { Credential } from './types.ts';

/** The task-level key as a credential: same fingerprint (and so the same health) as the secret anywhere else. */
export function taskCredential(
  route: RouteSpec,
  origins: LoadedConfig['origins'] = NO_ORIGINS,
): Credential | undefined {
  if (!route.apiKey) return undefined;
  const secret = route.apiKey.secret;
  // Hashed once per secret (the pool's cache): this runs on every pick of a task with its own key.
  return {
    provider: route.provider,
    fingerprint: cachedFingerprint(secret),
    secret,
    masked: mask(secret),
    sources: [configSource(origins, route.apiKey.where)],
  };
}

const NO_ORIGINS: LoadedConfig['origins'] = new Map();
