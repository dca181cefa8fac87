// One route (provider + model) until it succeeds or fails (SPEC §4 "On one route"). Each try: pick a credential,
// send, and on failure look the kind up in ROUTE_LADDER (policy.ts) — retry the same key with backoff, cool it
// and rotate at once, run the auth rules, or give the route up. Rotations never spend `max_retries`; every wait is
// bounded by the deadline; every try lands in the trail and the event stream.
import type { ProviderConfig } from '../config/schema.ts';
import type { AuthVerdict, CandidateStatus, CoolingReason, Credential, HealthRecord, PickResult } from '../credentials/types.ts';
import { authVerdict, suspectProbeInterval, suspectSince } from '../credentials/health.ts';
import { describeCredential } from '../credentials/describe.ts';
import type { ErrorKind } from '../errors/kinds.ts';
import { UpstreamError } from '../errors/upstream-error.ts';
import { explainAllUnusable, explainFailure, explainMissing, explainRejected, formatDuration, type FailureFacts, type KeyFacts } from '../errors/explain.ts';
import { providerWords } from '../errors/explain-format.ts';
import { coolingWait, retryDelay } from './backoff.ts';
import type { CallContext, Sender } from './call-context.ts';
import type { RouteFailure, RouteFailureKind } from './errors.ts';
import { pickFor } from './pick.ts';
import { AUTH_RULES, routeAction, type Refinement } from './policy.ts';
import type { RequestAdjustments } from './adjust.ts';
import type { RouteSpec } from './resolve-task.ts';
import type { Attempt, AttemptRefusal } from './types.ts';
import { makeAttempt, routeName } from './trail.ts';

export type RouteOutcome<T> =
  | { ok: true; value: T; credential: Credential }
  | { ok: false; failure: RouteFailure; contextWindow?: number };

interface KeyFailure {
  kind: ErrorKind;
  explanation: string;
}

/** Mutable state of one route run. */
interface RouteState {
  route: RouteSpec;
  provider: ProviderConfig;
  deadline: number;
  /** Same-key retries spent (connection/timeout/server/overloaded); rotations never touch it. */
  retries: number;
  authRetries: Map<string, number>;
  exclude: Set<string>;
  /** Wait before the next attempt, for the trail. */
  waitMs: number;
  coolingWaited: number;
  keyFailures: KeyFailure[];
  /** Keys the provider refused this route's model (a 403 "may not use model …"), by fingerprint: set aside for this
   * route only — their health is untouched, they stay in use for other models. */
  modelRefused: Map<string, KeyFacts>;
  /** What the provider said to the last of them, for the route's explanation when no key may use the model. */
  lastRefusal?: Partial<FailureFacts>;
  /** Retry this credential next instead of picking. */
  pinned?: Credential;
  previous?: Credential;
  tried: number;
  /** The last classified upstream error of this route: the `cause` of its failure. */
  lastError?: UpstreamError;
  /** How long the last attempt was given (the provider's timeout, or less when the deadline was nearer): what a
   * timeout's explanation quotes. */
  attemptTimeoutMs: number;
  /** What this route changed in the request (max_tokens lowered to the model's limit): its later attempts send it,
   * the next route starts from the caller's request again. */
  adjust: RequestAdjustments;
}

type Step = { next: 'again' } | { next: 'done'; failure: RouteFailure; contextWindow?: number };

function contextWindowOf(ctx: CallContext, route: RouteSpec): number | undefined {
  return ctx.loaded.config.providers[route.provider]?.models[route.model]?.context_window;
}

function facts(ctx: CallContext, s: RouteState, kind: ErrorKind, extra: Partial<FailureFacts> = {}): FailureFacts {
  const f: FailureFacts = { kind, provider: s.route.provider, model: s.route.model, origin: s.route.origin, now: ctx.now(), ...extra };
  if (ctx.timeZone !== undefined) f.timeZone = ctx.timeZone;
  return f;
}

