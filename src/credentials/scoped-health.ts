// Health kept per (credential, region). A throttle, a quota or a region down in one cloud region rests the credential
// there only, so the same AWS profile or Google service account on a route in another region keeps answering
// (docs/credentials.md#health-per-region); a rejection is the credential's own and rests it everywhere. Which failure
// is whose is routing/policy.ts's HEALTH_SCOPE; this file says where each is kept and which one decides.
import type { HealthStore } from '../state/types.ts';
import { emptyHealth } from '../state/merge.ts';
import { keyWhy, usability, whyPartsOf, type KeyWhy, type Usability } from './health.ts';
import type { CandidateStatus, Credential, HealthRecord } from './types.ts';

/** `credential`: the credential's own record, read by every route holding it; `region`: its record for the route's
 * region (a provider with no region keeps it on the credential's own). */
export type HealthScope = 'credential' | 'region';

type Scoped = Pick<Credential, 'fingerprint' | 'provider' | 'region'>;

/** `FINGERPRINT@REGION`: a fingerprint is hex, so no `@` is ever part of one. */
export function regionalKey(fingerprint: string, region: string): string {
  return `${fingerprint}@${region}`;
}

/** Where a failure of this scope is kept for the credential. */
export function healthKey(cred: Pick<Credential, 'fingerprint' | 'region'>, scope: HealthScope): string {
  return scope === 'region' && cred.region !== undefined
    ? regionalKey(cred.fingerprint, cred.region)
    : cred.fingerprint;
}

/** The credential and region a regional record belongs to; undefined for a credential's own record. */
export function splitRegionalKey(key: string): { fingerprint: string; region: string } | undefined {
  const at = key.indexOf('@');
  return at < 0 ? undefined : { fingerprint: key.slice(0, at), region: key.slice(at + 1) };
}

export interface StandingHealth {
  /** The record whose state decides whether the credential can be used on its route. */
  record: HealthRecord;
  /** Where that state is kept: a probe of it is written there. */
  key: string;
  /** Set when the region's record decides. */
  region?: string;
}

/** The credential's own state decides when it is set aside (a rejection rests it in every region); otherwise its
 * region's, shown as the credential's record (its fingerprint, counters and last success) with the region's state. */
export function standingHealth(store: Pick<HealthStore, 'getHealth'>, cred: Scoped, now: number): StandingHealth {
  const own = store.getHealth(cred.fingerprint) ?? emptyHealth(cred.fingerprint, cred.provider);
  if (cred.region === undefined) return { record: own, key: cred.fingerprint };
  const key = regionalKey(cred.fingerprint, cred.region);
  const regional = store.getHealth(key);
  if (regional === undefined || regional.state === 'ok') return { record: own, key: cred.fingerprint };
  const u = usability(own, now);
  if (!u.usable || u.probe) return { record: own, key: cred.fingerprint };
  return { record: withRegionalState(own, regional), key, region: cred.region };
}

const STATE_FIELDS = [
  'reason',
  'until',
  'probe_at',
  'state_at',
  'last_failure_at',
  'last_failure_kind',
  'last_failure_message',
] as const;

function withRegionalState(own: HealthRecord, regional: HealthRecord): HealthRecord {
  const r: HealthRecord = { ...own, state: regional.state };
  for (const field of STATE_FIELDS) {
    if (regional[field] === undefined) delete r[field];
    else Object.assign(r, { [field]: regional[field] });
  }
  return r;
}

/** Why a key is unusable, naming the region whose record decided it (the pool's keys and a task's own key alike):
 * after its state, the last of its parts. */
export function whyInRegion(w: KeyWhy, region: string | undefined): KeyWhy {
  if (region === undefined) return w;
  const parts = [...w.whyParts];
  parts[parts.length - 1] = `${parts.at(-1) ?? ''} (in ${region})`;
  return keyWhy(...parts);
}

/** A key with its health as the pool, the task keys and the dashboard list it: `region` when its region's record
 * decides. */
export function candidateStatus(
  credential: CandidateStatus['credential'],
  health: HealthRecord,
  u: Usability,
  region?: string,
): CandidateStatus {
  const status: CandidateStatus = { credential, health, usable: u.usable };
  if (u.why !== undefined) Object.assign(status, whyInRegion(keyWhy(...whyPartsOf(u)), region));
  if (region !== undefined) status.region = region;
  return status;
}
