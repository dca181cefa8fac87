// What a route's failures mean for its keys: cool and rotate, run AUTH_RULES, set a key aside for a model, or settle
// a pick with no usable key (docs/routing.md#the-route-ladder-one-route). The ladder only looks the action up.
import type {
  AuthVerdict,
  CandidateStatus,
  CoolingReason,
  Credential,
  HealthRecord,
  PickResult,
} from '../credentials/types.ts';
import { authVerdict, keyWhy, suspectProbeInterval, suspectSince, whyPartsOf } from '../credentials/health.ts';
import { describeCredential } from '../credentials/describe.ts';
import { missingFacts } from '../credentials/resolve.ts';
import type { UpstreamError } from '../errors/upstream-error.ts';
import {
  describeAllUnusable,
  describeMissing,
  describeRejected,
  explain,
  rejectionLikelyTransient,
  type FailureFacts,
} from '../errors/messages.ts';
import { withPostscript, type Explanation } from '../errors/explanation.ts';
import { providerWords } from '../errors/explain-format.ts';
import { coolingWait } from './backoff.ts';
import type { UnusableKey } from '../calls/types.ts';
import type { RouteFailureKind } from './errors.ts';
import { unusableKeysReason } from './skip-reasons.ts';
import { coolingWaitAction, HEALTH_SCOPE } from './policy.ts';
import { healthKey } from '../credentials/scoped-health.ts';
import type { RouteRun, Step } from './route-run.ts';
import { recordCooling, recordRejection, retryRejection } from './key-record.ts';

/** A key set aside is news once: a burst of calls sharing it each get the same 429, and identical lines would drown
 * the one that matters. */
function emitCooldown(
  run: RouteRun,
  cred: Credential,
  reason: CoolingReason | 'rejected' | 'revoked',
  until: number,
  before: HealthRecord | undefined,
  said?: string,
): void {
  const { ctx } = run;
  const resting = before !== undefined && before.until !== undefined && before.until > ctx.now();
  const sameReason =
    before?.state === 'rejected'
      ? reason === 'rejected' || reason === 'revoked'
      : before?.state === 'cooling' && before.reason === reason;
  if (resting && sameReason) return;
  const event = {
    type: 'cooldown' as const,
    provider: run.route.provider,
    fingerprint: cred.fingerprint,
    masked: cred.masked,
    credential: describeCredential(cred),
    reason,
    until,
    // A throttle rests the key in its region only (HEALTH_SCOPE): the line says which.
    ...(cred.region !== undefined && reason !== 'rejected' && reason !== 'revoked' && HEALTH_SCOPE[reason] === 'region'
      ? { region: cred.region }
      : {}),
  };
  ctx.events.emit(said ? { ...event, said } : event);
}

/** A key that was set aside (cooling, or rejected and probed) answered. */
export function emitRecovered(run: RouteRun, cred: Credential, before: HealthRecord): void {
  const after = before.state === 'rejected' ? 'rejected' : (before.reason ?? 'rate_limited');
  run.ctx.events.emit({
    type: 'recovered',
    provider: run.route.provider,
    fingerprint: cred.fingerprint,
    masked: cred.masked,
    credential: describeCredential(cred),
    after,
  });
}

export function coolAndRotate(run: RouteRun, cred: Credential, err: UpstreamError): Step {
  const { ctx } = run;
  const kind = err.kind as 'rate_limited' | 'quota';
  const before = ctx.store.getHealth(healthKey(cred, HEALTH_SCOPE[kind]));
  const health = recordCooling(run.keys, cred, err, ctx.now());
  if (health.until !== undefined) emitCooldown(run, cred, health.reason ?? kind, health.until, before);
  const until = health.until !== undefined ? { until: health.until } : {};
  run.keyFailed({ kind, explanation: explain(run.facts(kind, { ...run.upstreamFacts(err, cred), ...until })) });
  return { next: 'again' };
}

/** The key may not use this route's model: a restriction, not a fault, so it is set aside for this route only and its
 * health left alone. */
export function refusedModel(run: RouteRun, cred: Credential, err: UpstreamError): Step {
  const upstream = run.upstreamFacts(err, cred);
  run.refuseModel(cred, upstream);
  // Said after it is counted: the explanation names every key refused the model so far.
  run.keyFailed({ kind: 'not_found', explanation: explain(run.facts('not_found', upstream)) });
  return { next: 'again' };
}