function failed(s: RouteState, kind: RouteFailureKind, explanation: string, retryAfterMs?: number): RouteFailure {
  const failure: RouteFailure = { route: routeName(s.route), kind, explanation };
  if (s.lastError !== undefined) failure.cause = s.lastError;
  if (retryAfterMs !== undefined) failure.retryAfterMs = Math.max(0, retryAfterMs);
  return failure;
}

function record(ctx: CallContext, s: RouteState, init: Omit<Parameters<typeof makeAttempt>[0], 'route' | 'waitMs'>): void {
  const attempt = makeAttempt({ ...init, route: s.route, waitMs: s.waitMs });
  s.waitMs = 0;
  ctx.trail.push(attempt);
  ctx.events.emit({ type: 'attempt', task: ctx.task, attempt });
}

/** The request was sent, then the caller cancelled the call: it stays in the trail (the gateway's log counts what was
 * sent), but no event goes out, since nothing about the provider or its key was learned. */
function recordCancelled(ctx: CallContext, s: RouteState, cred: Credential, startedAt: number): void {
  ctx.trail.push(makeAttempt({ route: s.route, credential: cred, outcome: 'cancelled', startedAt, endedAt: ctx.now(), waitMs: s.waitMs }));
  s.waitMs = 0;
}

/** A route the config cannot make work (unknown provider, no model): fails at once, nothing is sent. */
function invalidRoute(ctx: CallContext, route: RouteSpec, why: string): RouteOutcome<never> {
  const now = ctx.now();
  const attempt = makeAttempt({ route, outcome: 'skipped', startedAt: now, endedAt: now, waitMs: 0, message: why });
  ctx.trail.push(attempt);
  ctx.events.emit({ type: 'attempt', task: ctx.task, attempt });
  return { ok: false, failure: { route: routeName(route), kind: 'not_found', explanation: why } };
}

/** `deadline`: when this route must give up (its share of a task's deadline, see runChain); else the provider's
 * timeout bounds each attempt. */
export async function runRoute<T>(route: RouteSpec, ctx: CallContext, send: Sender<T>, deadline?: number): Promise<RouteOutcome<T>> {
  const provider = ctx.loaded.config.providers[route.provider];
  if (route.invalid || !provider) return invalidRoute(ctx, route, route.invalid ?? `provider ${route.provider} is not configured (there is no providers.${route.provider})`);
  const started = ctx.now();
  const s: RouteState = {
    route, provider, deadline: deadline ?? ctx.deadline ?? started + provider.timeout, attemptTimeoutMs: provider.timeout,
    retries: 0, authRetries: new Map(), exclude: new Set(), waitMs: 0, coolingWaited: 0, keyFailures: [], modelRefused: new Map(), tried: 0,
    adjust: {},
  };
  for (;;) {
    const now = ctx.now();
    if (now >= s.deadline) return { ok: false, failure: deadlinePassed(ctx, s) };
    if (!ctx.breakers.allow(route.provider)) return { ok: false, failure: breakerOpen(ctx, s) };
    const picked: PickResult = s.pinned ? { ok: true, credential: s.pinned, skipped: [], probe: false } : pickFor(route, pickDeps(ctx), s.exclude);
    s.pinned = undefined;
    if (!picked.ok) {
      ctx.breakers.release(route.provider);
      const step = await noUsableKey(ctx, s, picked);
      if (step.next === 'done') return { ok: false, failure: step.failure };
      continue;
    }
    const cred = picked.credential;
    if (s.previous && s.previous.fingerprint !== cred.fingerprint) {
      ctx.events.emit({ type: 'rotate', task: ctx.task, provider: route.provider, from: s.previous.masked, to: cred.masked, kind: s.keyFailures.at(-1)?.kind ?? 'rate_limited' });
    }
    s.previous = cred;
    const result = await tryOnce(ctx, s, cred, send);
    if (result.ok) return result;
    const step = await afterFailure(ctx, s, cred, result.error);
    if (step.next === 'done') return step.contextWindow !== undefined ? { ok: false, failure: step.failure, contextWindow: step.contextWindow } : { ok: false, failure: step.failure };
  }
}

