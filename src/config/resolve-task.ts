// Task → chain of routes: its primary, its `fallback_chain`, then the main chain if `fallback_to_main`
// (docs/routing.md#task-resolution). Pure: reads the config snapshot, touches nothing.
import type { AuthConfig, Config, Route, TaskConfig } from './schema.ts';
import { UserError } from '../user-error.ts';

export interface RouteSpec extends Route {
  /** Where in the config this route comes from: `main`, `fallback[0]`, `auxiliary.title_generation`, … */
  origin: string;
  /** Task-level `base_url` overriding the provider's, for this route only. */
  baseUrl?: string;
  /** Task-level `api_key`: a config-source credential tried before the provider's own keys on this route. */
  apiKey?: { secret: string; where: string };
  /** Task-level minted key (`api_key_file`, `api_key_command`, `oauth2`): the settings as written, and the task's
   * slot (`auxiliary.title_generation`); made a credential by src/credentials/task-credential.ts. */
  mintedKey?: { slot: string; fields: TaskMintedFields };
  /** Task-level `auth`: how keys are sent to the task's `baseUrl`, instead of the provider's `auth`. */
  auth?: AuthConfig;
  /** Set when the config cannot make this route work (e.g. no model anywhere); the route fails with this. */
  invalid?: string;
}

/** The settings a task's own minted key is written in. */
export type TaskMintedFields = Pick<TaskConfig, 'api_key_file' | 'api_key_command' | 'oauth2' | 'mint_wait'>;

export type TaskPlan =
  | { status: 'disabled'; task: string; reason: string }
  | {
      status: 'chain';
      task: string;
      routes: RouteSpec[];
      /** Whole-call deadline for auxiliary tasks (`auxiliary.T.timeout`); main routes use their provider's timeout. */
      timeoutMs?: number;
    };

/** Unknown task name: a caller's mistake, reported with the valid names. */
export class UnknownTaskError extends UserError {
  readonly task: string;
  readonly validTasks: string[];
  constructor(task: string, validTasks: string[]) {
    super(`unknown task ${JSON.stringify(task)}; valid tasks: ${validTasks.join(', ')}`);
    this.task = task;
    this.validTasks = validTasks;
  }
  static override isInstance(value: unknown): value is UnknownTaskError {
    return UserError.isInstance(value) && Array.isArray((value as Partial<UnknownTaskError>).validTasks);
  }
}

export function taskNames(config: Config): string[] {
  return ['main', ...Object.keys(config.auxiliary).filter((t) => t !== 'main')];
}

export function routeKey(r: RouteSpec): string {
  return [r.provider, r.model, r.baseUrl ?? '', r.apiKey?.secret ?? '', r.mintedKey?.slot ?? ''].join('\u0000');
}

/** The route carries a task's own key (written or minted), tried before the provider's. */
export function hasOwnKey(r: RouteSpec): boolean {
  return r.apiKey !== undefined || r.mintedKey !== undefined;
}

function mainChain(config: Config, modelOverride?: string): RouteSpec[] {
  if (!config.main) return [];
  const first: RouteSpec = {
    provider: config.main.provider,
    model: modelOverride || config.main.model,
    origin: 'main',
  };
  return [first, ...config.fallback.map((r, i) => ({ ...r, origin: `fallback[${i}]` }))];
}

function noMain(task: string): UserError {
  return new UserError(
    `task ${task} uses the main chain, but no main route is configured; add \`main: { provider: …, model: … }\` to the config`,
  );
}

function explicitRoute(
  config: Config,
  task: string,
  provider: string,
  model: string,
  baseUrl?: string,
  apiKey?: string,
  minted?: TaskMintedFields,
  auth?: AuthConfig,
): RouteSpec {
  const origin = `auxiliary.${task}`;
  const listed = Object.keys(config.providers[provider]?.models ?? {});
  const route: RouteSpec = { provider, model: model || listed[0] || '', origin };
  if (baseUrl) route.baseUrl = baseUrl;
  if (apiKey && apiKey.trim() && !/^\$\{[^}]*\}$/.test(apiKey.trim()))
    route.apiKey = { secret: apiKey.trim(), where: `auxiliary.${task}.api_key` };
  if (minted !== undefined) route.mintedKey = { slot: origin, fields: minted };
  if (auth !== undefined && baseUrl) route.auth = auth;
  if (!Object.hasOwn(config.providers, provider))
    route.invalid = `provider ${provider} (auxiliary.${task}.provider) is not configured (there is no providers.${provider})`;
  else if (!route.model)
    route.invalid = `auxiliary.${task}.model is not set and providers.${provider}.models lists no model`;
  return route;
}

