// One route run as an object: the route's state while tried, changed only through its own methods (setAside,
// spendRetry, adjustRequest, resendFresh, fail, record, pause …), so the ladder, key-health.ts, mint-step.ts, budget-step.ts and
// affinity-step.ts share it without importing each other or writing its fields; the policy stays in policy.ts.
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
import type { Attempt } from '../calls/types.ts';
import { makeAttempt, type AttemptInit } from '../calls/trail.ts';
import { billAttempt, type Billed } from '../calls/billed.ts';
import { routeName } from '../config/route-name.ts';
import type { BudgetRefusal } from '../budgets/words.ts';
import type { Explanation } from '../errors/explanation.ts';
import { cliLine } from '../errors/explanation.ts';
import type { KeyWriter } from './key-record.ts';

export interface KeyFailure {
  kind: ErrorKind;
  explanation: Explanation;
  /** The explanation calls the failure likely transient (RouteFailure.likelyTransient). */
  likelyTransient?: true;
}

/** What bounded an attempt's time: the provider's own timeout (`providers.P.timeout`), or — when less of it was left
 * — the task's (`auxiliary.T.timeout`, `taskMs`), which its routes share; `whole` when this route had all of it. */
export interface TimeoutLimit {
  setting: string;
  taskMs?: number;
  whole?: true;
}

export type Step = { next: 'again' } | { next: 'done'; failure: RouteFailure; contextWindow?: number };

/** An attempt as the ladder tells it: the run adds its route and the wait before it. */
export type RecordInit = Omit<AttemptInit, 'route' | 'waitMs'>;

/** The limit on an attempt given `leftMs` before the route's deadline. */
function timeoutLimit(run: RouteRun, leftMs: number): TimeoutLimit {
  const { ctx, provider, route } = run;
  if (ctx.timeoutMs === undefined || leftMs >= provider.timeout)
    return { setting: `providers.${route.provider}.timeout` };
  const limit: TimeoutLimit = { setting: `auxiliary.${ctx.task}.timeout`, taskMs: ctx.timeoutMs };
  if (run.wholeTask) limit.whole = true;
  return limit;
}

export interface RouteRunInit {
  ctx: CallContext;
  route: RouteSpec;
  provider: ProviderConfig;
  deadline: number;
  /** The route has the task's whole deadline: no route was tried before it and none is left after it. */
  wholeTask?: boolean;
  later: () => LaterRoutes;
}

/** What an upstream failure says for its explanation: the key, where it was sent (and the setting naming a task's own
 * base_url), and the provider's answer. Shared with the live probe, which explains a failure as a request would. */
export function upstreamFacts(
  err: UpstreamError,
  cred: Pick<Credential, 'masked' | 'sources'>,
  baseUrl: string,
  baseUrlSetting?: string,
): Partial<FailureFacts> {
  const f: Partial<FailureFacts> = {
    key: { masked: cred.masked, sources: cred.sources },
    baseUrl,
    providerMessage: err.providerMessage,
  };
  if (err.status !== undefined) f.status = err.status;
  if (err.code !== undefined) f.code = err.code;
  if (err.modelAccessDenied) f.modelAccessDenied = true;
  if (err.blocked !== undefined) f.blocked = err.blocked;
  if (err.via !== undefined) f.via = err.via;
  if (baseUrlSetting !== undefined) f.baseUrlSetting = baseUrlSetting;
  return f;
}

/** What the getters give while nothing was written: read-only, shared by every run. */
const NONE: ReadonlySet<string> = new Set();
const NO_FACTS: ReadonlyMap<string, KeyFacts> = new Map();
const NO_REMINTS: ReadonlyMap<string, string | undefined> = new Map();

