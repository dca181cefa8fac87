// Which credential a route uses next: the task's own `api_key` first (a config-source credential of that task),
// then the provider's pool. Everything synchronous and in memory, like the pool itself.
import type { CredentialPool } from '../credentials/pool.ts';
import { keyWhy, probePatch, usability } from '../credentials/health.ts';
import type { CandidateStatus, Credential, PickResult } from '../credentials/types.ts';
import type { Cooldowns } from '../config/schema.ts';
import type { LoadedConfig } from '../config/types.ts';
import { taskCredential } from '../credentials/task-credential.ts';
import { visibleCredential } from '../credentials/resolution-cache.ts';
import { candidateStatus, standingHealth } from '../credentials/scoped-health.ts';
import type { StateStore } from '../state/types.ts';
import type { RouteSpec } from '../config/resolve-task.ts';

export interface PickDeps {
  pool: CredentialPool;
  store: StateStore;
  cooldowns: Cooldowns;
  now: () => number;
  /** The config: a task key written as `${VAR}` is described by where the variable is set (its origins), and a
   * task's minted key is built from it. */
  loaded?: LoadedConfig;
}

/** The task key's standing as the pool's keys have theirs (pool.ts evaluate): in its region when that decides. */
function statusOf(
  credential: Credential,
  deps: PickDeps,
): { status: CandidateStatus; probe: boolean; key: string; back?: number } {
  const standing = standingHealth(deps.store, credential, deps.now());
  const health = standing.record;
  const u = usability(health, deps.now());
  // A task's minted key: its source's settings (a client secret, a command's environment) stay out of statuses too.
  const visible = visibleCredential(credential);
  const status = candidateStatus(visible, health, u, standing.region);
  const out = { status, probe: u.probe, key: standing.key };
  return u.back !== undefined ? { ...out, back: u.back } : out;
}

const ALREADY_TRIED = 'already tried for this request';

/** Picks the task key; a probe moves its next probe window first (probePatch), so only one caller probes. */
function take(
  own: Credential,
  mine: { status: CandidateStatus; probe: boolean; key: string },
  deps: PickDeps,
): PickResult {
  if (mine.probe)
    deps.store.applyHealth(mine.key, probePatch(mine.status.health, own.provider, deps.cooldowns, deps.now()));
  return { ok: true, credential: own, skipped: [], probe: mine.probe };
}

/** `exclude`: keys given up on in this call. A task key given up on still counts, so the route reports "every key
 * unusable", never "no API key" (seed 000). */
export function pickFor(route: RouteSpec, deps: PickDeps, exclude: ReadonlySet<string>): PickResult {
  const own = taskCredential(route, deps.loaded);
  // A task's own base_url receives the provider's keys too: stored keys added for another host stay out of it.
  const options =
    route.baseUrl === undefined
      ? { exclude }
      : { exclude, target: { baseUrl: route.baseUrl, setting: `${route.origin}.base_url` } };
  if (!own) return deps.pool.pick(route.provider, options);
  const mine = statusOf(own, deps);
  const tried = exclude.has(own.fingerprint);
  if (!tried && mine.status.usable) return take(own, mine, deps);
  const status: CandidateStatus = tried ? { ...mine.status, usable: false, ...keyWhy(ALREADY_TRIED) } : mine.status;
  const rest = deps.pool.pick(route.provider, options);
  if (rest.ok) return { ...rest, skipped: [status, ...rest.skipped] };
  // Nothing else usable: the task key's own probe, if one is due (a key resting as auth_suspect), as in the pool.
  if (!tried && mine.probe) return take(own, mine, deps);
  const others = rest.reason === 'all_unusable' ? rest.candidates : [];
  const result: PickResult = {
    ok: false,
    reason: 'all_unusable',
    provider: route.provider,
    candidates: [status, ...others],
  };
  // A key given up on during this call is not waited for (as in the pool).
  const untils = [!tried ? mine.back : undefined, rest.reason === 'all_unusable' ? rest.earliestUntil : undefined];
  const defined = untils.filter((u): u is number => u !== undefined);
  if (defined.length > 0) result.earliestUntil = Math.min(...defined);
  return result;
}
