// One route until it succeeds or fails: pick a key, send, look the failure up in ROUTE_LADDER
// (docs/routing.md#the-route-ladder-one-route). Rotations never spend `max_retries`; waits are bounded by the deadline.
import { billAttempt, billedBy, type BilledSend } from '../calls/billed.ts';
import type { Credential, PickResult } from '../credentials/types.ts';
import { UpstreamError } from '../errors/upstream-error.ts';
import { explain, formatDuration, timeoutWords } from '../errors/messages.ts';
import { explained, statement, withPostscript, type Explanation } from '../errors/explanation.ts';
import { retryDelay } from './backoff.ts';
import type { CallContext, Sender } from './call-context.ts';
import type { RouteFailure } from './errors.ts';
import { pickFor } from './pick.ts';
import { sendContextFor } from './send-context.ts';
import { breakerHears, routeAction, type LaterRoutes, type Refinement } from './policy.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import type { Attempt, AttemptRefusal } from '../calls/types.ts';
import { skipRoute } from '../calls/trail.ts';
import { ownerBody, ownerRefusal } from './owner-step.ts';
import { contextWindowOf, routeName } from '../config/route-name.ts';
import { coolAndRotate, emitRecovered, noUsableKey, refusedModel } from './key-health.ts';
import { usability } from '../credentials/health.ts';
import { standingHealth } from '../credentials/scoped-health.ts';
import { authRecovery, withToken } from './mint-step.ts';
import { RouteRun, type RecordInit, type Step } from './route-run.ts';
import { breakerReason } from './skip-reasons.ts';
import { keysOverBudget, overBudget } from './budget-step.ts';
import { affinePick, deriveCacheKey, watchAffinity } from './affinity-step.ts';

export type RouteOutcome<T> =
  { ok: true; value: T; credential: Credential } | { ok: false; failure: RouteFailure; contextWindow?: number };

/** A route the config cannot make work (unknown provider, no model): fails at once, nothing is sent. */
function invalidRoute(ctx: CallContext, route: RouteSpec, why: string): RouteOutcome<never> {
  skipRoute(ctx, route, 'invalid_route', why);
  return { ok: false, failure: { route: routeName(route), kind: 'not_found', ...explained(statement(why)) } };
}

/** How long a route may take, as its chain gives it. */
export interface RouteTime {
  /** When this route must give up (its share of a task's deadline, see runChain); else the provider's timeout bounds
   * each attempt. */
  deadline?: number | undefined;
  /** The deadline is the task's whole one: no route was tried before this one and none is left after it. */
  wholeTask?: boolean;
  /** Whether a later route of the chain could answer now (COOLING_WAIT_RULE). */
  later?: () => LaterRoutes;
}

export async function runRoute<T>(
  route: RouteSpec,
  ctx: CallContext,
  send: Sender<T>,
  time: RouteTime = {},
): Promise<RouteOutcome<T>> {
  const { deadline, wholeTask = false, later = () => 'none_can_serve_now' } = time;
  const provider = ctx.loaded.config.providers[route.provider];
  if (route.invalid || !provider)
    return invalidRoute(
      ctx,
      route,
      route.invalid ?? `provider ${route.provider} is not configured (there is no providers.${route.provider})`,
    );
  const started = ctx.now();
  const run = new RouteRun({
    ctx,
    route,
    provider,
    deadline: deadline ?? ctx.deadline ?? started + provider.timeout,
    wholeTask,
    later,
  });
  deriveCacheKey(run);
  // The first turn reads the clock as the route started; each later one (a retry, another key) reads it anew.
  for (let now = started; ; now = ctx.now()) {
    if (now >= run.deadline) return { ok: false, failure: deadlinePassed(run) };
    if (!ctx.breakers.allow(route.provider)) return { ok: false, failure: breakerOpen(run) };
    const pinned = run.takePinned();
    // The live probe's one key: sent, retried only when pinned again, never swapped for another.
    if (ctx.only !== undefined && pinned === undefined && run.tried > 0)
      return { ok: false, failure: onlyKeyFailed(run) };
    const picked: PickResult =
      ctx.only !== undefined
        ? { ok: true, credential: pinned ?? ctx.only.credential, skipped: [], probe: false }
        : pinned
          ? retryOrPick(run, pinned)
          : (affinePick(run) ?? pickFor(route, pickDeps(ctx), run.exclude));
    if (!picked.ok) {
      ctx.breakers.release(route.provider);
      const spent = keysOverBudget(run);
      if (spent !== undefined) return spent;
      const step = await noUsableKey(run, picked);
      if (step.next === 'done') return { ok: false, failure: step.failure };
      continue;
    }
    if (ctx.budgets !== undefined) {
      const admitted = await ctx.budgets.admit(route, picked.credential.fingerprint);
      if (!admitted.ok) {
        const outcome = overBudget(run, picked.credential, admitted);
        if (outcome !== undefined) return outcome;
        ctx.breakers.release(route.provider);
        continue;
      }
    }
    const trial = picked.probe ? picked.credential.fingerprint : undefined;
    // A single trial request: other calls that find the key set aside meanwhile say they are waiting on it.
    if (trial !== undefined) {
      run.takeProbe(trial);
      ctx.trials.add(trial);
    }
    const sent = sendPicked(run, picked.credential, send);
    const outcome = trial === undefined ? await sent : await sent.finally(() => ctx.trials.done(trial));
    if (outcome !== undefined) return outcome;
  }
}

