// Our answers in the SDK's terms: usage in its nested shape, finish reasons, the attempt trail as provider metadata,
// and a whole (non-streaming) answer as content parts.
import type { ChatResponse, FinishReason as OurFinish, Usage as OurUsage } from '../providers/types.ts';
import type { Attempt } from '../calls/types.ts';
import { OWN_KEY } from './prompt.ts';
import type { Content, FinishReason, JsonObject, ProviderRecord, Usage } from './spec-types.ts';

const UNIFIED: Record<OurFinish, FinishReason['unified']> = {
  stop: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  content_filter: 'content-filter',
  pause_turn: 'other',
  compaction: 'other',
};

export function finishReason(reason: OurFinish): FinishReason {
  return { unified: UNIFIED[reason], raw: reason };
}

/** Our usage counts the whole prompt in `input_tokens` (cached parts included) and reasoning inside `output_tokens`,
 * as the SDK's totals do; the SDK also wants the uncached and the text parts apart. */
export function sdkUsage(usage: OurUsage | undefined): Usage {
  if (usage === undefined)
    return {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
  const cacheRead = usage.cache_read_tokens;
  const cacheWrite = usage.cache_write_tokens;
  const reasoning = usage.reasoning_tokens;
  return {
    inputTokens: {
      total: usage.input_tokens,
      noCache: Math.max(0, usage.input_tokens - (cacheRead ?? 0) - (cacheWrite ?? 0)),
      cacheRead,
      cacheWrite,
    },
    outputTokens: {
      total: usage.output_tokens,
      text: Math.max(0, usage.output_tokens - (reasoning ?? 0)),
      reasoning,
    },
    raw: { ...usage },
  };
}

/** A JSON copy (the SDK's metadata is JSON: no undefined, no class instances). */
function json(value: object): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** `providerMetadata.switchyard`: the task, the route that answered and every attempt it took. */
export function trailMetadata(
  task: string,
  answered: { route: string; provider: string; model: string } | undefined,
  trail: readonly Attempt[],
): ProviderRecord {
  const route = answered ? { route: answered.route, provider: answered.provider, model: answered.model } : {};
  return { [OWN_KEY]: json({ task, ...route, attempts: trail }) };
}

/** A whole answer's content in the SDK's order: reasoning, text, tool calls. */
export function contentOf(response: ChatResponse): Content[] {
  const content: Content[] = [];
  for (const t of response.thinking ?? []) {
    if (t.type === 'thinking')
      content.push({
        type: 'reasoning',
        text: t.thinking,
        providerMetadata: { [OWN_KEY]: { signature: t.signature } },
      });
    else content.push({ type: 'reasoning', text: '', providerMetadata: { [OWN_KEY]: { redactedData: t.data } } });
  }
  const text = response.content !== '' ? response.content : (response.refusal ?? '');
  if (text !== '') content.push({ type: 'text', text });
  for (const c of response.tool_calls)
    content.push({ type: 'tool-call', toolCallId: c.id, toolName: c.name, input: c.arguments || '{}' });
  return content;
}
