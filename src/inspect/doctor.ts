// `switchyard doctor` as data: the config check, every credential probed live (in parallel), the state store's
// health, and each task's resolved chain with whether any of its routes has a working key. The CLI renders it.
import { checkMcpServers, type McpServerCheck } from '../mcp/probe.ts';
import type { LoadedConfig } from '../config/types.ts';
import { CredentialPool } from '../credentials/pool.ts';
import type { DegradedReason, StateStore } from '../state/types.ts';
import { statePath } from '../state/open.ts';
import { maskUrlPassword } from '../config/mask.ts';
import type { AdapterFor } from '../routing/call-context.ts';
import { allValid, probeProviders, serves, type ProbeProgress, type ProviderProbe } from './probe-all.ts';
import { probeText, type ProbeResult } from './probe.ts';
import { hasOwnKey, taskNames, taskOutlook, type RouteSpec } from '../config/resolve-task.ts';
import { routeName } from '../config/route-name.ts';

export interface DoctorRoute {
  route: string;
  origin: string;
  /** `ok`: its provider has a valid key; otherwise why it cannot serve (`note`, which an `ok` route may have too). */
  status: 'ok' | 'no_valid_key' | 'invalid';
  note?: string;
}

export interface DoctorTask {
  task: string;
  status: 'ok' | 'disabled' | 'broken';
  reason?: string;
  routes: DoctorRoute[];
}

export interface DoctorReport {
  ok: boolean;
  config: { ok: true; path: string | null; warnings: string[] };
  store: {
    ok: boolean;
    kind: string;
    location: string;
    schemaVersion?: number;
    pendingWrites?: number;
    error?: string;
    /** Requests are served, but state is not written where it belongs (StoreStatus.degradedBy). */
    degradedBy?: DegradedReason[];
  };
  providers: ProviderProbe[];
  tasks: DoctorTask[];
  /** Each configured MCP server, connected to and asked for its tools (docs/mcp.md). */
  mcp: McpServerCheck[];
  /** Whether the probes' outcomes were recorded in the keys' health (--record). */
  recorded: boolean;
}

/** Why no key of a provider can serve: an unreachable provider says nothing about its keys, so "no key is valid"
 * would send the user after the wrong thing. */
function unusableNote(provider: string, probe: ProviderProbe | undefined, model: string): string {
  const results = probe?.results ?? [];
  const refused = results.find((x) => x.status === 'model_unavailable' && x.model === model);
  if (refused) return `${provider} accepts its keys but does not serve ${model} to them (see its probe)`;
  if (results.some((x) => x.blocked === 'region'))
    return `${provider} does not serve the country or region this request comes from (see its probe); its keys could not be checked`;
  if (results.length > 0 && results.every((x) => x.status === 'mint_failed'))
    return `${provider}'s token could not be minted (see its probe); ${provider} itself was not asked`;
  if (results.length > 0 && results.every((x) => x.status === 'unreachable'))
    return `${provider} could not be reached (see its probe); its keys could not be checked`;
  if (results.length > 0 && results.every((x) => x.status === 'unreachable' || x.status === 'error'))
    return `${provider} answered with errors or could not be reached (see its probe); its keys could not be checked`;
  return `no key of ${provider} can serve right now: ${tally(results)} (see its probe)`;
}

/** The keys' outcomes counted by what `auth test` calls them: "2 rejected (never worked), 1 rate-limited". */
function tally(results: readonly ProbeResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results.filter((x) => !serves(x))) counts.set(probeText(r), (counts.get(probeText(r)) ?? 0) + 1);
  return [...counts].map(([text, n]) => `${n} ${text}`).join(', ') || 'no key was checked';
}

/** A probe whose model was refused judged that model only: a route naming another model keeps the accepted key. */
function servesRoute(result: ProbeResult, model: string): boolean {
  return serves(result) || (result.status === 'model_unavailable' && result.model !== model);
}

/** A route that works although its task's own key does not: said, since every call of the task tries that key first. */
function ownKeyNote(results: readonly ProbeResult[], task: string, r: RouteSpec): { note?: string } {
  const own = results.find((x) => x.task === task && !serves(x));
  const minted = r.mintedKey === undefined ? undefined : Object.keys(r.mintedKey.fields)[0];
  const slot = `auxiliary.${task}.${minted ?? 'api_key'}`;
  return own
    ? {
        note: `its own key ${own.credential.masked} (${slot}) is ${own.status}; the provider's other keys answer instead`,
      }
    : {};
}