/** Sends with the picked key and settles what its failure means; undefined: the route goes on (another key, a retry). */
async function sendPicked<T>(run: RouteRun, picked: Credential, send: Sender<T>): Promise<RouteOutcome<T> | undefined> {
  const { ctx, route } = run;
  // A key is sent as it is; only a minted credential waits for its token (mint-step.ts).
  const ready = picked.minted === undefined ? { ok: true as const, credential: picked } : await withToken(run, picked);
  if (!ready.ok) {
    ctx.breakers.release(route.provider);
    return ready.step.next === 'done' ? { ok: false, failure: ready.step.failure } : undefined;
  }
  const cred = ready.credential;
  // Before `sending`, which makes this key the run's previous one: the reason names the key that failed before it.
  watchAffinity(run, cred);
  run.sending(cred);
  const result = await tryOnce(run, cred, send);
  if (result.ok) return result;
  const step = await afterFailure(run, cred, result.error);
  if (step.next !== 'done') return undefined;
  return step.contextWindow !== undefined
    ? { ok: false, failure: step.failure, contextWindow: step.contextWindow }
    : { ok: false, failure: step.failure };
}

/** A retry re-checks the key's health, since another request may have set it aside meanwhile; a key whose single
 * probe this call holds stays this call's to retry. */
function retryOrPick(run: RouteRun, cred: Credential): PickResult {
  const { ctx } = run;
  const now = ctx.now();
  const u = usability(standingHealth(ctx.store, cred, now).record, now);
  if ((u.usable && !u.probe) || run.probes.has(cred.fingerprint))
    return { ok: true, credential: cred, skipped: [], probe: false };
  run.setAside(cred);
  const err = run.lastError;
  if (err !== undefined) {
    const said = explain(
      run.facts(err.kind, { ...run.upstreamFacts(err, cred), retries: run.retries, ...run.timeoutFacts() }),
    );
    run.keyFailed({
      kind: err.kind,
      explanation: withPostscript(
        said,
        `; before it was asked again, another request set it aside (${u.why ?? 'unusable'})`,
      ),
    });
  }
  return pickFor(run.route, pickDeps(ctx), run.exclude);
}

function pickDeps(ctx: CallContext): Parameters<typeof pickFor>[1] {
  return {
    pool: ctx.pool,
    store: ctx.store,
    cooldowns: ctx.loaded.config.cooldowns,
    now: ctx.now,
    loaded: ctx.loaded,
  };
}

