// Which routes of a request's chain serve OpenAI's Responses API (`providers.P.responses_api: true`): those are sent
// the request as it came, built-in tools included; the rest get a translation without them (gateway.hosted_tools).
// See docs/gateway.md, "Built-in tools". Likewise which are Anthropic's, for what only Anthropic reads (compaction).
import type { Config, Route } from '../config/schema.ts';
import { resolveTask } from '../config/resolve-task.ts';
import type { ModelTarget } from './model-resolve.ts';

/** The first route of the chain not served by the Responses API, or undefined; an unresolvable chain counts as not
 * served, since the call then fails anyway. */
export function routeWithoutResponses(config: Config, target: ModelTarget): string | undefined {
  return firstRouteNot(config, target, (r) => servesResponses(config, r));
}

/** The first route of the chain whose provider is not Anthropic's, or undefined (as routeWithoutResponses). */
export function routeWithoutAnthropic(config: Config, target: ModelTarget): string | undefined {
  return firstRouteNot(config, target, (r) => config.providers[r.provider]?.type === 'anthropic');
}

function firstRouteNot(config: Config, target: ModelTarget, serves: (r: Route) => boolean): string | undefined {
  let routes;
  try {
    const plan = resolveTask(config, target.task, target.route);
    if (plan.status !== 'chain') return '';
    routes = plan.routes;
  } catch {
    return '';
  }
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
