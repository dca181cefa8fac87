// Prompt-size estimates (docs/chat.md compression, the gateway's count_tokens). The provider's reported prompt tokens
// are the truth when we have them; before the first answer (or after the history changed) we estimate with
// gpt-tokenizer's o200k encoding. The per-message overhead follows OpenAI's chat format accounting (role and
// separators ≈ 4 tokens, priming 3). An estimate is the texts it counts and a fixed part, so the texts can be counted
// blocking (a session's own decisions) or awaited on the count worker (a gateway request).
import { countPlainTokens, countPlainTokensLater } from '../calls/count-tokens.ts';
import type { ChatMessage, ChatRequest } from '../providers/types.ts';

const PER_MESSAGE_OVERHEAD = 4;
const REPLY_PRIMING = 3;

/** Characters tokenized exactly per estimate; the rest is extrapolated, since tokenizing blocks the event loop (a
 * 30 MB body once held the gateway ~1 s). */
export const EXACT_CHARS = 1_000_000;

/** What an estimate counts: its texts in order, and the tokens it adds without counting (framing, images). */
interface Counted {
  texts: string[];
  fixed: number;
}

/** The texts' exact parts, EXACT_CHARS in all, in order, and how many characters of each are past them. */
interface Split {
  exact: string[];
  past: number[];
}

function split(texts: readonly string[]): Split {
  const exact: string[] = [];
  const past: number[] = [];
  let room = EXACT_CHARS;
  for (const text of texts) {
    const part = text.length <= room ? text : text.slice(0, Math.max(0, room));
    room -= part.length;
    if (part.length > 0) exact.push(part);
    if (text.length > part.length) past.push(text.length - part.length);
  }
  return { exact, past };
}

/** The estimate from the exact parts' counts: each text's characters past them at the rate those parts were counted
 * at (all of EXACT_CHARS by then). */
function total(counted: Counted, s: Split, counts: readonly number[]): number {
  let exactTokens = 0;
  for (const c of counts) exactTokens += c;
  let exactChars = 0;
  for (const part of s.exact) exactChars += part.length;
  let n = counted.fixed + exactTokens;
  for (const chars of s.past) n += Math.ceil((chars * exactTokens) / Math.max(1, exactChars));
  return n;
}

/** Counts an estimate's texts here, blocking until the count worker answers. */
function countNow(counted: Counted): number {
  const s = split(counted.texts);
  return total(counted, s, s.exact.map(countPlainTokens));
}

/** Counts an estimate's texts on the count worker, the event loop free meanwhile. */
async function countLater(counted: Counted): Promise<number> {
  const s = split(counted.texts);
  return total(counted, s, await Promise.all(s.exact.map(countPlainTokensLater)));
}

function addMessage(message: ChatMessage, into: Counted): void {
  into.fixed += PER_MESSAGE_OVERHEAD;
  into.texts.push(message.content ?? '');
  for (const call of message.tool_calls ?? []) into.texts.push(call.name, call.arguments);
}

function prompt(messages: readonly ChatMessage[]): Counted {
  const counted: Counted = { texts: [], fixed: REPLY_PRIMING };
  for (const m of messages) addMessage(m, counted);
  return counted;
}

export function estimateTextTokens(text: string): number {
  return countNow({ texts: [text], fixed: 0 });
}

export function estimateMessageTokens(message: ChatMessage): number {
  const counted: Counted = { texts: [], fixed: 0 };
  addMessage(message, counted);
  return countNow(counted);
}

export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  return countNow(prompt(messages));
}

/** An image's share of the prompt without decoding it: Anthropic counts width × height / 750, at most ~1,600 for
 * the ~1.15 megapixels it resizes to; the upper bound, since the count is used to keep a prompt under a limit. */
const IMAGE_TOKENS = 1_600;

/** A whole request's prompt: messages (images included) and the tool definitions offered. */
function request(req: Pick<ChatRequest, 'messages' | 'tools'>): Counted {
  const counted = prompt(req.messages);
  for (const m of req.messages) for (const p of m.parts ?? []) if (p.type === 'image') counted.fixed += IMAGE_TOKENS;
  for (const t of req.tools ?? [])
    counted.texts.push(`${t.name} ${t.description ?? ''} ${JSON.stringify(t.parameters)}`);
  return counted;
}

export function estimateRequestTokens(req: Pick<ChatRequest, 'messages' | 'tools'>): number {
  return countNow(request(req));
}

/** estimateRequestTokens without holding the event loop while the count worker counts (the gateway's count_tokens:
 * a coding agent asks it of its whole conversation). */
export function estimateRequestTokensLater(req: Pick<ChatRequest, 'messages' | 'tools'>): Promise<number> {
  return countLater(request(req));
}
