// A route's one spelling, `provider/model`, both ways, and the context window the config gives its model: every
// reader (router, gateway, sessions, usage, CLI) names and parses routes here, so `a/b/c` means the same everywhere.
import type { Config, Route } from './schema.ts';

/** `provider/model`: a route's name in trails, logs, metrics and messages. */
export function routeName(route: { provider: string; model: string }): string {
  return `${route.provider}/${route.model}`;
}

/** `provider/model` → its parts, as written; the model may itself contain slashes (`openrouter/meta/llama-3`), the
 * provider may not. Undefined when either part is empty. */
export function parseRoute(text: string): Route | undefined {
  const i = text.indexOf('/');
  if (i <= 0 || i === text.length - 1) return undefined;
  return { provider: text.slice(0, i), model: text.slice(i + 1) };
}

/** The provider part of a route's name (the whole text when it has no slash). */
export function routeProvider(name: string): string {
  const i = name.indexOf('/');
  return i < 0 ? name : name.slice(0, i);
}

/** The configured context window of a route's model, if the config says (`providers.P.models.M.context_window`). */
export function contextWindowOf(config: Config, route: Route | undefined): number | undefined {
  if (!route) return undefined;
  return config.providers[route.provider]?.models[route.model]?.context_window;
}
