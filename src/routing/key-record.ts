// A failure in a key's health as the router records it (cooling, a rejection, its AUTH_RULES row) and whether a
// rejected key is asked again: shared by the ladder (key-health.ts) and the live probe (inspect/probe.ts), so a probe
// with --record rests a key exactly as a request would. Also who writes a key's health on a route (KeyWriter).
import type { Config } from '../config/schema.ts';
import type { AuthVerdict, Credential, FailureReport, HealthRecord } from '../credentials/types.ts';
import type { CredentialPool } from '../credentials/pool.ts';
import type { UpstreamError } from '../errors/upstream-error.ts';
import type { HealthStore } from '../state/types.ts';
import { emptyHealth } from '../state/merge.ts';
import { knownGoodPatch } from '../credentials/health.ts';
import { retryDelay } from './backoff.ts';
import { AUTH_RULES, HEALTH_SCOPE } from './policy.ts';
import { healthKey, type HealthScope } from '../credentials/scoped-health.ts';

type Recorder = Pick<CredentialPool, 'recordFailure'>;

/** What a route writes to a key's health through: the pool for a request; for the live probe, the pool only with
 * --record (and a models list, which proves little, records only its failures). */
export type KeyWriter = Pick<CredentialPool, 'recordUse' | 'recordSuccess' | 'recordFailure' | 'recordHeaders'>;

/** Writes nothing: each write answers with the key's health as it stands, so what reads it back finds it unchanged. */
export function unwritten(store: Pick<HealthStore, 'getHealth'>): KeyWriter {
  const asIs = (cred: Pick<Credential, 'fingerprint' | 'provider'>): HealthRecord =>
    store.getHealth(cred.fingerprint) ?? emptyHealth(cred.fingerprint, cred.provider);
  const failedAsIs = (
    cred: Pick<Credential, 'fingerprint' | 'provider' | 'region'>,
    _report: FailureReport,
    scope: HealthScope = 'credential',
  ): HealthRecord => {
    const key = healthKey(cred, scope);
    return store.getHealth(key) ?? emptyHealth(key, cred.provider);
  };
  return { recordUse: asIs, recordSuccess: asIs, recordFailure: failedAsIs, recordHeaders: () => undefined };
}

/** Writes a failure through the pool, and nothing else (a use or success stays as it stands). */
export function failuresOnly(pool: KeyWriter, store: Pick<HealthStore, 'getHealth'>): KeyWriter {
  return { ...unwritten(store), recordFailure: (cred, report, scope) => pool.recordFailure(cred, report, scope) };
}

/** Writes only that the key answered (knownGoodPatch), unless it is `rejected`: a probe that records nothing else
 * still proves a working key, so its first request's transient 401 is retried rather than benching it as never
 * accepted. A rejected key keeps its record whole (it would read as revoked), as does any failure. */
export function knownGoodOnly(store: Pick<HealthStore, 'getHealth' | 'applyHealth'>, now: () => number): KeyWriter {
  return {
    ...unwritten(store),
    recordSuccess: (cred) => {
      // A rejection is the credential's wherever it is sent (HEALTH_SCOPE): its own record says it.
      const own = store.getHealth(cred.fingerprint);
      if (own?.state === 'rejected') return own;
      return store.applyHealth(cred.fingerprint, knownGoodPatch(cred.provider, now()));
    },
  };
}

/** The provider's own reset time for a 429/quota answer, when it gave one. */
export function serverReset(err: UpstreamError, now: number): number | undefined {
  return err.resetAt ?? (err.retryAfterMs !== undefined ? now + err.retryAfterMs : undefined);
}

/** What the provider said, for the key's health record. */
function saidBy(err: UpstreamError): { message?: string } {
  return err.providerMessage ? { message: err.providerMessage } : {};
}

/** A failure in the key's health where HEALTH_SCOPE keeps it: a throttle in its region, a rejection on the key. */
function recordScoped(pool: Recorder, cred: Credential, report: FailureReport): HealthRecord {
  return pool.recordFailure(cred, report, HEALTH_SCOPE[report.kind]);
}

/** A 429/quota in the key's health: cooling until the provider's reset, or the configured cooldown. */
export function recordCooling(pool: Recorder, cred: Credential, err: UpstreamError, now: number): HealthRecord {
  const resetAt = serverReset(err, now);
  return recordScoped(pool, cred, {
    kind: err.kind as 'rate_limited' | 'quota',
    ...(resetAt !== undefined ? { resetAt } : {}),
    ...saidBy(err),
  });
}

/** A rejection in the key's health as it is (one about to be retried, read by AUTH_RULES again after it). */
export function recordRejected(pool: Recorder, cred: Credential, err: UpstreamError): HealthRecord {
  return recordScoped(pool, cred, { kind: 'auth_rejected', ...saidBy(err) });
}

/** A rejection the retries did not clear, as its verdict's AUTH_RULES row reports it: a known-good key rests as auth
 * suspect, one rejected again since is revoked. */
export function recordRejection(
  pool: Recorder,
  cred: Credential,
  err: UpstreamError,
  verdict: AuthVerdict,
): HealthRecord {
  return recordScoped(pool, cred, { kind: AUTH_RULES[verdict].report, ...saidBy(err) });
}

/** How long before asking again with a rejected key, per AUTH_RULES; undefined when not asked again. */
function authRetryWait(
  verdict: AuthVerdict,
  used: number,
  retry: Pick<Config['retry'], 'auth_retries' | 'base_delay' | 'max_delay'>,
  rand: () => number,
  remainingMs: number,
): number | undefined {
  if (!AUTH_RULES[verdict].retry || used >= retry.auth_retries) return undefined;
  const delay = retryDelay({
    attempt: used,
    baseMs: retry.base_delay,
    maxMs: retry.max_delay,
    rand,
    remainingMs,
    longestServerWaitMs: 0,
  });
  return delay.wait ? delay.delayMs : undefined;
}

export interface AuthRetryInput {
  verdict: AuthVerdict;
  /** Auth retries spent on the key. */
  used: number;
  retry: Pick<Config['retry'], 'auth_retries' | 'base_delay' | 'max_delay'>;
  rand: () => number;
  remainingMs: number;
}

/** A rejection asked again: the wait before it (authRetryWait), the rejection recorded in the key's health when a
 * `pool` is given (the live probe records only with --record); undefined when the key is not asked again. */
export function retryRejection(
  pool: Recorder | undefined,
  cred: Credential,
  err: UpstreamError,
  o: AuthRetryInput,
): number | undefined {
  const wait = authRetryWait(o.verdict, o.used, o.retry, o.rand, o.remainingMs);
  if (wait !== undefined && pool !== undefined) recordRejected(pool, cred, err);
  return wait;
}