function taskReport(loaded: LoadedConfig, task: string, probes: readonly ProviderProbe[]): DoctorTask {
  const plan = taskOutlook(loaded.config, task);
  if (plan.status !== 'chain') return { task, status: plan.status, reason: plan.reason, routes: [] };
  const routes = plan.routes.map((r): DoctorRoute => {
    const base = { route: routeName(r), origin: r.origin };
    if (r.invalid) return { ...base, status: 'invalid', note: r.invalid };
    const found = probes.find((p) => p.provider === r.provider);
    // A task's own key serves only that task's own route; every other route has the provider's keys alone.
    const probe = found && {
      ...found,
      results: found.results.filter((x) => x.task === undefined || (hasOwnKey(r) && x.task === task)),
    };
    const valid = probe?.results.some((x) => servesRoute(x, r.model)) ?? false;
    if (valid) return { ...base, status: 'ok', ...ownKeyNote(probe?.results ?? [], task, r) };
    return {
      ...base,
      status: 'no_valid_key',
      note:
        probe && probe.results.length === 0 && probe.missing ? probe.missing : unusableNote(r.provider, probe, r.model),
    };
  });
  const ok = routes.some((r) => r.status === 'ok');
  return ok
    ? { task, status: 'ok', routes }
    : { task, status: 'broken', reason: 'no route of this task can answer right now', routes };
}

export interface DoctorInput {
  loaded: LoadedConfig;
  store: StateStore;
  /** Set when the configured store could not be opened (probes then run over a private in-memory store). */
  storeError?: string;
  adapterFor: AdapterFor;
  /** More config warnings from the caller (things only it can judge, e.g. what a systemd service would not see). */
  warnings?: string[];
  /** Record the probes' outcomes in the keys' health (--record); by default doctor changes nothing. */
  record?: boolean;
  progress?: ProbeProgress;
}

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const { loaded, store } = input;
  const pool = new CredentialPool({ loaded, store });
  const probes = await probeProviders({
    loaded,
    store,
    pool,
    adapterFor: input.adapterFor,
    providers: Object.keys(loaded.config.providers),
    record: input.record === true,
    ...(input.progress ? { progress: input.progress } : {}),
  });
  const tasks = taskNames(loaded.config).map((t) => taskReport(loaded, t, probes));
  const mcp = await checkMcpServers(loaded, store, input.record === true);
  const storeReport = doctorStore(input);
  const ok = storeReport.ok && allValid(probes) && tasks.every((t) => t.status !== 'broken') && mcp.every((m) => m.ok);
  return {
    ok,
    config: doctorConfig(input),
    store: storeReport,
    providers: probes,
    tasks,
    mcp,
    recorded: input.record === true,
  };
}

/** The report's config part: known before anything is probed. */
export function doctorConfig(input: Pick<DoctorInput, 'loaded' | 'warnings'>): DoctorReport['config'] {
  return { ok: true, path: input.loaded.path, warnings: [...input.loaded.warnings, ...(input.warnings ?? [])] };
}

/** The report's state store part: known before anything is probed. */
export function doctorStore(input: Pick<DoctorInput, 'loaded' | 'store' | 'storeError'>): DoctorReport['store'] {
  const { loaded, store } = input;
  const status = input.storeError === undefined ? store.status() : undefined;
  return status
    ? {
        ok: status.ok,
        kind: store.kind,
        location: status.location,
        schemaVersion: status.schemaVersion,
        pendingWrites: status.pendingWrites,
        ...(status.lastError ? { error: status.lastError } : {}),
        ...(status.degraded === true ? { degradedBy: status.degradedBy ?? [] } : {}),
      }
    : {
        ok: false,
        kind: storeKind(loaded.config.gateway.state),
        location: safeStatePath(loaded.config.gateway.state, loaded.env),
        error: input.storeError ?? 'unavailable',
      };
}

function storeKind(state: string): string {
  return state === 'sqlite' ? 'sqlite' : 'redis';
}

/** Where the store would be, for the report when it could not be opened (statePath itself can fail on a bad home). */
function safeStatePath(state: string, env: LoadedConfig['env']): string {
  if (state !== 'sqlite') return maskUrlPassword(state);
  try {
    return statePath({ env });
  } catch {
    return '(state directory unavailable)';
  }
}