async function tryOnce<T>(
  run: RouteRun,
  cred: Credential,
  send: Sender<T>,
): Promise<{ ok: true; value: T; credential: Credential } | { ok: false; error: UpstreamError }> {
  const { ctx, route, provider } = run;
  const adapter = ctx.adapterFor(provider.type);
  // One reading of the clock for the attempt's start, and one for its answer, shared by what each one writes.
  const startedAt = ctx.now();
  run.keys.recordUse(cred, startedAt);
  const timeoutMs = run.startAttempt(startedAt);
  let status: number | undefined;
  const key = { provider: route.provider, config: provider, apiKey: cred.secret, timeoutMs };
  // The context is made for this attempt alone: added to, not copied.
  const sendCtx: BilledSend = sendContextFor(ctx.loaded, key, route);
  const onStatus = (n: number): number => (status = n);
  sendCtx.onStatus = onStatus;
  if (ctx.loaded.config.credentials.strategy === 'most_headroom') {
    const onHeaders: NonNullable<BilledSend['onHeaders']> = (headers) => run.keys.recordHeaders(cred, headers);
    sendCtx.onHeaders = onHeaders;
  }
  if (ctx.signal) sendCtx.signal = ctx.signal;
  if (run.takeFresh()) sendCtx.freshConnection = true;
  if (provider.responses_api) sendCtx.responsesApi = true;
  if (provider.responses_websocket) sendCtx.responsesWebsocket = true;
  const body = ownerBody(ctx, route, cred);
  if (body !== undefined) sendCtx.responsesBody = body;
  try {
    const refused = ownerRefusal(ctx, route, cred);
    if (refused !== undefined) throw refused;
    const value = await send(adapter, sendCtx, route, run.adjust);
    // The state that rested it, its own or its region's (scoped-health.ts), is what its success ends.
    const endedAt = ctx.now();
    const before = standingHealth(ctx.store, cred, endedAt).record;
    const after = run.keys.recordSuccess(cred, startedAt, endedAt);
    if (before !== undefined && before.state !== 'ok' && after.state === 'ok') emitRecovered(run, cred, before);
    ctx.breakers.recordSuccess(route.provider);
    // A buffered send says it on the send context (calls/billed.ts); a stream's usage comes with its events.
    const usage = sendCtx.billed;
    const attempt: RecordInit = { credential: cred, outcome: 'ok', startedAt, endedAt };
    if (status !== undefined) attempt.status = status;
    if (usage !== undefined) attempt.usage = usage;
    run.record(attempt);
    return { ok: true, value, credential: cred };
  } catch (err) {
    // A caller's abort is not the provider's failure: no health, no breaker, no fallback.
    if (ctx.signal?.aborted || !UpstreamError.isInstance(err)) {
      ctx.breakers.release(route.provider);
      if (ctx.signal?.aborted) run.recordCancelled(cred, startedAt, billedBy(err));
      throw err;
    }
    run.failedWith(err);
    ctx.breakers.hear(route.provider, breakerHears(err.kind, refinementOf(run, err)));
    const refusal: AttemptRefusal | undefined = err.modelAccessDenied ? 'model_access' : err.blocked;
    const init = {
      credential: cred,
      startedAt,
      endedAt: ctx.now(),
      ...failedOutcome(run, err),
      ...(refusal !== undefined ? { refusal } : {}),
    };
    billAttempt(ctx, run.record(err.status !== undefined ? { ...init, status: err.status } : init), billedBy(err));
    return { ok: false, error: err };
  }
}

/** A failed attempt's outcome in the trail: its kind, or `max_tokens_clamped` (and to what) when the route is about
 * to send the request again with a lower max_tokens (afterFailure's `lower_max_tokens`), or `stale_connection` when
 * it is about to send it again on a fresh connection (`resend_fresh`). */
function failedOutcome(
  run: RouteRun,
  err: UpstreamError,
): { outcome: Attempt['outcome']; message?: string; maxTokens?: number } {
  const limit = run.attemptLimit;
  const said = err.providerMessage
    ? {
        message: ownTimeout(err)
          ? `no answer within ${timeoutWords(run.attemptTimeoutMs, limit.setting, limit.taskMs, limit.whole)}`
          : err.providerMessage,
      }
    : {};
  const action = routeAction(err.kind, refinementOf(run, err));
  if (action === 'resend_fresh')
    return {
      outcome: 'stale_connection',
      message: `${err.providerMessage}: the pooled connection was closed as the request went out; sent again on a fresh connection`,
    };
  if (action === 'drop_thinking_blocks')
    return { outcome: err.kind, message: `${err.providerMessage}: sent again without the history's thinking blocks` };
  const lowerTo = action === 'lower_max_tokens' ? err.outputLimit : undefined;
  if (lowerTo === undefined) return { outcome: err.kind, ...said };
  const quoted = err.providerMessage ? ` — ${err.providerMessage}` : '';
  return {
    outcome: 'max_tokens_clamped',
    maxTokens: lowerTo,
    message: `max_tokens is above what ${run.route.model} accepts: sent again with max_tokens ${lowerTo}${quoted}`,
  };
}

