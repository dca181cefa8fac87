// An upstream's OpenAI streaming chunks → canonical StreamEvents (the gateway's encoder is gateway/wire/). The
// decoder assembles tool-call deltas by index, says where each block starts and ends (OpenAI's chunks do not), and
// holds the finish back until usage (sent after the finish_reason chunk with `include_usage`) or the end of the
// stream.
import type { FinishReason, StreamEvent, Usage } from '../types.ts';
import { finishFromOpenAI } from './answer.ts';
import { usageFromOpenAI } from '../translate/usage.ts';
import { toolCallIdOf } from '../translate/ids.ts';
import { finishWithTools } from '../translate/answer-check.ts';
import { isObj } from '../translate/obj.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export interface ChunkDecoder {
  /** One parsed `data:` chunk → the canonical events it carries. */
  push(chunk: unknown): StreamEvent[];
  /** The stream ended (`[DONE]` or end of body): the ends of the open blocks and the final `finish`, or nothing if no
   * finish_reason was seen. */
  end(): StreamEvent[];
  /** A finish_reason arrived, so an end of body now is a complete answer. */
  readonly complete: boolean;
  /** A chunk after the first that holds nothing but this text (providers/text-template.ts) → its events. */
  text(content: string): StreamEvent[];
}

/** The top-level fields a chunk of plain text may carry besides its choice; any other could mean something. */
const PLAIN_FIELDS = new Set([
  'id',
  'object',
  'created',
  'model',
  'system_fingerprint',
  'service_tier',
  'usage',
  // OpenAI's random padding (stream_options.include_obfuscation, on by default): the template lets it vary.
  'obfuscation',
]);
const PLAIN_CHOICE_FIELDS = new Set(['index', 'delta', 'finish_reason', 'logprobs']);

/** The text of a chunk that holds one choice whose delta is nothing but text (no finish, usage, role or tool call),
 * else undefined: such chunks can be read from a template (providers/text-template.ts). */
export function plainOpenAIText(chunk: unknown): string | undefined {
  if (!isObj(chunk) || chunk['usage'] != null) return undefined;
  for (const k in chunk) if (k !== 'choices' && !PLAIN_FIELDS.has(k)) return undefined;
  if (chunk['obfuscation'] !== undefined && typeof chunk['obfuscation'] !== 'string') return undefined;
  const choices = chunk['choices'];
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const choice: unknown = choices[0];
  if (!isObj(choice) || choice['finish_reason'] != null || choice['logprobs'] != null) return undefined;
  for (const k in choice) if (!PLAIN_CHOICE_FIELDS.has(k)) return undefined;
  const delta = choice['delta'];
  if (!isObj(delta)) return undefined;
  for (const k in delta) if (k !== 'content') return undefined;
  const content = delta['content'];
  return typeof content === 'string' && content !== '' ? content : undefined;
}

/** What an OpenAI text chunk holds besides its text, as one string: the frames of two streams with the same key differ
 * only in their text and in what means nothing to a caller (OpenAI's padding, a system fingerprint), so the gateway
 * may send an upstream's on as its own (event-sink.ts `verbatim`). */
export function openAIFrameKey(chunk: unknown): string | undefined {
  if (!isObj(chunk)) return undefined;
  const { id, object, created, model } = chunk;
  const choices = chunk['choices'];
  const index: unknown = Array.isArray(choices) && isObj(choices[0]) ? choices[0]['index'] : undefined;
  if (typeof id !== 'string' || typeof model !== 'string' || typeof created !== 'number' || index !== 0)
    return undefined;
  return openAIChunkKey(id, object, created, model, 'usage' in chunk);
}

/** The frame key of text chunks with these fields, their one choice at index 0; `usage`: they carry `usage: null`, as
 * OpenAI's do when a stream was asked for usage (a caller that did not ask must not get it). */
export function openAIChunkKey(id: string, object: unknown, created: number, model: string, usage: boolean): string {
  return JSON.stringify(['openai', id, object, created, model, usage]);
}

/** Azure OpenAI's first chunk: only the prompt's content-filter results, with an empty id and model. It says
 * nothing of the answer, so the stream starts at the next. */
function promptFilterOnly(chunk: Record<string, unknown>): boolean {
  const choices = chunk['choices'];
  const answers = Array.isArray(choices) && choices.length > 0;
  return chunk['prompt_filter_results'] !== undefined && chunk['usage'] == null && !answers;
}

