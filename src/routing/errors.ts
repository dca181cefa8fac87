// The one error a failed call throws (docs/routing.md): every route tried (or a route the whole call cannot survive), with
// the attempt trail and an explanation that leads with the most useful message — a cooling or rejected key says
// more than the connection error of the last fallback — followed by what every other route did.
import type { BlockedBy } from '../errors/classify.ts';
import type { RouteFailureKind } from '../calls/failure-kinds.ts';
import type { UpstreamError } from '../errors/upstream-error.ts';
import type { Attempt } from '../calls/types.ts';
import type { BudgetRefusal } from '../budgets/words.ts';
import { RESTING_KINDS } from './policy.ts';
import { errorMarker, hasMarker, markAs } from '../error-marker.ts';
import { cliLine, type Explanation } from '../errors/explanation.ts';
import { adviceForChain } from '../errors/advice.ts';

export type { RouteFailureKind };

export interface RouteFailure {
  /** `provider/model` */
  route: string;
  kind: RouteFailureKind;
  /** One line the user can act on (from src/errors/messages.ts); never contains a secret. */
  explanation: string;
  /** The same as a value (headline, advice), for readers other than the CLI; absent where only words were made. */
  explained?: Explanation;
  /** All keys cooling (or the breaker open): how long until the route may answer again. */
  retryAfterMs?: number;
  /** The provider's last classified answer on this route (an UpstreamError subclass: QuotaExceededError, …);
   * absent when nothing was sent (no key, every key already cooling, breaker open). */
  cause?: UpstreamError;
  /** The explanation calls the failure likely transient (a known-good key rejected: REJECTION_LIKELY_TRANSIENT in
   * src/errors/messages.ts), so asking again later may well succeed. */
  likelyTransient?: true;
  /** With kind `budget`: the budget that stopped the route (docs/budgets.md). */
  budget?: BudgetRefusal;
}

/** Failures by usefulness as the lead line: what the user can fix or must wait out beats transport noise, and a
 * refused key beats a missing one (seed 000). */
export const EXPLANATION_RANK: readonly RouteFailureKind[] = [
  'bad_request',
  'content_filter',
  'auth_rejected',
  'auth_missing',
  'all_cooling',
  'budget',
  'quota',
  'rate_limited',
  'context_length',
  'not_found',
  'overloaded',
  'server',
  'timeout',
  'connection',
  'breaker_open',
];

function rank(kind: RouteFailureKind): number {
  const i = EXPLANATION_RANK.indexOf(kind);
  return i === -1 ? EXPLANATION_RANK.length : i;
}

/** The failure to lead with; ties go to the earlier route (the one the user configured first). */
export function leadFailure(failures: readonly RouteFailure[]): RouteFailure | undefined {
  let best: RouteFailure | undefined;
  for (const f of failures) if (!best || rank(f.kind) < rank(best.kind)) best = f;
  return best;
}

/** A route's failure as said in a chain of `routes` routes: its advice knows the chain has fallbacks already. */
export function inChain(f: RouteFailure, routes: number): RouteFailure {
  if (f.explained === undefined) return f;
  const advice = adviceForChain(f.explained.advice, routes);
  if (advice === f.explained.advice) return f;
  const explained: Explanation = { ...f.explained, advice };
  return { ...f, explained, explanation: cliLine(explained) };
}

/** The lead line: the task and the lead route's explanation, after "every route failed" when several did. */
export function composeHeadline(task: string, failures: readonly RouteFailure[], lead: RouteFailure): string {
  return failures.length > 1 ? `${task}: every route failed; ${lead.explanation}` : `${task}: ${lead.explanation}`;
}

/** Lead line first, then one line per route in the order tried. */
export function composeExplanation(task: string, failures: readonly RouteFailure[], lead: RouteFailure): string {
  const head = composeHeadline(task, failures, lead);
  if (failures.length <= 1) return head;
  const lines = failures.map((f, i) => `  ${i + 1}. ${f.route}: ${f === lead ? `${f.kind} (above)` : f.explanation}`);
  return [head, ...lines].join('\n');
}

export interface SwitchyardErrorInit {
  task: string;
  kind: RouteFailureKind;
  explanation: string;
  /** The explanation's lead line, when more lines follow it (one per route tried): what a one-line reader says.
   * The explanation itself when absent. */
  headline?: string;
  trail: Attempt[];
  failures: RouteFailure[];
  retryAfterMs?: number;
  /** The stream had already delivered content when it failed: the caller got a partial answer. */
  midStream?: boolean;
  /** The lead failure was not the key's nor the model's: the provider refused the region, or a firewall answered. */
  blocked?: BlockedBy;
  /** The lead failure's explanation calls it likely transient (RouteFailure.likelyTransient). */
  likelyTransient?: boolean;
  /** With kind `budget`: the budget that refused the call, or stopped its last route. */
  budget?: BudgetRefusal;
  /** The lead failure's explanation as a value (RouteFailure.explained). */
  explained?: Explanation;
  cause?: unknown;
}