/** Our own timer gave up on the attempt (not a provider's 408 or 504, nor a stream gone idle): the trail says how long
 * it waited and which setting decided it, which a note about a title or summary that fell back quotes. */
function ownTimeout(err: UpstreamError): boolean {
  return err.kind === 'timeout' && err.code === 'TIMEOUT' && !err.midStream;
}

/** Failures the same key would meet again (REFINED_ROUTE_LADDER's same_again row). */
const SAME_AGAIN_CODES: ReadonlySet<string> = new Set(['answer_too_large', 'event_too_large', 'first_token_timeout']);

/** What the failure says beyond its kind that the route may act on: the proxy refusing the tunnel, a stale pooled
 * connection until the route has sent once on a fresh one, a stated output limit until the route has lowered
 * max_tokens once, or a bad request the provider says to send again. */
function refinementOf(run: RouteRun, err: UpstreamError): Refinement | undefined {
  if (err.blocked === 'proxy') return 'proxy_refused';
  if (err.staleConnection && !run.resentFresh) return 'stale_connection';
  if (err.outputLimit !== undefined && run.adjust.maxTokens === undefined) return 'output_limit';
  if (err.thinkingSignature && run.adjust.dropThinking === undefined) return 'thinking_signature';
  if (err.kind === 'bad_request' && err.shouldRetry === true) return 'provider_says_retry';
  if (err.code !== undefined && SAME_AGAIN_CODES.has(err.code)) return 'same_again';
  return err.shouldRetry === false && routeAction(err.kind) === 'retry_same_key' ? 'provider_says_no_retry' : undefined;
}

/** The route's failure with the plain explanation of what the provider said. */
function failedAsSaid(run: RouteRun, cred: Credential, err: UpstreamError): Step {
  return {
    next: 'done',
    failure: run.fail(err.kind, explain(run.facts(err.kind, run.upstreamFacts(err, cred)))),
  };
}

async function afterFailure(run: RouteRun, cred: Credential, err: UpstreamError): Promise<Step> {
  const kind = err.kind;
  switch (routeAction(kind, refinementOf(run, err))) {
    case 'lower_max_tokens':
      // Nothing is wrong with the key or the provider: the same key, at once, with what the model said it takes.
      if (err.outputLimit === undefined) return failedAsSaid(run, cred, err);
      run.adjustRequest({ maxTokens: err.outputLimit });
      return run.retry(cred);
    case 'drop_thinking_blocks':
      run.adjustRequest({ dropThinking: true });
      return run.retry(cred);
    case 'resend_fresh':
      // Not the provider's failure nor the key's: the same key, at once, on a connection of its own.
      return run.resendFresh(cred);
    case 'retry_same_key':
      return retrySameKey(run, cred, err);
    case 'fail_route_unretried':
      return failUnretried(
        run,
        cred,
        err,
        err.shouldRetry === false
          ? 'the provider said not to retry'
          : 'not retried: the same key would likely do the same',
      );
    case 'cool_and_rotate':
      return coolAndRotate(run, cred, err);
    case 'auth':
      return authRecovery(run, cred, err);
    case 'skip_to_fitting_route': {
      const window = contextWindowOf(run.ctx.loaded.config, run.route);
      const explanation = explain(
        run.facts(kind, {
          ...run.upstreamFacts(err, cred),
          ...(window !== undefined ? { contextWindow: window } : {}),
        }),
      );
      return window !== undefined
        ? { next: 'done', failure: run.fail(kind, explanation), contextWindow: window }
        : { next: 'done', failure: run.fail(kind, explanation) };
    }
    case 'fail_route':
      if (err.modelAccessDenied) return refusedModel(run, cred, err);
      return failedAsSaid(run, cred, err);
    case 'fail_call':
      return failedAsSaid(run, cred, err);
  }
}

