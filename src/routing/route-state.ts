// The state of one route run (route-ladder.ts) and the small writers its steps share: the facts an explanation is
// built from, the route's failure, a trail entry with its event, a pause before the next attempt. A file of its own
// so the ladder and its key-health steps (key-health.ts) both use them without importing each other.
import type { ProviderConfig } from '../config/schema.ts';
import type { Credential } from '../credentials/types.ts';
import type { ErrorKind } from '../errors/kinds.ts';
import type { UpstreamError } from '../errors/upstream-error.ts';
import type { FailureFacts, KeyFacts } from '../errors/messages.ts';
import type { CallContext } from './call-context.ts';
import type { RouteFailure, RouteFailureKind } from './errors.ts';
import type { RequestAdjustments } from './adjust.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import type { LaterRoutes } from './policy.ts';
import { makeAttempt, routeName } from './trail.ts';

interface KeyFailure {
  kind: ErrorKind;
  explanation: string;
  /** The explanation calls the failure likely transient (RouteFailure.likelyTransient). */
  likelyTransient?: true;
}

/** Mutable state of one route run. */
export interface RouteState {
  route: RouteSpec;
  provider: ProviderConfig;
  deadline: number;
  /** Same-key retries spent (connection/timeout/server/overloaded); rotations never touch it. */
  retries: number;
  authRetries: Map<string, number>;
  exclude: Set<string>;
  /** Wait before the next attempt, for the trail. */
  waitMs: number;
  /** What the next attempt's trail entry says was done before it (`re-minted after 401`), once. */
  note?: string;
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
  /** The setting that bounded it, which a timeout's explanation names so the user knows what to raise. */
  attemptLimit: TimeoutLimit;
  /** What this route changed in the request (max_tokens lowered to the model's limit): its later attempts send it,
   * the next route starts from the caller's request again. */
  adjust: RequestAdjustments;
  /** Keys this run took the single probe of (rejected, or back from a cooldown): their retries are this run's. */
  probes: Set<string>;
  /** Whether a later route of the chain could answer now (asked only when the route would wait for a reset). */
  later: () => LaterRoutes;
}

/** What bounded an attempt's time: the provider's own timeout (`providers.P.timeout`), or — when less of it was left
 * — the task's (`auxiliary.T.timeout`, `taskMs`), which its routes share. */
export interface TimeoutLimit {
  setting: string;
  taskMs?: number;
}

/** The limit on an attempt given `leftMs` before the route's deadline. */
export function timeoutLimit(ctx: CallContext, provider: string, providerTimeoutMs: number, leftMs: number): TimeoutLimit {
  if (ctx.timeoutMs === undefined || leftMs >= providerTimeoutMs) return { setting: `providers.${provider}.timeout` };
  return { setting: `auxiliary.${ctx.task}.timeout`, taskMs: ctx.timeoutMs };
}

/** A timeout's facts: how long the last attempt was given and by which setting. */
export function timeoutFacts(s: RouteState): Pick<FailureFacts, 'timeoutMs' | 'timeoutSetting' | 'taskTimeoutMs'> {
  const f: Pick<FailureFacts, 'timeoutMs' | 'timeoutSetting' | 'taskTimeoutMs'> = { timeoutMs: s.attemptTimeoutMs, timeoutSetting: s.attemptLimit.setting };
  if (s.attemptLimit.taskMs !== undefined) f.taskTimeoutMs = s.attemptLimit.taskMs;
  return f;
}

export type Step = { next: 'again' } | { next: 'done'; failure: RouteFailure; contextWindow?: number };

export function facts(ctx: CallContext, s: RouteState, kind: ErrorKind, extra: Partial<FailureFacts> = {}): FailureFacts {
  const f: FailureFacts = { kind, provider: s.route.provider, model: s.route.model, origin: s.route.origin, now: ctx.now(), ...extra };
  if (ctx.timeZone !== undefined) f.timeZone = ctx.timeZone;
  return f;
}

export function failed(s: RouteState, kind: RouteFailureKind, explanation: string, retryAfterMs?: number): RouteFailure {
  const failure: RouteFailure = { route: routeName(s.route), kind, explanation };
  if (s.lastError !== undefined) failure.cause = s.lastError;
  if (retryAfterMs !== undefined) failure.retryAfterMs = Math.max(0, retryAfterMs);
  return failure;
}

export function record(ctx: CallContext, s: RouteState, init: Omit<Parameters<typeof makeAttempt>[0], 'route' | 'waitMs'>): void {
  const attempt = makeAttempt({ ...init, route: s.route, waitMs: s.waitMs, ...(s.note !== undefined && init.credential !== undefined ? { note: s.note } : {}) });
  s.waitMs = 0;
  if (init.credential !== undefined) s.note = undefined;
  ctx.trail.push(attempt);
  ctx.events.emit({ type: 'attempt', task: ctx.task, attempt });
}

export function upstreamFacts(err: UpstreamError, cred: Credential, s: RouteState): Partial<FailureFacts> {
  const f: Partial<FailureFacts> = { key: { masked: cred.masked, sources: cred.sources }, baseUrl: s.route.baseUrl ?? s.provider.base_url, providerMessage: err.providerMessage };
  if (err.status !== undefined) f.status = err.status;
  if (err.code !== undefined) f.code = err.code;
  if (err.modelAccessDenied) f.modelAccessDenied = true;
  if (err.blocked !== undefined) f.blocked = err.blocked;
  if (err.via !== undefined) f.via = err.via;
  // A task's own base_url (only a task's route has one): the message names that setting, not the provider's.
  if (s.route.baseUrl !== undefined) f.baseUrlSetting = `${s.route.origin}.base_url`;
  return f;
}

export async function pause(ctx: CallContext, s: RouteState, kind: ErrorKind, ms: number, attempt: number): Promise<void> {
  ctx.events.emit({ type: 'retry', task: ctx.task, route: routeName(s.route), kind, delay_ms: ms, attempt });
  await ctx.sleep(ms, ctx.signal);
  s.waitMs += ms;
}
