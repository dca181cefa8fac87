// A route's one spelling, `provider/model`, both ways, and the context window the config gives its model: every
// reader (router, gateway, sessions, usage, CLI) names and parses routes here, so `a/b/c` means the same everywhere.
import type { Config, Route } from './schema.ts';

/** `provider/model`: a route's name in trails, logs, metrics and messages. */
export function routeName(route: { provider: string; model: string }): string {
  let byModel = NAMES.get(route.provider);
  let name = byModel?.get(route.model);
  if (name !== undefined) return name;
  name = `${route.provider}/${route.model}`;
  if (kept >= NAMES_KEPT) {
    NAMES.clear();
    kept = 0;
    byModel = undefined;
  }
  if (byModel === undefined) NAMES.set(route.provider, (byModel = new Map()));
  // The same string each time: V8 keeps a string's hash in it, so it is reckoned once, not at every look-up.
  byModel.set(route.model, name);
  kept++;
  return name;
}

/** The names made, by provider, then model: a request names its route several times (its trail, its record, the
 * metrics' and the log's remembered texts, a header), and one text for every naming leaves one string to hash and
 * compare, where each new one was joined and hashed again where it was looked up. Bounded (emptied when
 * full), since a model may come from a request (a `*` route). */
const NAMES = new Map<string, Map<string, string>>();
const NAMES_KEPT = 1024;
let kept = 0;

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
