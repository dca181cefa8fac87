// Each task's resolved chain as the user reads it (`doctor`, `auth explain`, `config show --explain`): the routes in
// the order a call tries them, each with the config setting it comes from. Pure: resolveTask does the resolving.
import type { Config } from '../config/schema.ts';
import { taskNames, taskOutlook, type RouteSpec } from '../config/resolve-task.ts';
import { routeName } from '../config/route-name.ts';

export interface ChainRoute {
  /** `provider/model` */
  route: string;
  provider: string;
  /** The setting it comes from: `main`, `fallback[0]`, `auxiliary.title_generation.fallback_chain[0]`, … */
  origin: string;
  /** Why the config cannot make this route work, when it cannot. */
  invalid?: string;
}

export type TaskChain =
  | { task: string; status: 'chain'; routes: ChainRoute[] }
  | { task: string; status: 'disabled' | 'broken'; reason: string; routes: [] };

export function chainRoute(r: RouteSpec): ChainRoute {
  return {
    route: routeName(r),
    provider: r.provider,
    origin: r.origin,
    ...(r.invalid !== undefined ? { invalid: r.invalid } : {}),
  };
}

export function taskChain(config: Config, task: string): TaskChain {
  const plan = taskOutlook(config, task);
  if (plan.status !== 'chain') return { task, status: plan.status, reason: plan.reason, routes: [] };
  return { task, status: 'chain', routes: plan.routes.map(chainRoute) };
}

/** `main` and every auxiliary task, in config order. */
export function taskChains(config: Config): TaskChain[] {
  return taskNames(config).map((t) => taskChain(config, t));
}

/** The origin said short within its task's line: `fallback_chain[0]` for `auxiliary.T.fallback_chain[0]`, `task` for
 * the task's own provider. */
export function originLabel(task: string, origin: string): string {
  const own = `auxiliary.${task}`;
  if (origin === own) return 'task';
  return origin.startsWith(`${own}.`) ? origin.slice(own.length + 1) : origin;
}

/** `mimo/mimo-v2.5-pro (main) → deepseek/deepseek-chat (fallback[0]) → claude/claude-haiku-4-5 (fallback_chain[0])`;
 * `mark` adds a suffix to a route (doctor's ✗). */
export function chainText(
  task: string,
  routes: readonly Pick<ChainRoute, 'route' | 'origin'>[],
  mark: (index: number) => string = () => '',
): string {
  return routes.map((r, i) => `${r.route} (${originLabel(task, r.origin)})${mark(i)}`).join(' → ');
}

/** One line per task: `title_generation: mimo/… (main) → …`, or why it has no chain. */
export function taskChainLine(c: TaskChain): string {
  if (c.status === 'chain')
    return `${c.task}: ${chainText(c.task, c.routes, (i) => (c.routes[i]?.invalid !== undefined ? ' ✗' : ''))}`;
  return `${c.task}: ${c.status} (${c.reason})`;
}
