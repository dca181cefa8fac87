// Anthropic's server-side compaction asked for (`context_management.edits` of type `compact_…`) on a chain with a route
// that is not Anthropic's: that route cannot compact, and the edit is left out for it like the rest of
// `context_management`. Under the edit's trigger nothing would be compacted anyway; over it, the request is refused
// rather than sent on uncompacted (docs/gateway.md#anthropic-only-fields-thinking-context_management-effort).
import type { ChatMessage } from '../../providers/types.ts';
import { WireRequestError } from '../../providers/translate/wire-error.ts';
import { isObj } from '../../providers/translate/obj.ts';
import { countPromptTokens } from '../../usage/count-tokens.ts';

/** Anthropic's default trigger: 150,000 input tokens. */
const DEFAULT_TRIGGER = 150_000;

export function checkCompactionEdit(
  body: unknown,
  messages: readonly ChatMessage[],
  routeWithoutAnthropic: (() => string | undefined) | undefined,
): void {
  const edits = isObj(body) && isObj(body['context_management']) ? body['context_management']['edits'] : undefined;
  if (!Array.isArray(edits)) return;
  const at = edits.findIndex((e) => isObj(e) && typeof e['type'] === 'string' && e['type'].startsWith('compact_'));
  if (at < 0) return;
  // No chain to ask (counting tokens): nothing is sent anywhere.
  if (routeWithoutAnthropic === undefined) return;
  const without = routeWithoutAnthropic();
  if (without === undefined) return;
  const edit = edits[at] as Record<string, unknown>;
  const trigger =
    isObj(edit['trigger']) && typeof edit['trigger']['value'] === 'number' ? edit['trigger']['value'] : DEFAULT_TRIGGER;
  const tokens = countPromptTokens(messages.map((m) => m.content ?? ''));
  if (tokens < trigger) return;
  throw new WireRequestError(
    `context_management.edits[${at}]`,
    `the conversation is about ${tokens} tokens, over this compaction's trigger of ${trigger}, and route ${without || 'of this request'} is not Anthropic's and cannot compact it: compact it on the client (Claude Code: /compact) or use a chain of Anthropic routes`,
  );
}
