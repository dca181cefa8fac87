// Prompt-size estimates (SPEC §5 compression). The provider's reported prompt tokens are the truth when we have
// them; before the first answer (or after the history changed) we estimate with gpt-tokenizer's o200k encoding.
// The per-message overhead follows OpenAI's chat format accounting (role and separators ≈ 4 tokens, priming 3).
import { countTokens } from 'gpt-tokenizer';
import type { ChatMessage, ChatRequest } from '../providers/types.ts';

const PER_MESSAGE_OVERHEAD = 4;
const REPLY_PRIMING = 3;
/** Text is user data: a literal `<|endoftext|>` in it is just text, not a reason to throw. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function estimateTextTokens(text: string): number {
  return text.length === 0 ? 0 : countTokens(text, AS_PLAIN_TEXT);
}

export function estimateMessageTokens(message: ChatMessage): number {
  let n = PER_MESSAGE_OVERHEAD + estimateTextTokens(message.content ?? '');
  for (const call of message.tool_calls ?? []) n += estimateTextTokens(call.name) + estimateTextTokens(call.arguments);
  return n;
}

export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  let n = REPLY_PRIMING;
  for (const m of messages) n += estimateMessageTokens(m);
  return n;
}

/** An image's share of the prompt without decoding it: Anthropic counts width × height / 750, at most ~1,600 for
 * the ~1.15 megapixels it resizes to; the upper bound, since the count is used to keep a prompt under a limit. */
const IMAGE_TOKENS = 1_600;

/** A whole request's prompt: messages (images included) and the tool definitions offered. */
export function estimateRequestTokens(request: Pick<ChatRequest, 'messages' | 'tools'>): number {
  let n = estimatePromptTokens(request.messages);
  for (const m of request.messages) for (const p of m.parts ?? []) if (p.type === 'image') n += IMAGE_TOKENS;
  for (const t of request.tools ?? []) n += estimateTextTokens(`${t.name} ${t.description ?? ''} ${JSON.stringify(t.parameters)}`);
  return n;
}