/** One route tried until it succeeds or fails: its state, and the writers its steps share. */
export class RouteRun {
  readonly ctx: CallContext;
  readonly route: RouteSpec;
  readonly provider: ProviderConfig;
  readonly deadline: number;
  /** RouteRunInit.wholeTask. */
  readonly wholeTask: boolean;
  /** Whether a later route of the chain could answer now (asked only when the route would wait for a reset). */
  readonly later: () => LaterRoutes;
  /** Where the run writes its keys' health: the pool, or the live probe's writer (CallContext.only). */
  readonly keys: KeyWriter;
  /** Same-key retries spent (connection/timeout/server/overloaded); rotations never touch it. */
  #retries = 0;
  // The collections below are made when first written: a run that succeeds at once (most) writes none of them.
  #authRetries: Map<string, number> | undefined;
  /** Keys given up for this run: the next pick passes them by. */
  #exclude: Set<string> | undefined;
  #coolingWaited = 0;
  readonly #keyFailures: KeyFailure[] = [];
  /** Keys the provider refused this route's model (a 403 "may not use model …"), by fingerprint: set aside for this
   * route only — their health is untouched, they stay in use for other models. */
  #modelRefused: Map<string, KeyFacts> | undefined;
  /** What the provider said to the last of them, for the route's explanation when no key may use the model. */
  #lastRefusal: Partial<FailureFacts> | undefined;
  /** The last classified upstream error of this route: the `cause` of its failure. */
  #lastError: UpstreamError | undefined;
  /** What this route changed in the request (max_tokens lowered to the model's limit): its later attempts send it,
   * the next route starts from the caller's request again. */
  readonly #adjust: RequestAdjustments = {};
  /** Keys this run took the single probe of (rejected, or back from a cooldown): their retries are this run's. */
  #probes: Set<string> | undefined;
  /** Minted credentials this run re-minted already (by fingerprint): once each (mint-step.ts), with what came of it
   * when it did not help (`re-minting after 401 failed: …`), said with each later rejection of the key. */
  #reminted: Map<string, string | undefined> | undefined;
  /** The last key budget that set a key of this route aside (budget-step.ts): the route's failure when none is left. */
  #budgetRefusal: BudgetRefusal | undefined;
  /** Wait before the next attempt, for the trail. */
  #waitMs = 0;
  /** The route sent a request again on a fresh connection (the `resend_fresh` action): once per route. */
  #resentFresh = false;
  /** The next attempt goes on a fresh connection: once. */
  #freshNext = false;
  /** What the next attempt's trail entry says was done before it (`re-minted after 401`), once. */
  #note: string | undefined;
  /** Retry this credential next instead of picking. */
  #pinned: Credential | undefined;
  #previous: Credential | undefined;
  #tried = 0;
  /** How long the last attempt was given (the provider's timeout, or less when the deadline was nearer): what a
   * timeout's explanation quotes. */
  #attemptTimeoutMs: number;
  /** The setting that bounded it, which a timeout's explanation names so the user knows what to raise. */
  #attemptLimit: TimeoutLimit;

  constructor(init: RouteRunInit) {
    this.ctx = init.ctx;
    this.route = init.route;
    this.provider = init.provider;
    this.deadline = init.deadline;
    this.wholeTask = init.wholeTask ?? false;
    this.later = init.later;
    this.keys = init.ctx.only?.keys ?? init.ctx.pool;
    this.#attemptTimeoutMs = init.provider.timeout;
    this.#attemptLimit = { setting: `providers.${init.route.provider}.timeout` };
  }

  /** Same-key retries spent. */
  get retries(): number {
    return this.#retries;
  }

  /** Auth retries spent on a key. */
  authRetriesOf(fingerprint: string): number {
    return this.#authRetries?.get(fingerprint) ?? 0;
  }

  get exclude(): ReadonlySet<string> {
    return this.#exclude ?? NONE;
  }

  /** Time spent waiting for a cooling key's reset. */
  get coolingWaited(): number {
    return this.#coolingWaited;
  }

  get keyFailures(): readonly KeyFailure[] {
    return this.#keyFailures;
  }

  get modelRefused(): ReadonlyMap<string, KeyFacts> {
    return this.#modelRefused ?? NO_FACTS;
  }

  get lastRefusal(): Partial<FailureFacts> | undefined {
    return this.#lastRefusal;
  }

  get lastError(): UpstreamError | undefined {
    return this.#lastError;
  }

  get adjust(): Readonly<RequestAdjustments> {
    return this.#adjust;
  }

  get probes(): ReadonlySet<string> {
    return this.#probes ?? NONE;
  }

  get reminted(): ReadonlyMap<string, string | undefined> {
    return this.#reminted ?? NO_REMINTS;
  }

  get budgetRefusal(): BudgetRefusal | undefined {
    return this.#budgetRefusal;
  }