/** The task's minted key settings, when it has one. */
function mintedFields(t: TaskConfig): TaskMintedFields | undefined {
  if (t.api_key_file === undefined && t.api_key_command === undefined && t.oauth2 === undefined) return undefined;
  const fields: TaskMintedFields = {};
  if (t.api_key_file !== undefined) fields.api_key_file = t.api_key_file;
  if (t.api_key_command !== undefined) fields.api_key_command = t.api_key_command;
  if (t.oauth2 !== undefined) fields.oauth2 = t.oauth2;
  if (t.mint_wait !== undefined) fields.mint_wait = t.mint_wait;
  return fields;
}

function dedupe(routes: RouteSpec[]): RouteSpec[] {
  const seen = new Set<string>();
  return routes.filter((r) => {
    const key = routeKey(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A task's plan. `override` (a request naming provider/model, or chat's `/model`) replaces the first route only. */
export function resolveTask(config: Config, task = 'main', override?: Route): TaskPlan {
  let routes: RouteSpec[];
  let timeoutMs: number | undefined;
  // Whether routes[0] is the task's primary (the route an override replaces) rather than a fallback.
  let hasPrimary: boolean;
  if (task === 'main') {
    routes = dedupe(mainChain(config));
    hasPrimary = routes.length > 0;
    if (!hasPrimary && !override) throw noMain(task);
  } else {
    const t = config.auxiliary[task];
    if (!t) throw new UnknownTaskError(task, taskNames(config));
    if (!t.enabled) return { status: 'disabled', task, reason: `auxiliary.${task}.enabled is false` };
    if (t.provider === 'none') return { status: 'disabled', task, reason: `auxiliary.${task}.provider is none` };
    timeoutMs = t.timeout;
    const primary =
      t.provider === 'auto'
        ? mainChain(config, t.model)
        : [explicitRoute(config, task, t.provider, t.model, t.base_url, t.api_key, mintedFields(t), t.auth)];
    hasPrimary = primary.length > 0;
    routes = dedupe([
      ...primary,
      ...t.fallback_chain.map((r, i) => ({ ...r, origin: `auxiliary.${task}.fallback_chain[${i}]` })),
      ...(t.fallback_to_main ? mainChain(config) : []),
    ]);
    // `auto` with no main route still has its fallback_chain; with neither there is nothing to call.
    if (routes.length === 0 && !override) throw noMain(task);
  }
  if (override) {
    // The caller's own mistake, not an upstream failure: said before anything is tried.
    if (!Object.hasOwn(config.providers, override.provider)) {
      throw new UserError(
        `route: provider ${JSON.stringify(override.provider)} is not configured; configured: ${Object.keys(config.providers).join(', ') || 'none'}`,
      );
    }
    // Replaces the first route of the chain as resolved (duplicates already dropped), the rest staying behind it.
    const first: RouteSpec = { provider: override.provider, model: override.model, origin: 'request' };
    routes = [first, ...(hasPrimary ? routes.slice(1) : routes)];
  }
  const plan: TaskPlan = { status: 'chain', task, routes: dedupe(routes) };
  if (timeoutMs !== undefined) plan.timeoutMs = timeoutMs;
  return plan;
}

/** A task's plan as a reader outside a call sees it: a chain, disabled, or broken (no route at all, an unknown
 * task), with why. */
export type TaskOutlook = TaskPlan | { status: 'broken'; task: string; reason: string };

/** The one way doctor, `auth explain`, usage and budgets read a task's resolved chain: never throws for a task the
 * config cannot resolve, which is said as `broken`. */
export function taskOutlook(config: Config, task: string): TaskOutlook {
  try {
    return resolveTask(config, task);
  } catch (err) {
    return { status: 'broken', task, reason: UserError.isInstance(err) ? err.message : String(err) };
  }
}

/** The routes a call of the task would try, in order: none when it is disabled or broken. */
export function chainRoutes(config: Config, task: string): RouteSpec[] {
  const outlook = taskOutlook(config, task);
  return outlook.status === 'chain' ? outlook.routes : [];
}
