// Prompt-size estimates (SPEC §5 compression). The provider's reported prompt tokens are the truth when we have
// them; before the first answer (or after the history changed) we estimate with gpt-tokenizer's o200k encoding.
// The per-message overhead follows OpenAI's chat format accounting (role and separators ≈ 4 tokens, priming 3).
import { countTokens } from 'gpt-tokenizer';
import type { ChatMessage } from '../providers/types.ts';

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
