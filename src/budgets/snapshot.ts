// Where every budget stands now: one row per budget, resource and window (spent, reserved, remaining, resets at),
// for `switchyard usage budgets`, `/admin/budgets` and the Prometheus gauges. Read off the request path.
import type { BudgetResource, BudgetWindow } from '../config/budgets-schema.ts';
import type { BudgetStore } from '../state/budget-store.ts';
import { counterKey, fromUnits, isPerUser, toUnits, type BudgetPlan } from './rules.ts';
import { seededWords } from './words.ts';

export interface BudgetRow {
  budget: string;
  /** `client key app`, `task title_generation`, `everything`, … */
  scope: string;
  resource: BudgetResource;
  window: BudgetWindow;
  soft: boolean;
  /** In the resource's units (USD as dollars). */
  limit: number;
  spent: number;
  reserved: number;
  /** limit − spent − reserved, never below 0. */
  remaining: number;
  /** Epoch ms when the window resets. */
  resets_at: number;
  /** The counter was seeded from the usage ledger (a budget new to the config): with what (the resource's units) and
   * when (epoch ms). */
  seeded?: { amount: number; at: number };
  /** Epoch ms since when this process holds budgets on its own: the shared store (Redis) does not answer. */
  held_locally_since?: number;
  /** While this process holds budgets on its own: the most it admits of this counter until the store answers again
   * (under `budgets.on_store_outage: share`, its share of what remained at its last read), in the resource's units. */
  held_locally_cap?: number;
}

/** A `per_user` budget has a counter per user: it has no one row (nor gauge: a metric has no user label), and where each
 * user stands is `usage --by user`'s. */
export async function budgetRows(plan: BudgetPlan, store: BudgetStore, now: number): Promise<BudgetRow[]> {
  const limits = plan.limits.filter((l) => !isPerUser(l));
  const windows = limits.map((l) => plan.bounds(l.window, now));
  const counters = limits.map((l, i) => counterKey(l, windows[i]!.start));
  const states = await store.read(counters, now);
  const since = store.heldLocallySince?.();
  return limits.map((l, i) => {
    const state = states[i]!;
    const units = (n: number): number => fromUnits(l.resource, n);
    const cap = since !== undefined ? store.heldLocallyCap?.(counters[i]!, l.limit, l.soft) : undefined;
    return {
      budget: l.budget,
      scope: l.scopeText,
      resource: l.resource,
      window: l.window,
      soft: l.soft,
      limit: units(l.limit),
      spent: units(state.spent),
      reserved: units(state.reserved),
      remaining: units(Math.max(0, l.limit - state.spent - state.reserved)),
      resets_at: windows[i]!.end,
      ...(state.seeded !== undefined ? { seeded: { amount: units(state.seeded.amount), at: state.seeded.at } } : {}),
      ...(since !== undefined ? { held_locally_since: since } : {}),
      ...(cap !== undefined ? { held_locally_cap: units(cap) } : {}),
    };
  });
}

/** A row with its times as ISO strings (`usage budgets --json`, `/admin/budgets`, the dashboard). */
export function rowView(r: BudgetRow): object {
  const since = r.held_locally_since;
  const seeded = r.seeded;
  return {
    ...r,
    resets_at: new Date(r.resets_at).toISOString(),
    ...(seeded !== undefined
      ? {
          seeded: {
            amount: seeded.amount,
            at: new Date(seeded.at).toISOString(),
            note: seededWords(r.resource, { amount: toUnits(r.resource, seeded.amount), at: seeded.at }),
          },
        }
      : {}),
    ...(since !== undefined ? { held_locally_since: new Date(since).toISOString() } : {}),
  };
}

/** A `per_user` budget, which has no row: its limit for each user of its client key, and its window's start, from
 * which `usage --by user` (or `--by tool --user U` for calls) says where each user stands. */
export interface PerUserBudget {
  budget: string;
  /** `client key coding per user`. */
  scope: string;
  client_key: string;
  resource: BudgetResource;
  window: BudgetWindow;
  soft: boolean;
  /** Each user's limit, in the resource's units (USD as dollars). */
  limit: number;
  /** ISO time the current window began. */
  window_start: string;
  /** The command that shows where each user stands in the window. */
  see: string;
}

export function perUserBudgets(plan: BudgetPlan, now: number): PerUserBudget[] {
  return plan.limits.filter(isPerUser).map((l) => {
    const start = new Date(plan.bounds(l.window, now).start).toISOString().replace('.000Z', 'Z');
    const key = l.scope.kind === 'client_key' ? l.scope.name : '';
    const by = l.resource === 'calls' ? 'tool --user U' : 'user';
    return {
      budget: l.budget,
      scope: l.scopeText,
      client_key: key,
      resource: l.resource,
      window: l.window,
      soft: l.soft,
      limit: fromUnits(l.resource, l.limit),
      window_start: start,
      see: `switchyard usage --by ${by} --client-key ${key} --since ${start}`,
    };
  });
}
