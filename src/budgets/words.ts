// How a budget's state is said: amounts in their units, windows, reset times (UTC, as the windows are), and the
// refusal and warning a client and the log read (docs/budgets.md#over-a-budget).
import type { BudgetResource } from '../config/budgets-schema.ts';
import { formatDuration } from '../errors/explain-format.ts';
import { fromUnits, type BudgetLimit } from './rules.ts';
import { isRateWindow } from './windows.ts';
import type { BudgetWarning } from '../calls/budget-warning.ts';
import type { HeldBack, ReserveResult } from '../state/budget-store.ts';

const NOUNS: Record<Exclude<BudgetResource, 'usd'>, string> = {
  tokens: 'token',
  requests: 'request',
  calls: 'tool call',
};

/** `$20.00`, `1,200 tokens`, `60 requests`, `100 tool calls`. */
export function formatAmount(resource: BudgetResource, units: number): string {
  const value = fromUnits(resource, units);
  if (resource === 'usd') return `$${value < 0.01 && value > 0 ? value.toFixed(6) : value.toFixed(2)}`;
  const noun = NOUNS[resource];
  return `${value.toLocaleString('en-US')} ${value === 1 ? noun : `${noun}s`}`;
}

/** `2026-12-01 00:00 UTC`. */
export function formatReset(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What stopped a call or an attempt: the budget, its window, where it stands and when it resets. */
export interface BudgetRefusal {
  budget: string;
  scope: string;
  resource: BudgetResource;
  window: BudgetLimit['window'];
  /** A client may wait until `resetsAt` and retry: a short window (minute, hour), or a refusal that ends soon (the
   * store unreachable, a share held back); otherwise the budget is spent until it resets. */
  rate: boolean;
  /** In the resource's own units (USD, tokens, requests). */
  limit: number;
  /** Spent by calls that ended. */
  used: number;
  /** Held by calls still running (what they may use, settled when they end). */
  held: number;
  resetsAt: number;
  message: string;
}

/** Where a counter stands, in units: spent by ended calls, held by running ones. */
export interface Standing {
  spent: number;
  reserved: number;
}

/** `$2.01 used`, or `$1.95 used and $0.06 held by calls in flight`: a hold is not a spend, so the two are said apart. */
function standing(resource: BudgetResource, s: Standing): string {
  const used = `${formatAmount(resource, s.spent)} used`;
  return s.reserved > 0 ? `${used} and ${formatAmount(resource, s.reserved)} held by calls in flight` : used;
}

export function refusalOf(limit: BudgetLimit, state: Standing, resetsAt: number, now: number): BudgetRefusal {
  const rate = isRateWindow(limit.window);
  const when = `resets at ${formatReset(resetsAt)} (in ${formatDuration(Math.max(0, resetsAt - now))})`;
  const message = `budget ${limit.budget} (${limit.scopeText}) is ${rate ? 'at its limit' : 'spent'}: ${perWindow(limit)}, ${standing(limit.resource, state)}; ${when}`;
  return refusal(limit, state, rate, resetsAt, message);
}

/** `$20.00 per day`: the limit and its window. */
function perWindow(limit: BudgetLimit): string {
  return `${formatAmount(limit.resource, limit.limit)} per ${limit.window}`;
}

/** Every refusal says the same of its budget and where it stands; what differs is when it ends and why. */
function refusal(limit: BudgetLimit, state: Standing, rate: boolean, resetsAt: number, message: string): BudgetRefusal {
  return {
    budget: limit.budget,
    scope: limit.scopeText,
    resource: limit.resource,
    window: limit.window,
    rate,
    limit: fromUnits(limit.resource, limit.limit),
    used: fromUnits(limit.resource, state.spent),
    held: fromUnits(limit.resource, state.reserved),
    resetsAt,
    message,
  };
}

/** The shared store has room under the limit, but not once the share held back for replicas not seen on it is
 * taken (docs/budgets.md#when-the-store-is-down): not spent, so a client may try again when the hold-back ends. */
export function heldBackRefusalOf(limit: BudgetLimit, state: Standing, heldBack: HeldBack, now: number): BudgetRefusal {
  const notSpent = `budget ${limit.budget} (${limit.scopeText}) is not spent: ${perWindow(limit)}, ${standing(limit.resource, state)}`;
  const kept = formatAmount(limit.resource, Math.round(heldBack.amount));
  const until = Math.max(now + 1000, heldBack.until);
  const wait = formatDuration(until - now);
  const message =
    heldBack.why === 'outage'
      ? `${notSpent}; while Redis does not answer this replica admits only its share, and ${kept} of it is the other replicas'; try again in ${wait}`
      : `${notSpent}; ${kept} of it is held back for a replica that stopped answering on Redis (it may be spending that share unseen) until it is back or its presence lapses; try again in ${wait}`;
  return refusal(limit, state, true, until, message);
}

/** What a store's refusal says: the budget spent, the store unreachable, or a share held back. */
export function refusalFor(
  limit: BudgetLimit,
  refused: Extract<ReserveResult, { ok: false }>,
  resetsAt: number,
  now: number,
): BudgetRefusal {
  if (refused.unreachable === true) return unreachableRefusalOf(limit, refused.state, now);
  if (refused.heldBack !== undefined) return heldBackRefusalOf(limit, refused.state, refused.heldBack, now);
  if (refused.state.spent < limit.limit && refused.state.reserved > 0)
    return inFlightRefusalOf(limit, refused.state, now);
  return refusalOf(limit, refused.state, resetsAt, now);
}

/** How soon a client refused for what calls in flight hold may try again: they end, and give back what they did not
 * use, within seconds as a rule. */
const IN_FLIGHT_RETRY_MS = 2_000;

/** The room left is held by calls still running (a killed replica's, until its presence lapses, among them): not
 * spent, so a client may try again shortly rather than at the window's end. */
function inFlightRefusalOf(limit: BudgetLimit, state: Standing, now: number): BudgetRefusal {
  const message = `budget ${limit.budget} (${limit.scopeText}) is not spent: ${perWindow(limit)}, ${standing(limit.resource, state)}; the rest is held by calls in flight, and what they do not use comes back as they end; try again in ${formatDuration(IN_FLIGHT_RETRY_MS)}`;
  return refusal(limit, state, true, now + IN_FLIGHT_RETRY_MS, message);
}

/** How soon a client refused for an unreachable budget store may try again. */
const UNREACHABLE_RETRY_MS = 1_000;

/** `budgets.on_store_outage: refuse` while the shared store does not answer: the budget cannot be checked, so the
 * call is refused (fail closed); a client may try again shortly. */
export function unreachableRefusalOf(limit: BudgetLimit, state: Standing, now: number): BudgetRefusal {
  const message = `budget ${limit.budget} (${limit.scopeText}) cannot be checked: the budget store (Redis) is unreachable, and budgets.on_store_outage is refuse; try again once it answers`;
  return refusal(limit, state, true, now + UNREACHABLE_RETRY_MS, message);
}

export function warningOf(limit: BudgetLimit, state: Standing, resetsAt: number): BudgetWarning {
  return {
    budget: limit.budget,
    scope: limit.scopeText,
    resource: limit.resource,
    window: limit.window,
    message: `soft budget ${limit.budget} (${limit.scopeText}) is over ${perWindow(limit)} (${standing(limit.resource, state)}); served anyway, resets at ${formatReset(resetsAt)}`,
  };
}

/** `seeded from the ledger at 2026-11-24 10:12 UTC: $4.20 spent before this budget existed` (since its window began). */
export function seededWords(resource: BudgetResource, seed: { amount: number; at: number }): string {
  return `seeded from the ledger at ${formatReset(seed.at)}: ${formatAmount(resource, seed.amount)} spent before this budget existed`;
}

/** The log's line for a counter seeded: `budget app-spend (client key app) per day starts at $4.20: spent since
 * 2026-11-24 00:00 UTC, before it existed, as the usage ledger says`. */
export function seedLogOf(limit: BudgetLimit, amount: number, since: number): string {
  return `budget ${limit.budget} (${limit.scopeText}) per ${limit.window} starts at ${formatAmount(limit.resource, amount)}: spent since ${formatReset(since)}, before it existed, as the usage ledger says`;
}
