// Routes as the user types them (`/model deepseek/deepseek-chat`) and as sessions store them.
import type { Config, Route } from '../config/schema.ts';
import { UserError } from '../user-error.ts';

export function formatRoute(route: Route): string {
  return `${route.provider}/${route.model}`;
}

/** `provider/model`; the model may itself contain slashes (`openrouter/meta/llama-3`), the provider may not. */
export function parseRoute(text: string): Route | undefined {
  const i = text.indexOf('/');
  if (i <= 0 || i === text.length - 1) return undefined;
  return { provider: text.slice(0, i).trim(), model: text.slice(i + 1).trim() };
}

/** A route for `/model` or `--model`: well formed and naming a configured provider. */
export function parseRouteFor(config: Config, text: string): Route {
  const route = parseRoute(text.trim());
  if (!route) throw new UserError(`expected a route as provider/model (e.g. ${exampleRoute(config)}), got "${text}"`);
  if (!Object.hasOwn(config.providers, route.provider)) {
    const known = Object.keys(config.providers);
    throw new UserError(
      `no provider "${route.provider}" in the config${known.length > 0 ? ` (providers: ${known.join(', ')})` : ''}`,
    );
  }
  return route;
}

/** The configured context window of a route's model, if the config says (`providers.P.models.M.context_window`). */
export function contextWindowOf(config: Config, route: Route | undefined): number | undefined {
  if (!route) return undefined;
  return config.providers[route.provider]?.models[route.model]?.context_window;
}

function exampleRoute(config: Config): string {
  return config.main ? formatRoute(config.main) : 'mimo/mimo-v2.5-pro';
}