/** A rejected key: its verdict picks the AUTH_RULES row. `remint`, what came of re-minting it, is said in the
 * explanation. */
export async function authRejected(
  run: RouteRun,
  cred: Credential,
  err: UpstreamError,
  remint?: string,
): Promise<Step> {
  const { ctx } = run;
  const retry = ctx.loaded.config.retry;
  const before = ctx.store.getHealth(cred.fingerprint);
  const verdict = authVerdict(before, ctx.now());
  const used = run.authRetriesOf(cred.fingerprint);
  // A key that has worked before is probably fine: a transient 401 (seed 002). Back off and try it again.
  const remainingMs = run.deadline - ctx.now();
  const wait = retryRejection(run.keys, cred, err, { verdict, used, retry, rand: ctx.random, remainingMs });
  if (wait !== undefined) {
    await run.pause(err.kind, wait, run.spendAuthRetry(cred.fingerprint));
    return run.retry(cred);
  }
  const health = recordRejection(run.keys, cred, err, verdict);
  // Set aside: cooling (auth_suspect), or rejected until its next single probe. A suspect key whose probe failed was
  // resting already, and says nothing new (emitCooldown).
  if (health.until !== undefined && (health.state === 'cooling' || health.state === 'rejected')) {
    const reason =
      health.state === 'rejected'
        ? verdict === 'revoked'
          ? 'revoked'
          : 'rejected'
        : (health.reason ?? 'auth_suspect');
    const said = [providerWords(err.status, err.providerMessage), remint].filter((w) => w !== undefined && w !== '');
    emitCooldown(run, cred, reason, health.until, before, said.length > 0 ? said.join('; ') : undefined);
  }
  run.setAside(cred);
  const f = rejectedFacts(run, cred, err, { verdict, before, health, retries: used });
  run.keyFailed({
    kind: 'auth_rejected',
    explanation: remint === undefined ? describeRejected(f) : withPostscript(describeRejected(f), ` (${remint})`),
    ...(rejectionLikelyTransient(f) ? { likelyTransient: true as const } : {}),
  });
  return { next: 'again' };
}

/** What a rejected key's past says in its explanation: when it last worked, and since when it is rejected (revoked).
 * Shared with the live probe. */
export function keyPast(
  verdict: AuthVerdict,
  before: HealthRecord | undefined,
): Pick<FailureFacts, 'lastSuccessAt' | 'rejectedSince'> {
  const f: Pick<FailureFacts, 'lastSuccessAt' | 'rejectedSince'> = {};
  if (before?.last_success_at !== undefined) f.lastSuccessAt = before.last_success_at;
  const since = suspectSince(before);
  if (verdict === 'revoked' && since !== undefined) f.rejectedSince = since;
  return f;
}

function rejectedFacts(
  run: RouteRun,
  cred: Credential,
  err: UpstreamError,
  o: { verdict: AuthVerdict; before: HealthRecord | undefined; health: HealthRecord; retries: number },
): FailureFacts {
  const f = run.facts('auth_rejected', {
    ...run.upstreamFacts(err, cred),
    retries: o.retries,
    verdict: o.verdict,
    ...keyPast(o.verdict, o.before),
  });
  // A known-good key given up on rests as auth_suspect from now: said at once, so the next call's "every key is
  // resting" (a 503 with Retry-After at the gateway) is no surprise after "likely transient".
  const resting = o.verdict === 'suspect_probe' || (o.verdict === 'known_good' && o.health.state === 'cooling');
  if (resting) {
    if (o.health.until !== undefined) f.until = o.health.until;
    f.probeEveryMs = suspectProbeInterval(run.ctx.loaded.config.cooldowns);
  }
  return f;
}

/** Why no key of a route is usable, as a kind: a key rejected in this call first; then `quota` or `all_cooling` for
 * resting keys, so a caller can tell "top up billing" from "wait". */
function unusableKind(candidates: readonly CandidateStatus[], authFailed: boolean): RouteFailureKind {
  const cooling = candidates.filter((c) => c.health.state === 'cooling');
  if (authFailed || cooling.length === 0) return 'auth_rejected';
  return cooling.every((c) => c.health.reason === 'quota') ? 'quota' : 'all_cooling';
}

