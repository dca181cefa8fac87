// Probes every credential of some providers at once (doctor, `auth test`): all in parallel, results in config order.
import type { LoadedConfig } from '../config/types.ts';
import type { CredentialPool } from '../credentials/pool.ts';
import { lookedIn, resolveCredentials } from '../credentials/resolve.ts';
import { explainMissing } from '../errors/explain.ts';
import type { StateStore } from '../state/types.ts';
import type { AdapterFor } from './call-context.ts';
import { probeCredential, type ProbeResult } from './probe.ts';

export interface ProviderProbe {
  provider: string;
  /** No credential anywhere: the "missing" explanation naming where we looked. */
  missing?: string;
  results: ProbeResult[];
}

export interface ProbeAllInput {
  loaded: LoadedConfig;
  store: StateStore;
  pool: CredentialPool;
  adapterFor: AdapterFor;
  providers: string[];
  /** Only the credential with this ID (fingerprint, prefix) or label. */
  id?: string;
  timeZone?: string;
}

export async function probeProviders(input: ProbeAllInput): Promise<ProviderProbe[]> {
  const deps = { loaded: input.loaded, pool: input.pool, store: input.store, adapterFor: input.adapterFor, ...(input.timeZone ? { timeZone: input.timeZone } : {}) };
  return Promise.all(input.providers.map(async (provider): Promise<ProviderProbe> => {
    let credentials = resolveCredentials(input.loaded, input.store, provider);
    if (input.id !== undefined) {
      const fp = input.pool.findFingerprint(provider, input.id);
      credentials = credentials.filter((c) => c.fingerprint === fp);
    }
    if (credentials.length === 0) return { provider, missing: explainMissing({ provider, lookedIn: lookedIn(input.loaded, provider) }), results: [] };
    return { provider, results: await Promise.all(credentials.map((c) => probeCredential(deps, c))) };
  }));
}

/** The key can serve as far as the probe can tell: a chat answered, or a models list did and nothing sets it aside. */
export function serves(result: ProbeResult): boolean {
  return result.status === 'valid' || (result.status === 'accepted' && result.set_aside === undefined);
}

export function allValid(probes: readonly ProviderProbe[]): boolean {
  return probes.every((p) => p.missing === undefined && p.results.every(serves));
}