export function createOpenAIChunkDecoder(): ChunkDecoder {
  let started = false;
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;
  const toolsStarted = new Set<number>();
  /** Upstream call id → index, for deltas that come without an index. */
  const indexById = new Map<string, number>();
  /** The open text block's id: content and refusal deltas go on in it until a tool call starts or the stream ends. */
  let text: string | undefined;
  let blocks = 0;
  /** Tool calls whose block is open (index → call id), in the order they started: parallel calls' pieces
   * interleave, so each stays open until text comes after them or the stream ends. */
  const openTools = new Map<number, string>();

  function endTools(out: StreamEvent[]): void {
    for (const [index, id] of openTools) out.push({ type: 'tool_call_end', index, id });
    openTools.clear();
  }

  /** The id of the open text block, opened (ending the tool calls before it) when there is none. */
  function textBlock(out: StreamEvent[]): string {
    if (text !== undefined) return text;
    endTools(out);
    text = `txt-${blocks++}`;
    out.push({ type: 'text_start', id: text });
    return text;
  }

  /** Without an `index` (Gemini's compatible endpoint sends each parallel call in a chunk of its own, each with its
   * id and no index), a delta with an id not seen before is a new call; one without an id continues by position. */
  function indexOf(raw: Record<string, unknown>, position: number): number {
    if (typeof raw['index'] === 'number') return raw['index'];
    const id = raw['id'];
    if (typeof id !== 'string' || id === '') return position;
    const known = indexById.get(id);
    if (known !== undefined) return known;
    const next = toolsStarted.size === 0 ? 0 : Math.max(...toolsStarted) + 1;
    indexById.set(id, next);
    return next;
  }

  function toolEvents(list: unknown[]): StreamEvent[] {
    const out: StreamEvent[] = [];
    list.forEach((raw, position) => {
      if (!isObj(raw)) return;
      // A tool call ends the text before it (an empty `tool_calls: []` beside content, as some servers send, does not).
      if (text !== undefined) out.push({ type: 'text_end', id: text });
      text = undefined;
      const index = indexOf(raw, position);
      const fn = isObj(raw['function']) ? raw['function'] : {};
      if (!toolsStarted.has(index)) {
        toolsStarted.add(index);
        const id = toolCallIdOf(raw['id'], 'call_');
        openTools.set(index, id);
        out.push({ type: 'tool_call_start', index, id, name: str(fn['name']) ?? '' });
      }
      // A piece for a call whose block ended (text came after it) has no block to go in.
      const id = openTools.get(index);
      // Arguments as an object (some compatible servers) are sent on as JSON text, as in a whole answer.
      const args = isObj(fn['arguments']) ? JSON.stringify(fn['arguments']) : str(fn['arguments']);
      if (args && id !== undefined) out.push({ type: 'tool_call_delta', index, arguments: args, id });
    });
    return out;
  }

  function pushText(content: string, out: StreamEvent[]): void {
    const id = textBlock(out);
    out.push({ type: 'text', text: content, id });
  }

  return {
    text(content) {
      const out: StreamEvent[] = [];
      pushText(content, out);
      return out;
    },
    push(chunk) {
      if (!isObj(chunk) || promptFilterOnly(chunk)) return [];
      const out: StreamEvent[] = [];
      if (!started) {
        started = true;
        const start: StreamEvent = { type: 'start', id: str(chunk['id']) ?? '', model: str(chunk['model']) ?? '' };
        // The caller of the same shape is given the upstream's time (its chunks may be sent on as they are).
        if (typeof chunk['created'] === 'number') start.created = chunk['created'];
        out.push(start);
      }
      const choice: unknown = Array.isArray(chunk['choices']) ? chunk['choices'][0] : undefined;
      if (isObj(choice)) {
        const delta = isObj(choice['delta']) ? choice['delta'] : {};
        const content = str(delta['content']);
        if (content) pushText(content, out);
        // A refusal streams as `refusal` deltas, kept apart from the text (as in a whole answer), in the text block.
        const refusal = str(delta['refusal']);
        if (refusal) {
          const id = textBlock(out);
          out.push({ type: 'refusal', text: refusal, id });
        }
        if (Array.isArray(delta['tool_calls'])) out.push(...toolEvents(delta['tool_calls']));
        if (choice['finish_reason'] != null) finish = finishFromOpenAI(choice['finish_reason']);
      }
      usage = usageFromOpenAI(chunk['usage']) ?? usage;
      return out;
    },
    end() {
      if (finish === undefined) return [];
      const out: StreamEvent[] = [];
      if (text !== undefined) out.push({ type: 'text_end', id: text });
      text = undefined;
      endTools(out);
      const finish_reason = finishWithTools(finish, toolsStarted.size);
      out.push(usage ? { type: 'finish', finish_reason, usage } : { type: 'finish', finish_reason });
      return out;
    },
    get complete() {
      return finish !== undefined;
    },
  };
}
