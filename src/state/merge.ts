// How a HealthPatch folds into a HealthRecord. Every store implementation (memory view, SQLite flush, Redis) uses
// this one function, so two processes applying the same patches in any order end with the same record:
// counters add up, state fields are last-writer-wins by the patch's `at`, and cooldown deadlines only grow.
import type { HealthRecord } from '../credentials/types.ts';
import type { HealthPatch } from './types.ts';

export function emptyHealth(fingerprint: string, provider: string): HealthRecord {
  return { fingerprint, provider, state: 'ok', successes: 0, failures: 0, uses: 0, updated_at: 0, state_at: 0 };
}

function touchesState(patch: HealthPatch): boolean {
  return patch.state !== undefined || patch.reason !== undefined || patch.until !== undefined;
}

export function mergeHealth(current: HealthRecord | undefined, fingerprint: string, patch: HealthPatch): HealthRecord {
  const r: HealthRecord = current ? { ...current } : emptyHealth(fingerprint, patch.provider);
  r.successes += patch.add_successes ?? 0;
  r.failures += patch.add_failures ?? 0;
  r.uses += patch.add_uses ?? 0;
  mergeTimestamps(r, patch);
  if (patch.probe_at !== undefined) r.probe_at = Math.max(r.probe_at ?? 0, patch.probe_at);
  if (patch.reset) applyReset(r, patch.at);
  else if (touchesState(patch)) applyState(r, patch);
  r.updated_at = Math.max(r.updated_at, patch.at);
  return r;
}

/** Last success/failure: the latest one wins, and a failure's kind and message travel with its time. */
function mergeTimestamps(r: HealthRecord, patch: HealthPatch): void {
  if (patch.last_success_at !== undefined) r.last_success_at = Math.max(r.last_success_at ?? 0, patch.last_success_at);
  if (patch.last_failure_at !== undefined && patch.last_failure_at >= (r.last_failure_at ?? 0)) {
    r.last_failure_at = patch.last_failure_at;
    if (patch.last_failure_kind !== undefined) r.last_failure_kind = patch.last_failure_kind;
    if (patch.last_failure_message !== undefined) r.last_failure_message = patch.last_failure_message;
  }
}

function applyReset(r: HealthRecord, at: number): void {
  if (at < (r.state_at ?? 0)) return; // a state recorded after this reset stands
  r.state = 'ok';
  clearStateDetail(r);
  r.state_at = at;
}

function applyState(r: HealthRecord, patch: HealthPatch): void {
  const bothCooling = r.state === 'cooling' && (patch.state ?? r.state) === 'cooling';
  const newer = patch.at >= (r.state_at ?? 0);
  if (!newer) {
    // An older write loses, except that a cooldown is never shortened: its later deadline still counts.
    if (bothCooling && patch.until != null && patch.until > (r.until ?? 0)) {
      r.until = patch.until;
      if (patch.reason) r.reason = patch.reason;
    }
    return;
  }
  const keepLongerCooldown = bothCooling && (r.until ?? 0) > (patch.until ?? 0);
  if (patch.state !== undefined) r.state = patch.state;
  if (!keepLongerCooldown) {
    if (patch.reason !== undefined) setOrDelete(r, 'reason', patch.reason);
    if (patch.until !== undefined) setOrDelete(r, 'until', patch.until);
  }
  if (r.state === 'ok') clearStateDetail(r);
  r.state_at = patch.at;
}

/** An `ok` record's cooldown details taken out. Only those it has: `delete` of an absent field still goes through
 * V8's runtime, and every success's patch comes here. */
function clearStateDetail(r: HealthRecord): void {
  if ('reason' in r) delete r.reason;
  if ('until' in r) delete r.until;
  if ('probe_at' in r) delete r.probe_at;
}

function setOrDelete<K extends 'reason' | 'until'>(r: HealthRecord, key: K, value: HealthRecord[K] | null): void {
  if (value === null || value === undefined) delete r[key];
  else r[key] = value;
}
