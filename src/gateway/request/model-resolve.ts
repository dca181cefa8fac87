// What the request's `model` names, first match wins (docs/gateway.md#choosing-a-model). A named model goes first,
// with the main chain behind it as the fallback.
import type { Config, Route } from '../../config/schema.ts';
import { ApiError } from '../answer/api-error.ts';
import { buildAliases, matchingPattern, type AliasTable, type AliasTarget } from './model-aliases.ts';
import { parseRoute, routeName, routeProvider } from '../../config/route-name.ts';

export interface ModelTarget {
  task: string;
  /** Set when the request named a model: it replaces the first route of the task's chain. */
  route?: Route;
  /** True when the client named a model rather than a task (a missing upstream model is then a 404 for it). */
  explicit: boolean;
  /** The `gateway.aliases` entry that matched (the name itself, or the pattern: `claude-*`, `*`), when one did. */
  alias?: string;
}

export interface ModelIndex {
  tasks: readonly string[];
  providers: ReadonlySet<string>;
  /** Bare model name → the route that serves it (first provider in config order). */
  bare: ReadonlyMap<string, Route>;
  /** Every `provider/model` the gateway knows, for /v1/models. */
  listed: readonly string[];
  /** The same as a set: the routes a metric label may name (metricRoute). */
  known: ReadonlySet<string>;
  aliases: AliasTable;
}

export function buildModelIndex(config: Config): ModelIndex {
  const tasks = ['main', ...Object.keys(config.auxiliary)];
  const routes: Route[] = [];
  for (const [provider, p] of Object.entries(config.providers)) {
    for (const model of Object.keys(p.models)) routes.push({ provider, model });
  }
  // Models named by the configured chains exist too, even when the provider does not list its models.
  if (config.main) routes.push(config.main);
  routes.push(...config.fallback);
  for (const task of Object.values(config.auxiliary)) {
    if (task.model && task.provider !== 'auto' && task.provider !== 'none')
      routes.push({ provider: task.provider, model: task.model });
    routes.push(...task.fallback_chain);
  }
  const bare = new Map<string, Route>();
  const listed: string[] = [];
  const seen = new Set<string>();
  for (const r of routes) {
    if (!Object.hasOwn(config.providers, r.provider)) continue;
    const name = routeName(r);
    if (seen.has(name)) continue;
    seen.add(name);
    listed.push(name);
    if (!bare.has(r.model)) bare.set(r.model, r);
  }
  // An `auto` task with a model of its own runs it on the main route's provider: a route of a chain too.
  const known = new Set(seen);
  for (const task of Object.values(config.auxiliary))
    if (task.provider === 'auto' && task.model && config.main)
      known.add(routeName({ provider: config.main.provider, model: task.model }));
  return {
    tasks,
    providers: new Set(Object.keys(config.providers)),
    bare,
    listed,
    known,
    aliases: buildAliases(config),
  };
}

/** An alias names a task (the client named no model of its own) or a route, like `provider/model` does. */
const fromAlias = (target: AliasTarget, alias: string): ModelTarget =>
  target.route
    ? { task: target.task, route: target.route, explicit: true, alias }
    : { task: target.task, explicit: false, alias };

export function resolveModel(index: ModelIndex, model: string): ModelTarget | undefined {
  const alias = index.aliases.exact.get(model);
  if (alias) return fromAlias(alias, model);
  if (index.tasks.includes(model)) return { task: model, explicit: false };
  const named = parseRoute(model);
  if (named !== undefined && index.providers.has(named.provider)) return { task: 'main', route: named, explicit: true };
  const route = index.bare.get(model);
  if (route) return { task: 'main', route, explicit: true };
  const pattern = matchingPattern(index.aliases, model);
  return pattern ? fromAlias(pattern.target, pattern.pattern) : undefined;
}

/** The metrics `route` label: unknown `provider/model`s become `<provider>/other`, since upstreams that take any name
 * would otherwise make series without bound. */
export function metricRoute(index: ModelIndex, route: string): string {
  if (index.known.has(route)) return route;
  return route.includes('/') ? `${routeProvider(route)}/other` : route;
}

/** Longest model name a request may send: real ids (fine-tunes, Bedrock ARNs, OpenRouter variants) are far
 * shorter, and a bounded name cannot become megabytes of error message, log line and upstream request. */
export const MAX_MODEL_CHARS = 512;

/** The `model` field of every request body schema. */
export const MODEL_FIELD_SCHEMA = { type: 'string', minLength: 1, maxLength: MAX_MODEL_CHARS } as const;

/** Longest model name quoted back in a message or a log line: real names are well under it, and a caller's 100 KB
 * name must not become a 100 KB answer, log line, or entry in the log's memo of repeated values. */
const SHOWN_MODEL_CHARS = 160;

/** C0 and C1 control characters and DEL: no model anywhere is named with a newline, a tab or a NUL. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL_CHARACTER = /[\x00-\x1f\x7f-\x9f]/;

/** Refuses a model name with a control character with a 400, before any upstream call: the name can only fail (or
 * be billed and then fail), and a caller's SDK would retry whatever came back as a 5xx. */
export function checkModelName(model: string): void {
  if (CONTROL_CHARACTER.test(model)) {
    throw new ApiError(
      'invalid_request',
      `invalid request body: model ${JSON.stringify(shownModel(model))} contains a control character (a line break, tab or the like); no model is named with one`,
      { code: 'invalid_model', param: 'model' },
    );
  }
}

/** The model name as shown in messages and logs. */
export function shownModel(model: string): string {
  return model.length <= SHOWN_MODEL_CHARS
    ? model
    : `${model.slice(0, SHOWN_MODEL_CHARS)}… (${model.length} characters)`;
}

/** The message of a 404 for an unknown model: says what is valid, and how to make the name valid (a client such as
 * Claude Code sends names of its own, which only the gateway's config can map). */
export function unknownModelMessage(index: ModelIndex, model: string): string {
  const some = [...index.tasks, ...index.aliases.exact.keys(), ...index.listed].slice(0, 12).join(', ');
  const shown = JSON.stringify(shownModel(model));
  return `unknown model ${shown}: use a task (${index.tasks.join(', ')}), a provider/model with a configured provider, or a listed model — GET /v1/models lists them (e.g. ${some}); or map this name to one in the config: gateway.aliases: { ${shown}: main }, or "*": main for every name not otherwise known`;
}
