// Anthropic's server-side compaction asked for (`context_management.edits` of type `compact_…`) on a chain with a route
// that is not Anthropic's: that route cannot compact, and the edit is left out for it like the rest of
// `context_management`. Under the edit's trigger nothing would be compacted anyway; over it, the other routes are
// skipped for the request (the chain's Anthropic routes compact it), and a chain without an Anthropic route refuses it
// rather than send it on uncompacted (docs/shapes.md#anthropic-only-fields-thinking-context_management-effort).
import type { ChatMessage } from '../../../providers/types.ts';
import type { RouteNeed } from '../../../calls/types.ts';
import { WireRequestError } from '../../../providers/translate/wire-error.ts';
import { isObj } from '../../../providers/translate/obj.ts';
import { promptTokensAtMost, promptTokensLater } from '../../../calls/prompt-tokens.ts';
import type { CountedNeed } from '../counted-need.ts';

/** Anthropic's default trigger: 150,000 input tokens. */
const DEFAULT_TRIGGER = 150_000;

/** What the parse asks of the request's chain (responses-routes.ts). */
export interface CompactionRoutes {
  /** The first route that is not Anthropic's, or undefined. */
  routeWithoutAnthropic: () => string | undefined;
  /** Whether any route is Anthropic's. */
  anyAnthropic: () => boolean;
}

/** The need of an Anthropic route when the conversation is over the edit's trigger on a mixed chain (checked once
 * counted); undefined when any route will do without counting. */
export function checkCompactionEdit(
  body: unknown,
  messages: readonly ChatMessage[],
  routes: CompactionRoutes | undefined,
): CountedNeed | undefined {
  const edits = isObj(body) && isObj(body['context_management']) ? body['context_management']['edits'] : undefined;
  if (!Array.isArray(edits)) return undefined;
  const at = edits.findIndex((e) => isObj(e) && typeof e['type'] === 'string' && e['type'].startsWith('compact_'));
  if (at < 0) return undefined;
  // No chain to ask (counting tokens): nothing is sent anywhere.
  if (routes === undefined) return undefined;
  const without = routes.routeWithoutAnthropic();
  if (without === undefined) return undefined;
  const edit = edits[at] as Record<string, unknown>;
  const trigger =
    isObj(edit['trigger']) && typeof edit['trigger']['value'] === 'number' ? edit['trigger']['value'] : DEFAULT_TRIGGER;
  // Claude Code asks this of every turn: a conversation under the trigger in bytes is under it in tokens, uncounted;
  // one over it is counted on the count worker, its earlier turns' messages once (prompt-tokens.ts).
  if (promptTokensAtMost(messages) < trigger) return undefined;
  return promptTokensLater(messages).then(
    (tokens) => needOver({ tokens, trigger, at, without }, routes),
    () => undefined,
  );
}

function needOver(
  c: { tokens: number; trigger: number; at: number; without: string },
  routes: CompactionRoutes,
): RouteNeed | WireRequestError | undefined {
  const { tokens, trigger, at, without } = c;
  if (tokens < trigger) return undefined;
  if (routes.anyAnthropic())
    return {
      providerTypes: ['anthropic'],
      what: `compact this conversation (about ${tokens} tokens, over the trigger of ${trigger} of context_management.edits[${at}])`,
    };
  return new WireRequestError(
    `context_management.edits[${at}]`,
    `the conversation is about ${tokens} tokens, over this compaction's trigger of ${trigger}, and route ${without || 'of this request'} is not Anthropic's and cannot compact it, nor can any other route of the chain: compact it on the client (Claude Code: /compact) or add an Anthropic route to the chain`,
  );
}