  /** A key given up for this run, and why when it failed (a budget, a refusal or a rejection). */
  setAside(cred: Credential, failure?: KeyFailure): void {
    (this.#exclude ??= new Set()).add(cred.fingerprint);
    if (failure !== undefined) this.#keyFailures.push(failure);
  }

  /** A key whose failure is said, though it stays in the run (it rotates, cooling). */
  keyFailed(failure: KeyFailure): void {
    this.#keyFailures.push(failure);
  }

  /** A key the provider refused this route's model: set aside for this route only, with the provider's words. */
  refuseModel(cred: Credential, said: Partial<FailureFacts>): void {
    (this.#exclude ??= new Set()).add(cred.fingerprint);
    (this.#modelRefused ??= new Map()).set(cred.fingerprint, { masked: cred.masked, sources: cred.sources });
    this.#lastRefusal = said;
  }

  /** A key set aside by its budget: the route's failure when no key is left. */
  budgetRefused(cred: Credential, refusal: BudgetRefusal): void {
    (this.#exclude ??= new Set()).add(cred.fingerprint);
    this.#budgetRefusal = refusal;
  }

  /** One auth retry spent on a key; returns how many it has had. */
  spendAuthRetry(fingerprint: string): number {
    const used = this.authRetriesOf(fingerprint) + 1;
    (this.#authRetries ??= new Map()).set(fingerprint, used);
    return used;
  }

  /** One same-key retry spent; returns how many the run has had. */
  spendRetry(): number {
    this.#retries += 1;
    return this.#retries;
  }

  /** Time waited for a cooling key's reset, against `retry.max_wait`. */
  waitedForCooling(ms: number): void {
    this.#coolingWaited += ms;
  }

  /** The upstream's last classified answer on this route. */
  failedWith(err: UpstreamError): void {
    this.#lastError = err;
  }

  /** The run takes the single probe of a key: its retries are this run's. */
  takeProbe(fingerprint: string): void {
    (this.#probes ??= new Set()).add(fingerprint);
  }

  /** A minted key re-minted by this run, and what came of it when it did not help. */
  reminting(fingerprint: string, why?: string): void {
    (this.#reminted ??= new Map()).set(fingerprint, why);
  }

  /** Changes what this route's later attempts send (max_tokens lowered, thinking dropped, a prompt cache key). */
  adjustRequest(patch: RequestAdjustments): void {
    Object.assign(this.#adjust, patch);
  }

  /** Attempts sent so far. */
  get tried(): number {
    return this.#tried;
  }

  /** The key of the last attempt sent. */
  get previous(): Credential | undefined {
    return this.#previous;
  }

  /** A key is pinned for its next try (a retry not made yet). */
  get retryPending(): boolean {
    return this.#pinned !== undefined;
  }

  get attemptTimeoutMs(): number {
    return this.#attemptTimeoutMs;
  }

  get attemptLimit(): TimeoutLimit {
    return this.#attemptLimit;
  }

  /** Try this credential again next instead of picking, with what was done before it for the trail. */
  retry(cred: Credential, note?: string): Step {
    this.#pinned = cred;
    if (note !== undefined) this.#note = note;
    return { next: 'again' };
  }

  /** Send again with this credential at once on a connection of its own, its pooled one having gone stale: once per
   * route, no retry spent. */
  resendFresh(cred: Credential): Step {
    this.#resentFresh = true;
    this.#freshNext = true;
    return this.retry(cred, 'sent again on a fresh connection');
  }

  /** The route has sent a request again on a fresh connection. */
  get resentFresh(): boolean {
    return this.#resentFresh;
  }

  /** Whether this attempt goes on a fresh connection: once. */
  takeFresh(): boolean {
    const fresh = this.#freshNext;
    this.#freshNext = false;
    return fresh;
  }

  /** The credential pinned for this try, if any: once. */
  takePinned(): Credential | undefined {
    const pinned = this.#pinned;
    this.#pinned = undefined;
    return pinned;
  }

  /** The key about to be sent: a `rotate` event when it is not the one sent last. */
  sending(cred: Credential): void {
    const prev = this.#previous;
    if (prev && prev.fingerprint !== cred.fingerprint) {
      this.ctx.events.emit({
        type: 'rotate',
        task: this.ctx.task,
        route: routeName(this.route),
        provider: this.route.provider,
        from: prev.masked,
        to: cred.masked,
        kind: this.keyFailures.at(-1)?.kind ?? 'rate_limited',
      });
    }
    this.#previous = cred;
  }

  /** An attempt starts at `startedAt`: counted, and given what is left of the provider's timeout and the deadline. */
  startAttempt(startedAt: number): number {
    this.#tried += 1;
    this.#attemptTimeoutMs = Math.max(1, Math.min(this.provider.timeout, this.deadline - startedAt));
    this.#attemptLimit = timeoutLimit(this, this.deadline - startedAt);
    return this.#attemptTimeoutMs;
  }

  facts(kind: ErrorKind, extra: Partial<FailureFacts> = {}): FailureFacts {
    const f: FailureFacts = {
      kind,
      provider: this.route.provider,
      model: this.route.model,
      origin: this.route.origin,
      now: this.ctx.now(),
      ...extra,
    };
    if (this.ctx.timeZone !== undefined) f.timeZone = this.ctx.timeZone;
    return f;
  }

  /** A timeout's facts: how long the last attempt was given and by which setting. */
  timeoutFacts(): Pick<FailureFacts, 'timeoutMs' | 'timeoutSetting' | 'taskTimeoutMs' | 'taskTimeoutWhole'> {
    const f: Pick<FailureFacts, 'timeoutMs' | 'timeoutSetting' | 'taskTimeoutMs' | 'taskTimeoutWhole'> = {
      timeoutMs: this.#attemptTimeoutMs,
      timeoutSetting: this.#attemptLimit.setting,
    };
    if (this.#attemptLimit.taskMs !== undefined) f.taskTimeoutMs = this.#attemptLimit.taskMs;
    if (this.#attemptLimit.whole) f.taskTimeoutWhole = true;
    return f;
  }

  upstreamFacts(err: UpstreamError, cred: Credential): Partial<FailureFacts> {
    const route = this.route;
    // A task's own base_url (only a task's route has one): the message names that setting, not the provider's.
    const setting = route.baseUrl !== undefined ? `${route.origin}.base_url` : undefined;
    return upstreamFacts(err, cred, route.baseUrl ?? this.provider.base_url, setting);
  }

  /** The route's failure, caused by its last upstream error. */
  fail(kind: RouteFailureKind, explained: Explanation, retryAfterMs?: number): RouteFailure {
    const failure: RouteFailure = { route: routeName(this.route), kind, explanation: cliLine(explained), explained };
    if (this.lastError !== undefined) failure.cause = this.lastError;
    if (retryAfterMs !== undefined) failure.retryAfterMs = Math.max(0, retryAfterMs);
    return failure;
  }

  /** A trail entry and its `attempt` event, carrying the wait before it (and, for a key's attempt, the note). */
  record(init: RecordInit): Attempt {
    // The note set after, not spread in: a spread in the middle of a literal is a runtime call per attempt.
    const full: AttemptInit = { ...init, route: this.route, waitMs: this.#waitMs };
    if (this.#note !== undefined && init.credential !== undefined) full.note = this.#note;
    const attempt = makeAttempt(full);
    this.#waitMs = 0;
    if (init.credential !== undefined) this.#note = undefined;
    this.ctx.trail.push(attempt);
    this.ctx.events.emit({ type: 'attempt', task: this.ctx.task, attempt });
    return attempt;
  }

  /** The request was sent, then the caller cancelled the call: it stays in the trail (the gateway's log counts what
   * was sent), but no event goes out, since nothing about the provider or its key was learned. */
  recordCancelled(cred: Credential, startedAt: number, usage: Billed | undefined): void {
    const attempt = makeAttempt({
      route: this.route,
      credential: cred,
      outcome: 'cancelled',
      startedAt,
      endedAt: this.ctx.now(),
      waitMs: this.#waitMs,
    });
    billAttempt(this.ctx, attempt, usage);
    this.ctx.trail.push(attempt);
    this.#waitMs = 0;
  }

  /** Wait `ms` before the next attempt, with a `retry` event; the next trail entry says how long it waited. */
  async pause(kind: ErrorKind, ms: number, attempt: number): Promise<void> {
    this.ctx.events.emit({
      type: 'retry',
      task: this.ctx.task,
      route: routeName(this.route),
      kind,
      delay_ms: ms,
      attempt,
    });
    await this.ctx.sleep(ms, this.ctx.signal);
    this.#waitMs += ms;
  }

  /** What set the route's deadline, named so the user knows what to raise: the task's timeout, or, for the main
   * chain, the provider's. */
  deadlineSetting(): string {
    return this.ctx.timeoutMs === undefined
      ? `providers.${this.route.provider}.timeout`
      : `auxiliary.${this.ctx.task}.timeout`;
  }
}
