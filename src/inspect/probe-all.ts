// Probes every credential of some providers at once (doctor, `auth test`): all in parallel, results in config order
// and, for a caller showing progress, one at a time as they come in. Read-only unless `record`.
import type { LoadedConfig } from '../config/types.ts';
import type { CredentialPool } from '../credentials/pool.ts';
import { missingFacts, resolveProviderKeys } from '../credentials/resolve.ts';
import { explainMissing } from '../errors/messages.ts';
import type { StateStore } from '../state/types.ts';
import type { AdapterFor, Sleep } from '../routing/call-context.ts';
import { probeCredential, type ProbeResult, type ProbeTarget } from './probe.ts';
import type { Credential } from '../credentials/types.ts';
import { taskKeys } from '../credentials/task-keys.ts';
import { describeProxy, proxyFor } from '../providers/proxy.ts';

export interface ProviderProbe {
  provider: string;
  /** No credential of the provider's own: the "missing" explanation naming where we looked (its tasks' own keys
   * may still be among `results`). */
  missing?: string;
  /** The proxy its calls go through (described: no password), when there is one: a failure may be the proxy's. */
  proxy?: string;
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
  /** The wait and jitter before a rejection is asked again (ProbeDeps). */
  sleep?: Sleep;
  random?: () => number;
  /** Record each outcome in the key's health (the CLI's --record); by default a probe changes nothing. */
  record?: boolean;
  progress?: ProbeProgress;
}

/** For a caller showing the probes as they go (probes run in parallel; a slow provider must not hide the others). */
export interface ProbeProgress {
  /** Everything that will be probed, before anything is sent. */
  planned(plan: readonly ProviderPlan[]): void;
  /** Each result as it comes in. */
  result(result: ProbeResult): void;
}

/** One key to probe, and where (a task's own key is probed where the task sends it). */
export interface PlannedProbe {
  credential: Credential;
  target: ProbeTarget;
}

/** What will be probed for one provider, known before anything is sent (the CLI lays out its table from it). */
export interface ProviderPlan extends Omit<ProviderProbe, 'results'> {
  probes: PlannedProbe[];
}

export function planProbes(
  input: Pick<ProbeAllInput, 'loaded' | 'store' | 'pool' | 'providers' | 'id'>,
): ProviderPlan[] {
  return input.providers.map((provider): ProviderPlan => {
    const keys = resolveProviderKeys(input.loaded, input.store, provider);
    const all = keys.credentials;
    let credentials = all;
    // A task's own key is probed where the task sends it (its model and base URL), under its provider.
    let tasks = taskKeys(input.loaded, provider);
    if (input.id !== undefined) {
      const fp = input.pool.findFingerprint(provider, input.id);
      credentials = credentials.filter((c) => c.fingerprint === fp);
      tasks = tasks.filter((k) => k.credential.fingerprint === fp);
    }
    const probes: PlannedProbe[] = [
      ...credentials.map((credential) => ({ credential, target: {} })),
      ...tasks.map((k) => ({
        credential: k.credential,
        target: {
          task: k.task,
          model: k.model,
          origin: k.where,
          ...(k.baseUrl !== undefined ? { baseUrl: k.baseUrl } : {}),
          ...(k.auth !== undefined ? { auth: k.auth } : {}),
        },
      })),
    ];
    const plan: ProviderPlan = { provider, probes };
    const p = input.loaded.config.providers[provider];
    const proxy =
      p === undefined ? undefined : proxyFor(p, provider, p.base_url, input.loaded.env, input.loaded.dotenv);
    if (proxy !== undefined) plan.proxy = describeProxy(proxy);
    // A named ID asks about one key: the provider's lack of others is not part of the answer.
    if (all.length === 0 && input.id === undefined)
      plan.missing = explainMissing(missingFacts(input.loaded, provider, keys.withheld));
    return plan;
  });
}

/** Probes every planned key at once; results in plan order (config order), each also handed to `progress` as it
 * comes in. */
export async function probeProviders(input: ProbeAllInput): Promise<ProviderProbe[]> {
  const plan = planProbes(input);
  input.progress?.planned(plan);
  const deps = {
    loaded: input.loaded,
    pool: input.pool,
    store: input.store,
    adapterFor: input.adapterFor,
    record: input.record === true,
    ...(input.timeZone ? { timeZone: input.timeZone } : {}),
    ...(input.sleep ? { sleep: input.sleep } : {}),
    ...(input.random ? { random: input.random } : {}),
  };
  return Promise.all(
    plan.map(async ({ probes, ...provider }): Promise<ProviderProbe> => {
      const results = await Promise.all(
        probes.map(async (x) => {
          const result = await probeCredential(deps, x.credential, x.target);
          input.progress?.result(result);
          return result;
        }),
      );
      return { ...provider, results };
    }),
  );
}

/** The key can serve as far as the probe can tell: a chat answered, or a models list did and nothing sets it aside. */
export function serves(result: ProbeResult): boolean {
  return result.status === 'valid' || (result.status === 'accepted' && result.set_aside === undefined);
}

/** Every probed key can serve, and every provider has a key: of its own, or (used only on their routes) its
 * tasks' own keys. A provider some other route needs a key of is caught by doctor's task check. */
export function allValid(probes: readonly ProviderProbe[]): boolean {
  return probes.every((p) => (p.missing === undefined || p.results.length > 0) && p.results.every(serves));
}
