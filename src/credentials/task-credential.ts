// A task's own key (`auxiliary.T.api_key`, or a minted `api_key_file`/`api_key_command`/`oauth2` there) as a
// credential of its provider: the route picks it first (routing/pick.ts), and `auth` commands show it under the
// provider (task-keys.ts).
import type { LoadedConfig } from '../config/types.ts';
import { mask } from '../config/mask.ts';
import { providerRegion } from '../config/region.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { cachedFingerprint, configSource, mintedAsCredential } from './resolve.ts';
import type { Credential } from './types.ts';
import { mintedSource, type MintedSource } from './minted/spec.ts';

/** The task's own key as a credential, sharing health with the same secret anywhere else. Without `loaded` only a
 * written key is found, not a minted one. */
export function taskCredential(route: RouteSpec, loaded?: LoadedConfig): Credential | undefined {
  const credential = ownKey(route, loaded);
  // In its provider's region, as the pool's keys are (resolve.ts): a throttle there rests it there only.
  const provider = loaded?.config.providers[route.provider];
  const region = provider === undefined ? undefined : providerRegion(provider);
  if (credential !== undefined && region !== undefined) credential.region = region;
  return credential;
}

function ownKey(route: RouteSpec, loaded: LoadedConfig | undefined): Credential | undefined {
  if (route.mintedKey !== undefined && loaded !== undefined) {
    const source = taskMintedSource(loaded, route.provider, route.mintedKey);
    return source === undefined ? undefined : mintedAsCredential(source);
  }
  if (!route.apiKey) return undefined;
  const secret = route.apiKey.secret;
  // Hashed once per secret (the pool's cache): this runs on every pick of a task with its own key.
  return {
    provider: route.provider,
    fingerprint: cachedFingerprint(secret),
    secret,
    masked: mask(secret),
    sources: [configSource(loaded?.origins ?? NO_ORIGINS, route.apiKey.where)],
  };
}

const NO_ORIGINS: LoadedConfig['origins'] = new Map();

/** Built once per loaded config and task: hashing the source on every pick would cost each request. */
const sources = new WeakMap<LoadedConfig, Map<string, MintedSource | undefined>>();

function taskMintedSource(
  loaded: LoadedConfig,
  provider: string,
  key: NonNullable<RouteSpec['mintedKey']>,
): MintedSource | undefined {
  let byTask = sources.get(loaded);
  if (byTask === undefined) sources.set(loaded, (byTask = new Map()));
  const name = `${provider}\u0000${key.slot}`;
  if (!byTask.has(name)) byTask.set(name, mintedSource(loaded, provider, key.slot, key.fields));
  return byTask.get(name);
}