export async function noUsableKey(run: RouteRun, picked: Exclude<PickResult, { ok: true }>): Promise<Step> {
  const { ctx, route } = run;
  const now = ctx.now();
  if (picked.reason === 'missing') {
    run.record({ outcome: 'auth_missing', startedAt: now, endedAt: now, message: 'no API key' });
    return {
      next: 'done',
      failure: run.fail('auth_missing', describeMissing(missingFacts(ctx.loaded, route.provider, picked.withheld))),
    };
  }
  // Rate-limited with no key left: wait only if the first key is back within max_wait (and the deadline), and no later
  // route could answer now (COOLING_WAIT_RULE).
  const back = coolingWait(
    picked.earliestUntil,
    now,
    ctx.loaded.config.retry.max_wait - run.coolingWaited,
    run.deadline - now,
  );
  const wait = back !== undefined && coolingWaitAction(run.later()) === 'wait_for_reset' ? back : undefined;
  if (wait !== undefined) {
    const ms = Math.max(1, wait);
    run.waitedForCooling(ms);
    await run.pause(run.keyFailures.at(-1)?.kind ?? 'rate_limited', ms, run.retries);
    return { next: 'again' };
  }
  const candidates = picked.candidates.map((c) => markRefused(c, run));
  const others = candidates.filter((c) => !run.modelRefused.has(c.credential.fingerprint));
  if (run.modelRefused.size > 0 && others.length === 0)
    return { next: 'done', failure: run.fail('not_found', noKeyForModel(run)) };
  // Keys that could not even be minted had nothing to send: the route's failure is a missing key, not a rejection.
  const unminted = run.keyFailures.length > 0 && run.keyFailures.every((f) => f.kind === 'auth_missing');
  const kind = unminted
    ? 'auth_missing'
    : unusableKind(
        others,
        run.keyFailures.some((f) => f.kind === 'auth_rejected'),
      );
  const last = run.keyFailures.at(-1);
  const tf = ctx.timeZone !== undefined ? { timeZone: ctx.timeZone } : {};
  // The only key's own failure is the route's: its explanation, and what that says of the failure being transient.
  const own = candidates.length === 1 ? last : undefined;
  const explanation = own
    ? own.explanation
    : describeAllUnusable({
        provider: route.provider,
        candidates,
        now,
        ...tf,
        ...(picked.earliestUntil !== undefined ? { earliestUntil: picked.earliestUntil } : {}),
      });
  if (run.tried === 0)
    run.record({
      outcome: 'skipped',
      skip: 'no_usable_key',
      startedAt: now,
      endedAt: now,
      message: `every key for ${route.provider} is unusable: ${unusableKeysReason(candidates, now, ctx.trials, tf)}`,
      unusableKeys: candidates.map(unusableKey),
    });
  const retryAfter =
    kind !== 'auth_rejected' && picked.earliestUntil !== undefined ? picked.earliestUntil - now : undefined;
  const failure = run.fail(kind, explanation, retryAfter);
  if (own?.likelyTransient) failure.likelyTransient = true;
  return { next: 'done', failure };
}

/** A key and why it could not be used, for the trail: a skipped route's note names each key's real state. */
function unusableKey(c: CandidateStatus): UnusableKey {
  return {
    masked: c.credential.masked,
    from: c.credential.sources.map((src) => ({ ...src })),
    why: c.why ?? 'unusable',
    why_parts: [...whyPartsOf(c)],
  };
}

/** A key refused this route's model says so in the list of unusable keys, rather than "already tried". */
function markRefused(c: CandidateStatus, run: RouteRun): CandidateStatus {
  if (!run.modelRefused.has(c.credential.fingerprint)) return c;
  return { ...c, usable: false, ...keyWhy(`may not use model "${run.route.model}"`) };
}

/** Every key of the provider was refused this model: one explanation naming them all, with the provider's words. */
function noKeyForModel(run: RouteRun): Explanation {
  return explain(
    run.facts('not_found', {
      ...run.lastRefusal,
      modelAccessDenied: true,
      refusedKeys: [...run.modelRefused.values()],
    }),
  );
}