const MARKER = errorMarker('SwitchyardError');

export class SwitchyardError extends Error {
  override readonly name = 'SwitchyardError';
  readonly task: string;
  readonly kind: RouteFailureKind;
  readonly explanation: string;
  /** See SwitchyardErrorInit.headline: the lead line, without the routes' lines after it. */
  readonly headline: string;
  readonly trail: Attempt[];
  readonly failures: RouteFailure[];
  readonly retryAfterMs: number | undefined;
  readonly midStream: boolean;
  /** See SwitchyardErrorInit.blocked: with `kind` `not_found`, `region` means the model exists but the provider
   * refuses where the request comes from. */
  readonly blocked: BlockedBy | undefined;
  /** The explanation leads with a failure it calls likely transient (a known-good key rejected after its retries):
   * the same call may well succeed later. The gateway then does not tell SDKs not to retry (`x-should-retry`). */
  readonly likelyTransient: boolean;
  /** See SwitchyardErrorInit.budget. */
  readonly budget: BudgetRefusal | undefined;
  /** The lead failure's explanation as a value (headline, advice), for readers other than the CLI: `explanation`
   * stays the CLI's words. Absent where only words were made (a route that named no provider's failure). */
  readonly explained: Explanation | undefined;

  constructor(init: SwitchyardErrorInit) {
    super(init.explanation, init.cause === undefined ? undefined : { cause: init.cause });
    this.task = init.task;
    this.kind = init.kind;
    this.explanation = init.explanation;
    this.headline = init.headline ?? init.explanation;
    this.trail = init.trail;
    this.failures = init.failures;
    this.retryAfterMs = init.retryAfterMs;
    this.midStream = init.midStream ?? false;
    this.blocked = init.blocked;
    this.likelyTransient = init.likelyTransient ?? false;
    this.budget = init.budget;
    this.explained = init.explained;
    markAs(this, MARKER);
  }

  /** Marker-based (src/error-marker.ts), so it works across two copies of this module. */
  static isInstance(value: unknown): value is SwitchyardError {
    return hasMarker(value, MARKER) && typeof (value as { kind?: unknown }).kind === 'string';
  }
}

/** The error for a call whose every route failed (or whose last route failed the whole call). */
export function callFailed(task: string, failures: RouteFailure[], trail: Attempt[]): SwitchyardError {
  const lead = leadFailure(failures);
  if (!lead)
    return new SwitchyardError({ task, kind: 'not_found', explanation: `${task}: no route to try`, trail, failures });
  const init: SwitchyardErrorInit = {
    task,
    kind: lead.kind,
    explanation: composeExplanation(task, failures, lead),
    headline: composeHeadline(task, failures, lead),
    trail,
    failures,
  };
  // The typed upstream error behind the lead failure (or the last one any route got), for `instanceof`-style checks.
  const cause = lead.cause ?? failures.findLast((f) => f.cause !== undefined)?.cause;
  if (cause !== undefined) init.cause = cause;
  // Only the lead's own answer says what refused: a fallback's region refusal does not describe a rejected key.
  if (lead.cause?.blocked !== undefined) init.blocked = lead.cause.blocked;
  if (lead.likelyTransient) init.likelyTransient = true;
  if (lead.explained) init.explained = lead.explained;
  // "Every key cooling" (or out of quota, or a breaker open) → the gateway answers 503 with Retry-After: the soonest
  // any of those routes is back (a fallback whose breaker lets a probe through in 30 s beats a key resting for 5 min).
  const resting = (kind: RouteFailureKind): boolean => RESTING_KINDS.has(kind);
  const waits = failures.filter((f) => resting(f.kind) && f.retryAfterMs !== undefined).map((f) => f.retryAfterMs!);
  if (resting(lead.kind) && waits.length > 0) init.retryAfterMs = Math.min(...waits);
  // Every route over a budget: the client is told which, and when the first of them resets.
  if (lead.kind === 'budget' && lead.budget !== undefined) {
    init.budget = lead.budget;
    if (lead.retryAfterMs !== undefined) init.retryAfterMs = lead.retryAfterMs;
  }
  return new SwitchyardError(init);
}
