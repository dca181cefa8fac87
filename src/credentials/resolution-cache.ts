// Which credentials each provider has, kept per (config, stored-keys version): resolving hashes and masks every
// secret, too much to redo per request, and a LoadedConfig never changes (a reload makes a new one).
import type { LoadedConfig } from '../config/types.ts';
import type { CredentialStore } from '../state/types.ts';
import type { TargetOverride, WithheldKey } from './host-binding.ts';
import { resolveProviderKeys, type ProviderKeys } from './resolve.ts';
import type { Credential } from './types.ts';

/** A credential and its secret-free view (what statuses and explanations carry). */
export interface Resolved {
  credential: Credential;
  visible: Omit<Credential, 'secret'>;
}

export interface ResolvedKeys {
  resolved: readonly Resolved[];
  /** Stored keys not sent where the config sends the provider's keys (host-binding.ts). */
  withheld: readonly WithheldKey[];
}

/** What statuses and explanations may carry: no secret, and of a minted source not its settings (a client secret, a
 * command's environment) — its sources say what it is. */
export function visibleCredential(credential: Credential): Omit<Credential, 'secret'> {
  const { secret: _secret, minted: _minted, ...visible } = credential;
  return visible;
}

export class ResolutionCache {
  private readonly store: CredentialStore;
  private loaded: LoadedConfig | undefined;
  private version: number | undefined;
  /** By provider, and a task's own base_url when its routes send the provider's keys elsewhere. */
  private readonly byTarget = new Map<string, ResolvedKeys>();

  constructor(store: CredentialStore) {
    this.store = store;
  }

  /** `onResolve` runs when the provider's credentials are resolved afresh (not on a cache hit). */
  get(
    loaded: LoadedConfig,
    provider: string,
    onResolve: (fresh: ProviderKeys) => void,
    override?: TargetOverride,
  ): ResolvedKeys {
    // A store that cannot say when its keys change is asked every time.
    const version = this.store.storedCredentialsVersion?.();
    if (version === undefined || loaded !== this.loaded || version !== this.version) {
      this.byTarget.clear();
      this.loaded = loaded;
      this.version = version;
    }
    const key = override === undefined ? provider : `${provider}\u0000${override.setting}\u0000${override.baseUrl}`;
    let keys = this.byTarget.get(key);
    if (keys === undefined) {
      const fresh = resolveProviderKeys(loaded, this.store, provider, override);
      onResolve(fresh);
      const resolved = fresh.credentials.map((credential) => ({ credential, visible: visibleCredential(credential) }));
      keys = { resolved, withheld: fresh.withheld };
      if (version !== undefined) this.byTarget.set(key, keys);
    }
    return keys;
  }
}
