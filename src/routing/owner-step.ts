// A Responses conversation's owner in the chain and the ladder (ChatOptions.owner): the route and key holding its
// upstream state are preferred as the prompt-cache affinity prefers a warm key, sent the body only they can read, and
// — when the conversation holds items no other route reads — every other route is passed over, saying why
// (docs/responses.md#a-conversations-state-across-a-fallback).
import type { RouteSpec } from '../config/resolve-task.ts';
import { routeName } from '../config/route-name.ts';
import type { AffinityTurn } from '../credentials/affinity.ts';
import type { Credential } from '../credentials/types.ts';
import { UpstreamError } from '../errors/upstream-error.ts';
import type { ChatMessage, ToolDefinition } from '../providers/types.ts';
import type { CallContext } from './call-context.ts';
import { skipRoute } from '../calls/trail.ts';
import type { ConversationOwner } from '../calls/types.ts';

/** Starts the skip message of a route passed over, and the refusal of another key of the owner's route. */
const UNPORTABLE_SKIP = 'cannot be sent this conversation';

/** The call's affinity with the owner as the earlier turn found: its key is picked first on its route. */
export function ownerAffinity(
  turn: AffinityTurn | undefined,
  owner: ConversationOwner,
  call: { scope: string; messages: readonly ChatMessage[]; tools: ToolDefinition[] | undefined; now: number },
): AffinityTurn {
  const found = {
    hash: '',
    provider: owner.provider,
    route: owner.route,
    fingerprint: owner.fingerprint,
    tokens: 0,
    at: call.now,
    expires_at: call.now + 1,
  };
  const base = turn ?? { prompt: { scope: call.scope, messages: call.messages, tools: call.tools }, ownerOnly: true };
  return { ...base, found };
}

/** A route other than the owner's, when the conversation cannot go elsewhere: passed over, without a request. */
export function skipUnportable(ctx: CallContext, route: RouteSpec): boolean {
  const owner = ctx.owner;
  if (owner?.unportable === undefined || routeName(route) === owner.route) return false;
  skipRoute(ctx, route, 'unportable', `${UNPORTABLE_SKIP}: ${owner.unportable}`);
  return true;
}

const isOwner = (owner: ConversationOwner, route: RouteSpec, cred: Credential): boolean =>
  routeName(route) === owner.route && cred.fingerprint === owner.fingerprint;

/** What the owner's route and key, or an earlier holder's, are sent in place of the request's Responses body, if
 * anything. */
export function ownerBody(ctx: CallContext, route: RouteSpec, cred: Credential): Record<string, unknown> | undefined {
  const owner = ctx.owner;
  if (owner === undefined) return undefined;
  if (isOwner(owner, route, cred)) return owner.responsesBody;
  const name = routeName(route);
  return owner.holders?.find((h) => h.route === name && h.fingerprint === cred.fingerprint)?.responsesBody;
}

/** Another key of the owner's route, for a conversation only the owner's key reads: refused before it is sent. */
export function ownerRefusal(ctx: CallContext, route: RouteSpec, cred: Credential): UpstreamError | undefined {
  const owner = ctx.owner;
  if (owner?.unportable === undefined || isOwner(owner, route, cred)) return undefined;
  return new UpstreamError({
    kind: 'bad_request',
    provider: route.provider,
    code: 'previous_response_not_found',
    providerMessage: `${UNPORTABLE_SKIP} with key ${cred.masked}: ${owner.unportable}`,
  });
}
