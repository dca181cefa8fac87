// What a route changes in the caller's request before sending it again (docs/routing.md "On one route"): max_tokens lowered
// to the largest the model accepts, once the provider said it (the `lower_max_tokens` action in policy.ts). Only
// ever lowered: a caller who asked for less keeps what they asked for.
import type { ChatMessage, ChatRequest } from '../providers/types.ts';
import type { RouteSpec } from '../config/resolve-task.ts';

export interface RequestAdjustments {
  /** Send max_tokens no higher than this. */
  maxTokens?: number;
  /** Send the history without its thinking blocks. */
  dropThinking?: true;
  /** OpenAI's `prompt_cache_key` for a caller who sent none (routing/affinity-step.ts `deriveCacheKey`). */
  promptCacheKey?: string;
}

/** The request one attempt on `route` sends. */
export function requestFor(
  request: Omit<ChatRequest, 'model'>,
  route: RouteSpec,
  adjust: RequestAdjustments,
): ChatRequest {
  const sent: ChatRequest = { ...request, model: route.model };
  if (adjust.maxTokens !== undefined)
    sent.max_tokens = Math.min(request.max_tokens ?? adjust.maxTokens, adjust.maxTokens);
  if (adjust.dropThinking) sent.messages = request.messages.map(withoutThinking);
  if (adjust.promptCacheKey !== undefined) withCacheKey(sent, adjust.promptCacheKey);
  return sent;
}

/** The caller's own key, when it sent one, wins; a Responses body sent as it came gets the key too. */
function withCacheKey(sent: ChatRequest, key: string): void {
  sent.prompt_cache_key ??= key;
  const body = sent.responses_body;
  if (body !== undefined && body['prompt_cache_key'] == null) sent.responses_body = { ...body, prompt_cache_key: key };
}

function withoutThinking(message: ChatMessage): ChatMessage {
  if (message.role !== 'assistant' || !Array.isArray(message.parts)) return message;
  return { ...message, parts: message.parts.filter((p) => p.type !== 'thinking' && p.type !== 'redacted_thinking') };
}
