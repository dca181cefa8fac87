// Budgets as the gateway shows them: every budget of the config in force, as it stands now, for `/admin/budgets`
// and the Prometheus gauges (docs/budgets.md#seeing-it).
import { budgetRows, rowView, type BudgetRow } from '../../budgets/snapshot.ts';
import type { GatewayContext } from '../context.ts';

export function currentBudgets(ctx: GatewayContext): Promise<BudgetRow[]> {
  return budgetRows(ctx.router.budgets.plan(ctx.settings.loaded), ctx.store.budgets, Date.now());
}

/** `/admin/budgets`: the rows with times as ISO strings. */
export async function budgetsView(ctx: GatewayContext): Promise<{ budgets: object[]; replicas?: number }> {
  const rows = await currentBudgets(ctx);
  const replicas = ctx.store.budgets.replicas?.();
  return { budgets: rows.map(rowView), ...(replicas !== undefined ? { replicas } : {}) };
}
