// `config check`'s warning of a USD budget that cannot count some of what it covers: a route it may be spent on with
// no known price (neither the config's `price:` nor the build-time table), whose cost would count as nothing.
import type { Config, Route } from '../config/schema.ts';
import { chainRoutes, taskNames } from '../config/resolve-task.ts';
import { lookUpPrice } from '../usage/prices.ts';
import { limitsOf, type BudgetScope } from './rules.ts';
import { routeName } from '../config/route-name.ts';

/** Every route some task's chain may be sent to, once each. */
function routesOfTasks(config: Config, tasks: readonly string[]): Route[] {
  const seen = new Map<string, Route>();
  for (const task of tasks)
    for (const r of chainRoutes(config, task))
      if (r.invalid === undefined) seen.set(routeName(r), { provider: r.provider, model: r.model });
  return [...seen.values()];
}

function covered(config: Config, scope: BudgetScope): Route[] {
  switch (scope.kind) {
    case 'all':
    case 'client_key':
      return routesOfTasks(config, taskNames(config));
    case 'task':
      return routesOfTasks(config, [scope.name]);
    case 'route':
      return [{ provider: scope.provider, model: scope.model }];
    case 'provider':
    case 'credential':
      return routesOfTasks(config, taskNames(config)).filter((r) => r.provider === scope.provider);
    case 'mcp_server':
    case 'tool':
      return [];
  }
}

export function unpricedBudgetWarnings(config: Config, now: number = Date.now()): string[] {
  const out: string[] = [];
  const said = new Set<string>();
  for (const limit of limitsOf(config)) {
    if (limit.resource !== 'usd' || said.has(limit.budget)) continue;
    said.add(limit.budget);
    const unpriced = covered(config, limit.scope).filter((r) => lookUpPrice(config, r, now) === null);
    if (unpriced.length === 0) continue;
    const names = unpriced.map(routeName).join(', ');
    out.push(
      `budgets.${limit.budget} limits USD, but ${names} ${unpriced.length === 1 ? 'has' : 'have'} no known price: what ${unpriced.length === 1 ? 'it costs' : 'they cost'} counts as $0 — set providers.P.models.M.price: { input, output } (USD per million tokens)`,
    );
  }
  return out;
}