async function retrySameKey(run: RouteRun, cred: Credential, err: UpstreamError): Promise<Step> {
  const { ctx } = run;
  const retry = ctx.loaded.config.retry;
  const explained = (): Explanation =>
    explain(run.facts(err.kind, { ...run.upstreamFacts(err, cred), retries: run.retries, ...run.timeoutFacts() }));
  // The live probe does not retry a transient failure: it says nothing of the key, and a probe reports it as it is.
  const maxRetries = ctx.only !== undefined ? 0 : retry.max_retries;
  if (run.retries >= maxRetries) return { next: 'done', failure: run.fail(err.kind, explained()) };
  const delay = retryDelay({
    attempt: run.retries,
    baseMs: retry.base_delay,
    maxMs: retry.max_delay,
    rand: ctx.random,
    remainingMs: run.deadline - ctx.now(),
    longestServerWaitMs: Math.max(retry.max_delay, retry.max_wait),
    ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
  });
  if (!delay.wait) {
    const why =
      delay.reason === 'deadline'
        ? `no time left to retry within ${run.deadlineSetting()}`
        : `the provider asked to wait ${formatDuration(delay.delayMs)}, longer than worth waiting`;
    return { next: 'done', failure: run.fail(err.kind, withPostscript(explained(), ` (${why})`)) };
  }
  await run.pause(err.kind, delay.delayMs, run.spendRetry());
  return run.retry(cred);
}

/** `x-should-retry: false` or a failure the key would meet again (REFINED_ROUTE_LADDER's provider_says_no_retry and
 * same_again rows): the route fails as a spent retry budget would, saying why when retries were left. */
function failUnretried(run: RouteRun, cred: Credential, err: UpstreamError, why: string): Step {
  const said = explain(
    run.facts(err.kind, { ...run.upstreamFacts(err, cred), retries: run.retries, ...run.timeoutFacts() }),
  );
  if (run.retries >= run.ctx.loaded.config.retry.max_retries)
    return { next: 'done', failure: run.fail(err.kind, said) };
  return { next: 'done', failure: run.fail(err.kind, withPostscript(said, ` (${why})`)) };
}

/** The live probe's one key failed and would be rotated or set aside: the route fails with what it met. */
function onlyKeyFailed(run: RouteRun): RouteFailure {
  const last = run.keyFailures.at(-1);
  const err = run.lastError;
  if (last !== undefined) return run.fail(last.kind, last.explanation);
  const kind = err?.kind ?? 'auth_missing';
  return run.fail(kind, statement(`the key was ${err === undefined ? 'not sent' : `refused: ${kind}`}`));
}

function deadlinePassed(run: RouteRun): RouteFailure {
  const { ctx } = run;
  const last = run.keyFailures.at(-1);
  const explanation = explain(run.facts('timeout', { retries: run.retries, ...run.timeoutFacts() }));
  const length = ctx.timeoutMs !== undefined ? ` (${formatDuration(ctx.timeoutMs)})` : '';
  const failure = run.fail(
    last?.kind ?? 'timeout',
    last ? withPostscript(last.explanation, `; then ${run.deadlineSetting()}${length} ran out`) : explanation,
  );
  if (last?.likelyTransient) failure.likelyTransient = true;
  return failure;
}

function breakerOpen(run: RouteRun): RouteFailure {
  const { ctx, route } = run;
  const now = ctx.now();
  const at = ctx.breakers.reopensAt(route.provider);
  const state = ctx.breakers.state(route.provider);
  const tf = ctx.timeZone !== undefined ? { timeZone: ctx.timeZone } : {};
  run.record({ outcome: 'breaker_open', startedAt: now, endedAt: now, message: breakerReason(state, at, now, tf) });
  const when =
    at !== undefined
      ? `; one probe is let through in ${formatDuration(Math.max(0, at - now))}`
      : state === 'half_open'
        ? '; its single probe is in flight'
        : '';
  const opened = `${route.provider} is failing repeatedly (connection or server errors), so its circuit breaker is open${when}`;
  // This call's own requests opened it (or its probe failed): the route failed for what they met — a timeout stays a
  // timeout (a 504 that SDKs are told not to retry), not "come back later" for a probe that will time out again.
  const last = run.lastError;
  if (last !== undefined && run.previous !== undefined) {
    // A key pinned for its next try is a retry the breaker stopped: counted in run.retries, never sent.
    const retries = run.retryPending && run.retries > 0 ? run.retries - 1 : run.retries;
    const explanation = explain(
      run.facts(last.kind, { ...run.upstreamFacts(last, run.previous), retries, ...run.timeoutFacts() }),
    );
    return run.fail(last.kind, withPostscript(explanation, `; ${opened}`));
  }
  return run.fail('breaker_open', statement(opened), at !== undefined ? Math.max(0, at - now) : undefined);
}
