// What the simulator answers: deterministic, and telling enough for tests to check what was sent
// (docs/simulator.md#answers).
import type { SimRequest, SimMessage, ResponseFormat } from './request.ts';
import { instanceOf } from './schema-instance.ts';
import { rngFor, type Rng } from './rng.ts';
import type { CacheUsage } from './prompt-cache.ts';
import { simThinking, type SimThinking } from './thinking.ts';
import { compactionOpaque, compactionSummary } from './fronts/anthropic/compaction.ts';

export interface SimToolCall {
  id: string;
  name: string;
  /** JSON text: a value of the tool's argument schema. */
  arguments: string;
}

export interface SimReply {
  /** The compaction the answer opens with (an Anthropic request over its compact edit's trigger): its summary, and
   * whether the answer pauses after it (the block alone, stop reason `compaction`). */
  compaction?: { summary: string; paused: boolean; encrypted: string | null };
  /** The thinking block the answer opens with (an Anthropic request with thinking on). */
  thinking?: SimThinking;
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
  /** The scenario's seed, for values generated from a schema. */
  seed?: number;
  /** Counts a text's tokens (the `token_count` answer option); default estimateTokens. */
  count?: (text: string) => number;
}

/** A tool without a schema takes no arguments. */
const NO_PARAMETERS = { type: 'object', properties: {} };

const SNIPPET = 60;
const TITLE_WORDS = 5;

export const estimateTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

export function composeReply(req: SimRequest, model: string, callId: string, options: ReplyOptions): SimReply {
  const reply = withThinking(req, composeAnswer(req, model, callId, options), options);
  const edit = req.compaction;
  if (edit === undefined || req.promptTokens <= edit.trigger) return reply;
  const summary = compactionSummary(req.messages.filter((m) => m.role === 'user' && !m.toolResult).map((m) => m.text));
  const tokens = (options.count ?? estimateTokens)(summary);
  const compaction = { summary, paused: edit.pause, encrypted: edit.encrypted ? compactionOpaque(summary) : null };
  // Paused, the answer is the block alone: nothing else was written.
  if (edit.pause) {
    const paused: SimReply = {
      compaction,
      text: '',
      finish: 'stop',
      inputTokens: reply.inputTokens,
      outputTokens: tokens,
    };
    if (reply.cache !== undefined) paused.cache = reply.cache;
    return paused;
  }
  return { compaction, ...reply, outputTokens: reply.outputTokens + tokens };
}

function withThinking(req: SimRequest, reply: SimReply, options: ReplyOptions): SimReply {
  if (req.thinking === 'off') return reply;
  const thinking = simThinking(reply.toolCall ? `calling ${reply.toolCall.name}` : 'the reply', req.thinking);
  const count = options.count ?? estimateTokens;
  return { thinking, ...reply, outputTokens: reply.outputTokens + count(thinking.thinking) };
}

function composeAnswer(req: SimRequest, model: string, callId: string, options: ReplyOptions): SimReply {
  const last = req.messages.at(-1);
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user' && !m.toolResult);
  const snippet = collapse(lastUser?.text ?? '').slice(0, SNIPPET);
  const usage = { inputTokens: Math.max(1, req.promptTokens), ...(options.cache ? { cache: options.cache } : {}) };

  const tool = chosenTool(req, last, lastUser);
  if (tool) {
    const args = JSON.stringify(
      instanceOf(req.toolSchemas.get(tool) ?? NO_PARAMETERS, {
        rng: requestRng(req, model, options.seed, tool),
        text: snippet,
      }),
    );
    return {
      text: '',
      toolCall: { id: callId, name: tool, arguments: args },
      finish: 'tool_calls',
      ...usage,
      outputTokens: (options.count ?? estimateTokens)(args),
    };
  }
  const stop =
    options.stopSequences && lastUser && last === lastUser ? firstStop(lastUser.text, req.stopSequences) : undefined;
  if (stop) {
    const text = `[${model}] reply to: ${collapse(lastUser!.text.slice(0, stop.at)).slice(0, SNIPPET)}`;
    return limitLength(
      text,
      req.maxTokens,
      { ...usage, finish: 'stop_sequence', stopSequence: stop.sequence },
      options.count,
    );
  }
  const text = replyText(req, model, last, snippet);
  const answer = req.responseFormat
    ? asJson(text, req.responseFormat, { rng: requestRng(req, model, options.seed, ''), text: snippet })
    : text;
  return limitLength(answer, req.maxTokens, { ...usage, finish: 'stop' }, options.count);
}

/** The randomness one answer draws on: the scenario's seed, and the request's model, conversation and what is
 * answered (a tool's name, or '' for the text). */
function requestRng(req: SimRequest, model: string, seed: number | undefined, what: string): Rng {
  const conversation = req.messages.map((m) => `${m.role}:${m.text}`).join('\u0000');
  return rngFor(seed ?? 1, `${model}\u0000${req.system}\u0000${conversation}\u0000${what}`);
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

/** JSON mode: the usual reply, wrapped (`{"reply": "…"}`), a small object any client accepts; a schema: a value of it
 * (free strings saying the request's text). */
function asJson(text: string, format: ResponseFormat, options: { rng: Rng; text: string }): string {
  return JSON.stringify(
    format.kind === 'json_object' ? { reply: text } : instanceOf(format.schema ?? { type: 'object' }, options),
  );
}

/** `none` never calls a tool, whatever the prompt says; `any` (OpenAI `required`) always calls one: the one the
 * prompt names, else the first offered. */
function chosenTool(
  req: SimRequest,
  last: SimMessage | undefined,
  lastUser: SimMessage | undefined,
): string | undefined {
  const choice = req.toolChoice;
  if (req.tools.length === 0 || choice === 'none') return undefined;
  if (typeof choice === 'object' && req.tools.includes(choice.name)) return choice.name;
  const named = /\bcall\s+([A-Za-z0-9_.-]+)/i.exec(lastUser?.text ?? '')?.[1];
  const offered = named === undefined ? undefined : offeredTool(req.tools, named);
  if (choice === 'any') return offered ?? req.tools[0];
  // After a tool result the model answers in text, so an agent loop ends.
  return lastUser && last === lastUser ? offered : undefined;
}

/** The offered tool a prompt names: by its name, else the one tool whose name ends in `__<name>` — a tool the
 * gateway flattened out of a namespace (`forecast__weather` for "call weather"), as a model would read it. */
function offeredTool(tools: string[], named: string): string | undefined {
  if (tools.includes(named)) return named;
  const flattened = tools.filter((t) => t.endsWith(`__${named}`));
  return flattened.length === 1 ? flattened[0] : undefined;
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
function limitLength(
  text: string,
  maxTokens: number | undefined,
  rest: Omit<SimReply, 'text' | 'outputTokens'>,
  count?: (text: string) => number,
): SimReply {
  const outputTokens = (count ?? estimateTokens)(text);
  if (maxTokens === undefined || outputTokens <= maxTokens) return { ...rest, text, outputTokens };
  const { stopSequence: _unused, ...cut } = rest;
  const kept = text.slice(0, maxTokens * 4);
  return { ...cut, text: kept, finish: 'length', outputTokens: count ? count(kept) : maxTokens };
}
