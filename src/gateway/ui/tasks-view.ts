// The Tasks view's data: each task's chain as the next call would run it, every route with where it comes from
// (the config path and the file line or default that `config show --explain` names), and every budget as it stands
// (a `per_user` budget, which has no one standing, as its limit for each user).
import { explainRows, type ExplainRow } from '../../config/render.ts';
import type { GatewayContext } from '../context.ts';
import { currentBudgets } from '../records/budgets-view.ts';
import { perUserBudgets, rowView, type PerUserBudget } from '../../budgets/snapshot.ts';

export interface TaskRoute {
  provider: string;
  model: string;
  /** `main`, `fallback[0]`, `auxiliary.title_generation`, … */
  origin: string;
  /** Where its provider and model are set: `switchyard.yaml:12`, `default`, `env MAIN_MODEL (switchyard.yaml:3)`. */
  provider_from: string;
  model_from: string;
  invalid?: string;
}

export interface TaskView {
  task: string;
  status: 'chain' | 'disabled';
  reason?: string;
  timeout_ms?: number;
  routes: TaskRoute[];
}

export function tasksView(ctx: GatewayContext): TaskView[] {
  const loaded = ctx.settings.loaded;
  const rows = new Map<string, ExplainRow>(explainRows(loaded).map((r) => [r.path, r]));
  const from = (path: string): string => rows.get(path)?.from ?? 'default';
  return ctx.router.tasks().map((task) => {
    const plan = ctx.router.plan(task);
    if (plan.status === 'disabled') return { task, status: 'disabled', reason: plan.reason, routes: [] };
    const view: TaskView = {
      task,
      status: 'chain',
      routes: plan.routes.map((r) => {
        const route: TaskRoute = {
          provider: r.provider,
          model: r.model,
          origin: r.origin,
          provider_from: from(`${r.origin}.provider`),
          model_from: from(`${r.origin}.model`),
        };
        if (r.invalid !== undefined) route.invalid = r.invalid;
        return route;
      }),
    };
    if (plan.timeoutMs !== undefined) view.timeout_ms = plan.timeoutMs;
    return view;
  });
}

/** Every budget, resource and window: spent, held, left and when it resets (as `/admin/budgets`). */
export async function budgetsView(ctx: GatewayContext) {
  const rows = await currentBudgets(ctx);
  return rows.map(rowView);
}

/** Every `per_user` budget: its limit for each user and where to see each user's standing (it has no row). */
export function perUserView(ctx: GatewayContext): PerUserBudget[] {
  return perUserBudgets(ctx.router.budgets.plan(ctx.settings.loaded), Date.now());
}
