// Routes as the user types them (`/model deepseek/deepseek-chat`) and as sessions store them.
import type { Config, Route } from '../config/schema.ts';
import { UserError } from '../user-error.ts';
import { parseRoute, routeName } from '../config/route-name.ts';

/** `provider/model` as typed, each part trimmed (`/model deepseek / deepseek-chat`). */
export function parseTypedRoute(text: string): Route | undefined {
  const route = parseRoute(text);
  return route && { provider: route.provider.trim(), model: route.model.trim() };
}

/** A route for `/model` or `--model`: well formed and naming a configured provider. */
export function parseRouteFor(config: Config, text: string): Route {
  const route = parseTypedRoute(text.trim());
  if (!route) throw new UserError(`expected a route as provider/model (e.g. ${exampleRoute(config)}), got "${text}"`);
  if (!Object.hasOwn(config.providers, route.provider)) {
    const known = Object.keys(config.providers);
    throw new UserError(
      `no provider "${route.provider}" in the config${known.length > 0 ? ` (providers: ${known.join(', ')})` : ''}`,
    );
  }
  return route;
}

function exampleRoute(config: Config): string {
  return config.main ? routeName(config.main) : 'mimo/mimo-v2.5-pro';
}
