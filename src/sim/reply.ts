// What the simulator answers: deterministic, and telling enough for tests to check what was sent.
//   "[sim-large] reply to: <first 60 chars of the last user message>" (+ " [N images]" when the request had some)
//   a tool call when tools are offered and the last user message says "call <tool>" (or tool_choice forces one;
//   never with tool_choice none)
//   "Sim title: <first words>" when the system prompt or last message asks for a title
//   JSON when the OpenAI request asks for it (response_format): {"reply": …}, or the least value the schema accepts
//   with the `stop_sequences` answer option: the reply to the last user message up to the first stop sequence in it
import type { SimRequest, SimMessage, ResponseFormat } from './request.ts';
import { placeholderFor } from './json-placeholder.ts';
import type { CacheUsage } from './prompt-cache.ts';

export interface SimToolCall {
  id: string;
  name: string;
  /** JSON text, `{"echo": "..."}`. */
  arguments: string;
}

export interface SimReply {
  /** Empty when the reply is a tool call. */
  text: string;
  toolCall?: SimToolCall;
  finish: 'stop' | 'length' | 'tool_calls' | 'stop_sequence';
  /** The stop sequence that ended the reply (finish `stop_sequence`). */
  stopSequence?: string;
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Prompt-cache usage, when the `prompt_cache` answer option is on. */
  cache?: CacheUsage;
}

export interface ReplyOptions {
  /** Honour the request's stop sequences (the `stop_sequences` answer option). */
  stopSequences: boolean;
  cache?: CacheUsage;
}

const SNIPPET = 60;
const TITLE_WORDS = 5;

export const estimateTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

export function composeReply(req: SimRequest, model: string, callId: string, options: ReplyOptions): SimReply {
  const last = req.messages.at(-1);
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user' && !m.toolResult);
  const snippet = collapse(lastUser?.text ?? '').slice(0, SNIPPET);
  const usage = { inputTokens: Math.max(1, req.promptTokens), ...(options.cache ? { cache: options.cache } : {}) };

  const tool = chosenTool(req, last, lastUser);
  if (tool) {
    const args = JSON.stringify({ echo: snippet });
    return { text: '', toolCall: { id: callId, name: tool, arguments: args }, finish: 'tool_calls', ...usage, outputTokens: estimateTokens(args) };
  }
  const stop = options.stopSequences && lastUser && last === lastUser ? firstStop(lastUser.text, req.stopSequences) : undefined;
  if (stop) {
    const text = `[${model}] reply to: ${collapse(lastUser!.text.slice(0, stop.at)).slice(0, SNIPPET)}`;
    return limitLength(text, req.maxTokens, { ...usage, finish: 'stop_sequence', stopSequence: stop.sequence });
  }
  const text = replyText(req, model, last, snippet);
  return limitLength(req.responseFormat ? asJson(text, req.responseFormat) : text, req.maxTokens, { ...usage, finish: 'stop' });
}

/** The stop sequence that occurs first in the text (the model would have produced it there and stopped). */
function firstStop(text: string, sequences: string[]): { sequence: string; at: number } | undefined {
  let first: { sequence: string; at: number } | undefined;
  for (const sequence of sequences) {
    const at = text.indexOf(sequence);
    if (at >= 0 && (!first || at < first.at)) first = { sequence, at };
  }
  return first;
}

/** JSON mode: the usual reply, wrapped (`{"reply": "…"}`); a schema: the least value it accepts. */
function asJson(text: string, format: ResponseFormat): string {
  return JSON.stringify(format.kind === 'json_object' ? { reply: text } : placeholderFor(format.schema));
}

/** `none` never calls a tool, whatever the prompt says; `any` (OpenAI `required`) always calls one: the one the
 * prompt names, else the first offered. */
function chosenTool(req: SimRequest, last: SimMessage | undefined, lastUser: SimMessage | undefined): string | undefined {
  const choice = req.toolChoice;
  if (req.tools.length === 0 || choice === 'none') return undefined;
  if (typeof choice === 'object' && req.tools.includes(choice.name)) return choice.name;
  const named = /\bcall\s+([A-Za-z0-9_.-]+)/i.exec(lastUser?.text ?? '')?.[1];
  const offered = named && req.tools.includes(named) ? named : undefined;
  if (choice === 'any') return offered ?? req.tools[0];
  // After a tool result the model answers in text, so an agent loop ends.
  return lastUser && last === lastUser ? offered : undefined;
}

function replyText(req: SimRequest, model: string, last: SimMessage | undefined, snippet: string): string {
  if (/title/i.test(`${req.system}\n${last?.text ?? ''}`)) return `Sim title: ${titleWords(req)}`;
  if (last?.toolResult) return `[${model}] got tool result: ${collapse(last.text).slice(0, SNIPPET)}`;
  const images = req.images === 0 ? '' : ` [${req.images} image${req.images === 1 ? '' : 's'}]`;
  return `[${model}] reply to: ${snippet}${images}`;
}

/** The first words of the conversation being titled: the first user message that is not itself the instruction,
 * else what follows the colon in "…title for: <text>". */
function titleWords(req: SimRequest): string {
  const users = req.messages.filter((m) => m.role === 'user' && !m.toolResult);
  const subject = users.find((m) => !/title/i.test(m.text))?.text ?? afterColon(users.at(-1)?.text ?? '');
  const words = collapse(subject).split(' ').filter(Boolean).slice(0, TITLE_WORDS).join(' ');
  return words.replace(/[\s.,;:!?"'`]+$/, '') || 'untitled';
}

function afterColon(text: string): string {
  const i = text.indexOf(':', text.search(/title/i));
  return i >= 0 ? text.slice(i + 1) : text;
}

/** Honours max_tokens (≈ 4 characters a token), so a 1-token probe gets a 1-token answer and finish "length". */
function limitLength(text: string, maxTokens: number | undefined, rest: Omit<SimReply, 'text' | 'outputTokens'>): SimReply {
  const outputTokens = estimateTokens(text);
  if (maxTokens === undefined || outputTokens <= maxTokens) return { ...rest, text, outputTokens };
  const { stopSequence: _unused, ...cut } = rest;
  return { ...cut, text: text.slice(0, maxTokens * 4), finish: 'length', outputTokens: maxTokens };
}
