// Prompt-size estimates (docs/chat.md compression). The provider's reported prompt tokens are the truth when we have
// them; before the first answer (or after the history changed) we estimate with gpt-tokenizer's o200k encoding.
// The per-message overhead follows OpenAI's chat format accounting (role and separators ≈ 4 tokens, priming 3).
import { countPlainTokens } from '../calls/count-tokens.ts';
import type { ChatMessage, ChatRequest } from '../providers/types.ts';

const PER_MESSAGE_OVERHEAD = 4;
const REPLY_PRIMING = 3;

/** Characters tokenized exactly per estimate; the rest is extrapolated, since tokenizing blocks the event loop (a
 * 30 MB body once held the gateway ~1 s). */
export const EXACT_CHARS = 1_000_000;

/** One estimate's running count: exact until EXACT_CHARS, then characters × the tokens-per-character seen. */
class TokenCount {
  #exactChars = 0;
  #exactTokens = 0;

  text(text: string): number {
    if (text.length === 0) return 0;
    const room = EXACT_CHARS - this.#exactChars;
    if (room <= 0) return this.#extrapolate(text.length);
    const exactPart = text.length <= room ? text : text.slice(0, room);
    const tokens = countPlainTokens(exactPart);
    this.#exactChars += exactPart.length;
    this.#exactTokens += tokens;
    return tokens + this.#extrapolate(text.length - exactPart.length);
  }

  #extrapolate(chars: number): number {
    return chars === 0 ? 0 : Math.ceil((chars * this.#exactTokens) / Math.max(1, this.#exactChars));
  }
}

export function estimateTextTokens(text: string): number {
  return new TokenCount().text(text);
}

function messageTokens(message: ChatMessage, count: TokenCount): number {
  let n = PER_MESSAGE_OVERHEAD + count.text(message.content ?? '');
  for (const call of message.tool_calls ?? []) n += count.text(call.name) + count.text(call.arguments);
  return n;
}

export function estimateMessageTokens(message: ChatMessage): number {
  return messageTokens(message, new TokenCount());
}

function promptTokens(messages: readonly ChatMessage[], count: TokenCount): number {
  let n = REPLY_PRIMING;
  for (const m of messages) n += messageTokens(m, count);
  return n;
}

export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  return promptTokens(messages, new TokenCount());
}

/** An image's share of the prompt without decoding it: Anthropic counts width × height / 750, at most ~1,600 for
 * the ~1.15 megapixels it resizes to; the upper bound, since the count is used to keep a prompt under a limit. */
const IMAGE_TOKENS = 1_600;

/** A whole request's prompt: messages (images included) and the tool definitions offered. */
export function estimateRequestTokens(request: Pick<ChatRequest, 'messages' | 'tools'>): number {
  const count = new TokenCount();
  let n = promptTokens(request.messages, count);
  for (const m of request.messages) for (const p of m.parts ?? []) if (p.type === 'image') n += IMAGE_TOKENS;
  for (const t of request.tools ?? [])
    n += count.text(`${t.name} ${t.description ?? ''} ${JSON.stringify(t.parameters)}`);
  return n;
}
