// What a request needs that only some providers can do (Anthropic's server-side compaction past its trigger): the
// chain passes over the other routes without a request, saying why in the trail, as it does a route whose context
// window is too small (docs/shapes.md#anthropic-only-fields-thinking-context_management-effort).
import type { RouteSpec } from '../config/resolve-task.ts';
import type { CallContext } from './call-context.ts';
import { skipRoute } from '../calls/trail.ts';

/** A route of another provider type, when the request needs one of `ctx.needs`' types: passed over. */
export function skipUnable(ctx: CallContext, route: RouteSpec): boolean {
  const need = ctx.needs;
  if (need === undefined) return false;
  const type = ctx.loaded.config.providers[route.provider]?.type;
  if (type !== undefined && need.providerTypes.includes(type)) return false;
  skipRoute(ctx, route, 'needs', `cannot ${need.what}: only ${need.providerTypes.join(' or ')} routes can`);
  return true;
}
