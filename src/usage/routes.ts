// Every route the config can send to, with the tasks that use it: what `usage prices` lists (the budgets' check of
// unpriced routes is budgets/unpriced.ts).
import type { Config, Route } from '../config/schema.ts';
import { chainRoutes, taskNames } from '../config/resolve-task.ts';
import { routeName } from '../config/route-name.ts';

export interface TaskRoute {
  route: Route;
  tasks: string[];
}

/** The routes of every task's chain (a task that does not resolve — no main route, disabled — adds none), and the
 * models a provider lists under `models:`, once each in config order. */
export function taskRoutes(config: Config): TaskRoute[] {
  const byKey = new Map<string, TaskRoute>();
  const add = (route: Route, task?: string): void => {
    const key = routeName(route);
    let r = byKey.get(key);
    if (r === undefined) byKey.set(key, (r = { route: { provider: route.provider, model: route.model }, tasks: [] }));
    if (task !== undefined && !r.tasks.includes(task)) r.tasks.push(task);
  };
  for (const task of taskNames(config)) {
    // A task without a route (no main, disabled): nothing to price.
    for (const r of chainRoutes(config, task)) add(r, task);
  }
  for (const [provider, p] of Object.entries(config.providers))
    for (const model of Object.keys(p.models)) add({ provider, model });
  return [...byKey.values()];
}
