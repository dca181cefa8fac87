// Which credentials each provider has, remembered between requests. Resolving reads the whole LoadedConfig and
// the store's stored keys, hashes and masks every secret: too much to redo per request. A LoadedConfig is an
// immutable snapshot (a reload makes a new one), and the store says when its stored keys change, so the answer
// for one (config, stored-keys version) pair can be kept; any change to either resolves afresh at the next call.
import type { LoadedConfig } from '../config/types.ts';
import type { CredentialStore } from '../state/types.ts';
import { resolveCredentials } from './resolve.ts';
import type { Credential } from './types.ts';

/** A credential and its secret-free view (what statuses and explanations carry). */
export interface Resolved {
  credential: Credential;
  visible: Omit<Credential, 'secret'>;
}

export class ResolutionCache {
  private readonly store: CredentialStore;
  private loaded: LoadedConfig | undefined;
  private version: number | undefined;
  private readonly byProvider = new Map<string, readonly Resolved[]>();

  constructor(store: CredentialStore) {
    this.store = store;
  }

  /** `onResolve` runs when the provider's credentials are resolved afresh (not on a cache hit). */
  get(loaded: LoadedConfig, provider: string, onResolve: () => void): readonly Resolved[] {
    // A store that cannot say when its keys change is asked every time.
    const version = this.store.storedCredentialsVersion?.();
    if (version === undefined || loaded !== this.loaded || version !== this.version) {
      this.byProvider.clear();
      this.loaded = loaded;
      this.version = version;
    }
    let resolved = this.byProvider.get(provider);
    if (resolved === undefined) {
      onResolve();
      resolved = resolveCredentials(loaded, this.store, provider).map((credential) => {
        const { secret: _secret, ...visible } = credential;
        return { credential, visible };
      });
      if (version !== undefined) this.byProvider.set(provider, resolved);
    }
    return resolved;
  }
}