function pickDeps(ctx: CallContext): Parameters<typeof pickFor>[1] {
  return { pool: ctx.pool, store: ctx.store, cooldowns: ctx.loaded.config.cooldowns, now: ctx.now, origins: ctx.loaded.origins };
}

async function tryOnce<T>(ctx: CallContext, s: RouteState, cred: Credential, send: Sender<T>): Promise<{ ok: true; value: T; credential: Credential } | { ok: false; error: UpstreamError }> {
  const { route, provider } = s;
  const adapter = ctx.adapterFor(provider.type);
  ctx.pool.recordUse(cred);
  s.tried += 1;
  const startedAt = ctx.now();
  const sendCtx = {
    provider: route.provider,
    baseUrl: route.baseUrl ?? provider.base_url,
    apiKey: cred.secret,
    headers: provider.headers,
    timeoutMs: (s.attemptTimeoutMs = Math.max(1, Math.min(provider.timeout, s.deadline - startedAt))),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
  try {
    const value = await send(adapter, sendCtx, route, s.adjust);
    const before = ctx.store.getHealth(cred.fingerprint);
    const after = ctx.pool.recordSuccess(cred, startedAt);
    if (before !== undefined && before.state !== 'ok' && after.state === 'ok') emitRecovered(ctx, s, cred, before);
    ctx.breakers.recordSuccess(route.provider);
    record(ctx, s, { credential: cred, outcome: 'ok', startedAt, endedAt: ctx.now() });
    return { ok: true, value, credential: cred };
  } catch (err) {
    // A caller's abort is not the provider's failure: no health, no breaker, no fallback.
    if (ctx.signal?.aborted || !UpstreamError.isInstance(err)) {
      ctx.breakers.release(route.provider);
      if (ctx.signal?.aborted) recordCancelled(ctx, s, cred, startedAt);
      throw err;
    }
    s.lastError = err;
    ctx.breakers.recordFailure(route.provider, err.kind);
    const refusal: AttemptRefusal | undefined = err.modelAccessDenied ? 'model_access' : err.blocked;
    const init = { credential: cred, startedAt, endedAt: ctx.now(), ...failedOutcome(s, err), ...(refusal !== undefined ? { refusal } : {}) };
    record(ctx, s, err.status !== undefined ? { ...init, status: err.status } : init);
    return { ok: false, error: err };
  }
}

/** A failed attempt's outcome in the trail: its kind, or `max_tokens_clamped` (and to what) when the route is about
 * to send the request again with a lower max_tokens (afterFailure's `lower_max_tokens`). */
function failedOutcome(s: RouteState, err: UpstreamError): { outcome: Attempt['outcome']; message?: string; maxTokens?: number } {
  const said = err.providerMessage ? { message: err.providerMessage } : {};
  const lowerTo = routeAction(err.kind, refinementOf(s, err)) === 'lower_max_tokens' ? err.outputLimit : undefined;
  if (lowerTo === undefined) return { outcome: err.kind, ...said };
  const quoted = err.providerMessage ? ` — ${err.providerMessage}` : '';
  return { outcome: 'max_tokens_clamped', maxTokens: lowerTo, message: `max_tokens is above what ${s.route.model} accepts: sent again with max_tokens ${lowerTo}${quoted}` };
}

function upstreamFacts(err: UpstreamError, cred: Credential, s: RouteState): Partial<FailureFacts> {
  const f: Partial<FailureFacts> = { key: { masked: cred.masked, sources: cred.sources }, baseUrl: s.route.baseUrl ?? s.provider.base_url, providerMessage: err.providerMessage };
  if (err.status !== undefined) f.status = err.status;
  if (err.code !== undefined) f.code = err.code;
  if (err.modelAccessDenied) f.modelAccessDenied = true;
  if (err.blocked !== undefined) f.blocked = err.blocked;
  // A task's own base_url (only a task's route has one): the message names that setting, not the provider's.
  if (s.route.baseUrl !== undefined) f.baseUrlSetting = `${s.route.origin}.base_url`;
  return f;
}

/** What the failure says beyond its kind that the route may still act on: a stated output limit, until the route has
 * lowered max_tokens once. */
function refinementOf(s: RouteState, err: UpstreamError): Refinement | undefined {
  return err.outputLimit !== undefined && s.adjust.maxTokens === undefined ? 'output_limit' : undefined;
}

async function afterFailure(ctx: CallContext, s: RouteState, cred: Credential, err: UpstreamError): Promise<Step> {
  const kind = err.kind;
  switch (routeAction(kind, refinementOf(s, err))) {
    case 'lower_max_tokens':
      // Nothing is wrong with the key or the provider: the same key, at once, with what the model said it takes.
      if (err.outputLimit === undefined) return { next: 'done', failure: failed(s, kind, explainFailure(facts(ctx, s, kind, upstreamFacts(err, cred, s)))) };
      s.adjust.maxTokens = err.outputLimit;
      s.pinned = cred;
      return { next: 'again' };
    case 'retry_same_key':
      return retrySameKey(ctx, s, cred, err);
    case 'cool_and_rotate':
      return coolAndRotate(ctx, s, cred, err);
    case 'auth':
      return authRejected(ctx, s, cred, err);
    case 'skip_to_fitting_route': {
      const window = contextWindowOf(ctx, s.route);
      const explanation = explainFailure(facts(ctx, s, kind, { ...upstreamFacts(err, cred, s), ...(window !== undefined ? { contextWindow: window } : {}) }));
      return window !== undefined ? { next: 'done', failure: failed(s, kind, explanation), contextWindow: window } : { next: 'done', failure: failed(s, kind, explanation) };
    }
    case 'fail_route':
      if (err.modelAccessDenied) return refusedModel(ctx, s, cred, err);
      return { next: 'done', failure: failed(s, kind, explainFailure(facts(ctx, s, kind, upstreamFacts(err, cred, s)))) };
    case 'fail_call':
      return { next: 'done', failure: failed(s, kind, explainFailure(facts(ctx, s, kind, upstreamFacts(err, cred, s)))) };
  }
}

async function retrySameKey(ctx: CallContext, s: RouteState, cred: Credential, err: UpstreamError): Promise<Step> {
  const retry = ctx.loaded.config.retry;
  const explain = (): string => explainFailure(facts(ctx, s, err.kind, { ...upstreamFacts(err, cred, s), retries: s.retries, timeoutMs: s.attemptTimeoutMs }));
  if (s.retries >= retry.max_retries) return { next: 'done', failure: failed(s, err.kind, explain()) };
  // `x-should-retry: false`: the provider says this one will not get better by asking again.
  if (err.shouldRetry === false) return { next: 'done', failure: failed(s, err.kind, `${explain()} (the provider said not to retry)`) };
  const delay = retryDelay({
    attempt: s.retries, baseMs: retry.base_delay, maxMs: retry.max_delay, rand: ctx.random,
    remainingMs: s.deadline - ctx.now(), longestServerWaitMs: Math.max(retry.max_delay, retry.max_wait),
    ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
  });
  if (!delay.wait) {
    const why = delay.reason === 'deadline' ? 'no time left before the deadline to retry' : `the provider asked to wait ${formatDuration(delay.delayMs)}, longer than worth waiting`;
    return { next: 'done', failure: failed(s, err.kind, `${explain()} (${why})`) };
  }
  s.retries += 1;
  await pause(ctx, s, err.kind, delay.delayMs, s.retries);
  s.pinned = cred;
  return { next: 'again' };
}

async function pause(ctx: CallContext, s: RouteState, kind: ErrorKind, ms: number, attempt: number): Promise<void> {
  ctx.events.emit({ type: 'retry', task: ctx.task, route: routeName(s.route), kind, delay_ms: ms, attempt });
  await ctx.sleep(ms, ctx.signal);
  s.waitMs += ms;
}

/**
 * A key set aside is news once: calls already in flight when it was set aside (a burst of 50 sharing one key) each
 * get the same 429 and extend the same cooldown, and 50 identical log lines and metric increments would drown the
 * one that matters. Emitted when the key was not already resting for the same reason.
 */
function emitCooldown(ctx: CallContext, s: RouteState, cred: Credential, reason: CoolingReason | 'rejected' | 'revoked', until: number, before: HealthRecord | undefined, said?: string): void {
  const resting = before !== undefined && before.until !== undefined && before.until > ctx.now();
  const sameReason = before?.state === 'rejected' ? reason === 'rejected' || reason === 'revoked' : before?.state === 'cooling' && before.reason === reason;
  if (resting && sameReason) return;
  const event = { type: 'cooldown' as const, provider: s.route.provider, fingerprint: cred.fingerprint, masked: cred.masked, credential: describeCredential(cred), reason, until };
  ctx.events.emit(said ? { ...event, said } : event);
}

/** A key that was set aside (cooling, or rejected and probed) answered. */
function emitRecovered(ctx: CallContext, s: RouteState, cred: Credential, before: HealthRecord): void {
  const after = before.state === 'rejected' ? 'rejected' : (before.reason ?? 'rate_limited');
  ctx.events.emit({ type: 'recovered', provider: s.route.provider, fingerprint: cred.fingerprint, masked: cred.masked, credential: describeCredential(cred), after });
}

function coolAndRotate(ctx: CallContext, s: RouteState, cred: Credential, err: UpstreamError): Step {
  const kind = err.kind as 'rate_limited' | 'quota';
  const resetAt = err.resetAt ?? (err.retryAfterMs !== undefined ? ctx.now() + err.retryAfterMs : undefined);
  const before = ctx.store.getHealth(cred.fingerprint);
  const health = ctx.pool.recordFailure(cred, { kind, ...(resetAt !== undefined ? { resetAt } : {}), ...(err.providerMessage ? { message: err.providerMessage } : {}) });
  if (health.until !== undefined) emitCooldown(ctx, s, cred, health.reason ?? kind, health.until, before);
  const until = health.until !== undefined ? { until: health.until } : {};
  s.keyFailures.push({ kind, explanation: explainFailure(facts(ctx, s, kind, { ...upstreamFacts(err, cred, s), ...until })) });
  return { next: 'again' };
}

/** The provider refused this key this route's model: a restriction of the key (its organisation or project), not a
 * fault. It is set aside for this route only and the next key is tried; the route fails once no key is left
 * (noUsableKey). Its health is left alone: it stays in use for the provider's other models. */
function refusedModel(ctx: CallContext, s: RouteState, cred: Credential, err: UpstreamError): Step {
  const upstream = upstreamFacts(err, cred, s);
  s.exclude.add(cred.fingerprint);
  s.modelRefused.set(cred.fingerprint, { masked: cred.masked, sources: cred.sources });
  s.lastRefusal = upstream;
  s.keyFailures.push({ kind: 'not_found', explanation: explainFailure(facts(ctx, s, 'not_found', upstream)) });
  return { next: 'again' };
}

/** A rejected key: what the rejection means for it (authVerdict) picks the row of AUTH_RULES — retry it, or record
 * it as rejected, suspect or revoked and rotate. */
async function authRejected(ctx: CallContext, s: RouteState, cred: Credential, err: UpstreamError): Promise<Step> {
  const retry = ctx.loaded.config.retry;
  const before = ctx.store.getHealth(cred.fingerprint);
  const verdict = authVerdict(before, ctx.now());
  const rule = AUTH_RULES[verdict];
  const used = s.authRetries.get(cred.fingerprint) ?? 0;
  const message = err.providerMessage ? { message: err.providerMessage } : {};
  if (rule.retry && used < retry.auth_retries) {
    // A key that has worked before is probably fine: a transient 401 (seed 002). Back off and try it again.
    const delay = retryDelay({ attempt: used, baseMs: retry.base_delay, maxMs: retry.max_delay, rand: ctx.random, remainingMs: s.deadline - ctx.now(), longestServerWaitMs: 0 });
    if (delay.wait) {
      ctx.pool.recordFailure(cred, { kind: 'auth_rejected', ...message });
      s.authRetries.set(cred.fingerprint, used + 1);
      await pause(ctx, s, err.kind, delay.delayMs, used + 1);
      s.pinned = cred;
      return { next: 'again' };
    }
  }
  const health = ctx.pool.recordFailure(cred, { kind: rule.report, ...message });
  // Set aside: cooling (auth_suspect), or rejected until its next single probe. A suspect key whose probe failed was
  // resting already, and says nothing new (emitCooldown).
  if (health.until !== undefined && (health.state === 'cooling' || health.state === 'rejected')) {
    const reason = health.state === 'rejected' ? (verdict === 'revoked' ? 'revoked' : 'rejected') : (health.reason ?? 'auth_suspect');
    emitCooldown(ctx, s, cred, reason, health.until, before, providerWords(err.status, err.providerMessage));
  }
  s.exclude.add(cred.fingerprint);
  s.keyFailures.push({ kind: 'auth_rejected', explanation: explainRejected(rejectedFacts(ctx, s, cred, err, { verdict, before, health, retries: used })) });
  return { next: 'again' };
}

function rejectedFacts(ctx: CallContext, s: RouteState, cred: Credential, err: UpstreamError, o: { verdict: AuthVerdict; before: HealthRecord | undefined; health: HealthRecord; retries: number }): FailureFacts {
  const f = facts(ctx, s, 'auth_rejected', { ...upstreamFacts(err, cred, s), retries: o.retries, verdict: o.verdict });
  const lastSuccessAt = o.before?.last_success_at;
  if (lastSuccessAt !== undefined) f.lastSuccessAt = lastSuccessAt;
  const since = suspectSince(o.before);
  if (o.verdict === 'revoked' && since !== undefined) f.rejectedSince = since;
  if (o.verdict === 'suspect_probe') {
    if (o.health.until !== undefined) f.until = o.health.until;
    f.probeEveryMs = suspectProbeInterval(ctx.loaded.config.cooldowns);
  }
  return f;
}

/**
 * Why no key of a route is usable, as the call's kind. A key rejected during this very call is the news; otherwise,
 * if keys are merely resting, the caller can come back later (a 503 with Retry-After at the gateway) — `quota` when
 * every resting key is out of quota, so a caller can tell "top up billing" from "wait" by the kind, else
 * `all_cooling`; every key rejected is an auth failure.
 */
function unusableKind(candidates: readonly CandidateStatus[], authFailed: boolean): RouteFailureKind {
  const cooling = candidates.filter((c) => c.health.state === 'cooling');
  if (authFailed || cooling.length === 0) return 'auth_rejected';
  return cooling.every((c) => c.health.reason === 'quota') ? 'quota' : 'all_cooling';
}

async function noUsableKey(ctx: CallContext, s: RouteState, picked: Exclude<PickResult, { ok: true }>): Promise<Step> {
  const now = ctx.now();
  if (picked.reason === 'missing') {
    record(ctx, s, { outcome: 'auth_missing', startedAt: now, endedAt: now, message: 'no API key' });
    return { next: 'done', failure: failed(s, 'auth_missing', explainMissing({ provider: s.route.provider, lookedIn: picked.lookedIn })) };
  }
  // Rate-limited with no key left: wait only if the first key is back within max_wait (and the deadline).
  const wait = coolingWait(picked.earliestUntil, now, ctx.loaded.config.retry.max_wait - s.coolingWaited, s.deadline - now);
  if (wait !== undefined) {
    const ms = Math.max(1, wait);
    s.coolingWaited += ms;
    await pause(ctx, s, s.keyFailures.at(-1)?.kind ?? 'rate_limited', ms, s.retries);
    return { next: 'again' };
  }
  const candidates = picked.candidates.map((c) => markRefused(c, s));
  const others = candidates.filter((c) => !s.modelRefused.has(c.credential.fingerprint));
  if (s.modelRefused.size > 0 && others.length === 0) return { next: 'done', failure: failed(s, 'not_found', noKeyForModel(ctx, s)) };
  const kind = unusableKind(others, s.keyFailures.some((f) => f.kind === 'auth_rejected'));
  const last = s.keyFailures.at(-1);
  const tf = ctx.timeZone !== undefined ? { timeZone: ctx.timeZone } : {};
  const explanation = candidates.length === 1 && last
    ? last.explanation
    : explainAllUnusable({ provider: s.route.provider, candidates, now, ...tf, ...(picked.earliestUntil !== undefined ? { earliestUntil: picked.earliestUntil } : {}) });
  if (s.tried === 0) record(ctx, s, { outcome: 'skipped', startedAt: now, endedAt: now, message: `every key for ${s.route.provider} is unusable` });
  const retryAfter = kind !== 'auth_rejected' && picked.earliestUntil !== undefined ? picked.earliestUntil - now : undefined;
  return { next: 'done', failure: failed(s, kind, explanation, retryAfter) };
}

/** A key refused this route's model says so in the list of unusable keys, rather than "already tried". */
function markRefused(c: CandidateStatus, s: RouteState): CandidateStatus {
  if (!s.modelRefused.has(c.credential.fingerprint)) return c;
  return { ...c, usable: false, why: `may not use model "${s.route.model}"` };
}

/** Every key of the provider was refused this model: one explanation naming them all, with the provider's words. */
function noKeyForModel(ctx: CallContext, s: RouteState): string {
  return explainFailure(facts(ctx, s, 'not_found', { ...s.lastRefusal, modelAccessDenied: true, refusedKeys: [...s.modelRefused.values()] }));
}

function deadlinePassed(ctx: CallContext, s: RouteState): RouteFailure {
  const last = s.keyFailures.at(-1);
  const explanation = explainFailure(facts(ctx, s, 'timeout', { retries: s.retries, timeoutMs: s.attemptTimeoutMs }));
  return failed(s, last?.kind ?? 'timeout', last ? `${last.explanation}; then the deadline passed` : explanation);
}

function breakerOpen(ctx: CallContext, s: RouteState): RouteFailure {
  const now = ctx.now();
  record(ctx, s, { outcome: 'breaker_open', startedAt: now, endedAt: now, message: 'circuit breaker open' });
  const at = ctx.breakers.reopensAt(s.route.provider);
  const when = at !== undefined ? `; one probe is let through in ${formatDuration(Math.max(0, at - now))}` : '';
  const opened = `${s.route.provider} is failing repeatedly (connection or server errors), so its circuit breaker is open${when}`;
  // This call's own requests opened it (or its probe failed): the route failed for what they met — a timeout stays a
  // timeout (a 504 that SDKs are told not to retry), not "come back later" for a probe that will time out again.
  const last = s.lastError;
  if (last !== undefined && s.previous !== undefined) {
    const explanation = explainFailure(facts(ctx, s, last.kind, { ...upstreamFacts(last, s.previous, s), retries: s.retries, timeoutMs: s.attemptTimeoutMs }));
    return failed(s, last.kind, `${explanation}; ${opened}`);
  }
  return failed(s, 'breaker_open', opened, at !== undefined ? Math.max(0, at - now) : undefined);
}
