// Which routes of a request's chain serve OpenAI's Responses API (`providers.P.responses_api: true`): those are sent
// the request as it came, built-in tools included; the rest get a translation without them (gateway.hosted_tools).
// See docs/responses.md, "Built-in tools". Likewise which are Anthropic's, for what only Anthropic reads (compaction).
import type { Config, Route } from '../../config/schema.ts';
import { resolveTask, type RouteSpec } from '../../config/resolve-task.ts';
import type { ModelTarget } from '../request/model-resolve.ts';

/** The first route of the chain not served by the Responses API, or undefined; an unresolvable chain counts as not
 * served, since the call then fails anyway. */
export function routeWithoutResponses(config: Config, target: ModelTarget): string | undefined {
  return firstRouteNot(config, target, (r) => servesResponses(config, r));
}

/** The first route of the chain whose provider is not Anthropic's, or undefined (as routeWithoutResponses). */
export function routeWithoutAnthropic(config: Config, target: ModelTarget): string | undefined {
  return firstRouteNot(config, target, (r) => config.providers[r.provider]?.type === 'anthropic');
}

/** Whether any route of the chain is Anthropic's (one that can compact what the others cannot); an unresolvable
 * chain has none. */
export function anyAnthropicRoute(config: Config, target: ModelTarget): boolean {
  return chainRoutes(config, target)?.some((r) => config.providers[r.provider]?.type === 'anthropic') === true;
}

function chainRoutes(config: Config, target: ModelTarget): readonly RouteSpec[] | undefined {
  try {
    const plan = resolveTask(config, target.task, target.route);
    return plan.status === 'chain' ? plan.routes : undefined;
  } catch {
    return undefined;
  }
}

function firstRouteNot(config: Config, target: ModelTarget, serves: (r: Route) => boolean): string | undefined {
  const routes = chainRoutes(config, target);
  if (routes === undefined) return '';
  const without = routes.find((r) => !serves(r));
  return without && `${without.provider}/${without.model} (${without.origin})`;
}

/** The first route of the chain that compacts a conversation neither as the Responses API nor as Anthropic's. */
export function routeWithoutCompaction(config: Config, target: ModelTarget): string | undefined {
  return firstRouteNot(
    config,
    target,
    (r) => servesResponses(config, r) || config.providers[r.provider]?.type === 'anthropic',
  );
}

export const servesResponses = (config: Config, route: Pick<Route, 'provider'>): boolean =>
  config.providers[route.provider]?.responses_api === true;
