// Canonical StreamEvents → OpenAI `chat.completion.chunk` objects, the stream the gateway writes to an OpenAI
// chat-completions caller.
import type { StreamEvent } from '../../../providers/types.ts';
import { finishToOpenAI } from './answer.ts';
import { usageToOpenAI } from '../../../providers/translate/usage.ts';
import { shapedId } from '../../../providers/translate/ids.ts';
import { openAIChunkKey } from '../../../providers/openai/stream.ts';
import { type Obj } from '../../../providers/translate/obj.ts';
import { dispatch, type EventMethods, type EventOf } from '../../../providers/translate/event-methods.ts';

export interface OpenAIChunkEncoderOptions {
  /** Overrides the id/model of the `start` event (the gateway may name its own). */
  id?: string;
  model?: string;
  created?: number;
  /** The caller asked for `stream_options.include_usage`. */
  includeUsage?: boolean;
}

/** How an upstream's chunks go on: as they came, or with OpenAI's `"usage":null` taken out. */
export type PassOn = 'as_is' | 'without_null_usage';

const NULL_USAGE = Buffer.from(',"usage":null');
const USAGE = Buffer.from('"usage"');

/** The chunks' bytes with each `,"usage":null` taken out (OpenAI's, for a caller that did not ask for usage), or
 * undefined when `"usage"` is still in them (written some other way: the chunks are then encoded here). A JSON string
 * cannot hold these bytes (its quotes are escaped), so every match is the field itself. */
export function withoutNullUsage(bytes: Uint8Array): Uint8Array | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = buf.indexOf(NULL_USAGE); at >= 0; at = buf.indexOf(NULL_USAGE, from)) {
    parts.push(buf.subarray(from, at));
    from = at + NULL_USAGE.length;
  }
  const out = from === 0 ? buf : Buffer.concat([...parts, buf.subarray(from)]);
  return out.includes(USAGE) ? undefined : out;
}

/** Canonical events → `chat.completion.chunk` objects for the gateway; write each as `data: …`, then `[DONE]`. */
export function createOpenAIChunkEncoder(options: OpenAIChunkEncoderOptions = {}): (ev: StreamEvent) => Obj[] {
  const encoder = new OpenAIChunkEncoder(options);
  return (ev) => dispatch(encoder, ev);
}

/** The chunks of one answer: one chunk per event (two for a finish with usage), all with the start's id and model. */
export class OpenAIChunkEncoder implements EventMethods<Obj[]> {
  private readonly options: OpenAIChunkEncoderOptions;
  private created: number;
  private id: string;
  private model: string;

  constructor(options: OpenAIChunkEncoderOptions) {
    this.options = options;
    this.id = options.id ?? '';
    this.model = options.model ?? '';
    this.created = options.created ?? Math.floor(Date.now() / 1000);
  }

  start(ev: EventOf<'start'>): Obj[] {
    this.id = this.options.id ?? shapedId('chatcmpl-', ev.id);
    this.model = this.options.model ?? ev.model;
    // The upstream's time when it gave one, so its chunks sent on as they are (passOn) agree with ours.
    if (this.options.created === undefined && ev.created !== undefined) this.created = ev.created;
    this.#textHead = undefined;
    this.#frameKey = undefined;
    this.#usageKey = undefined;
    return [this.chunk({ role: 'assistant', content: '', refusal: null })];
  }

  #textHead: string | undefined;

  /** A text delta's whole SSE frame, the same bytes as openAISseFrame(text(ev)[0]) but with no chunk object built and
   * stringified per delta: the answer's deltas differ only in their text, the one thing stringified here. */
  textFrame(text: string): string {
    this.#textHead ??=
      `data: {"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk","created":${JSON.stringify(this.created)},` +
      `"model":${JSON.stringify(this.model)},"choices":[{"index":0,"delta":{"content":`;
    return `${this.#textHead}${JSON.stringify(text)}},"finish_reason":null,"logprobs":null}]}\n\n`;
  }

  #frameKey: string | undefined;
  /** The key of chunks that also carry `usage: null`: taken as they are by a caller that asked for usage, without it
   * by one that did not. */
  #usageKey: string | undefined;

  /** How an upstream's OpenAI chunks with frame `key` (openAIFrameKey) may go to the caller for these events: as they
   * are, or without the `usage: null` the caller did not ask for (withoutNullUsage), when they have the same id,
   * object, time and model as ours and the events write nothing but their text; else undefined (encoded here). */
  passOn(key: string, events: readonly StreamEvent[]): PassOn | undefined {
    if (this.#frameKey === undefined) {
      this.#frameKey = openAIChunkKey(this.id, 'chat.completion.chunk', this.created, this.model, false);
      this.#usageKey = openAIChunkKey(this.id, 'chat.completion.chunk', this.created, this.model, true);
    }
    const how: PassOn | undefined =
      key === this.#frameKey
        ? 'as_is'
        : key !== this.#usageKey
          ? undefined
          : this.options.includeUsage === true
            ? 'as_is'
            : 'without_null_usage';
    if (how === undefined) return undefined;
    for (const e of events)
      if (e.type !== 'text' && e.type !== 'text_start' && e.type !== 'tool_call_end') return undefined;
    return how;
  }

  text(ev: EventOf<'text'>): Obj[] {
    return [this.chunk({ content: ev.text })];
  }

  refusal(ev: EventOf<'refusal'>): Obj[] {
    return [this.chunk({ refusal: ev.text })];
  }

  tool_call_start(ev: EventOf<'tool_call_start'>): Obj[] {
    return [
      this.chunk({
        tool_calls: [{ index: ev.index, id: ev.id, type: 'function', function: { name: ev.name, arguments: '' } }],
      }),
    ];
  }

  tool_call_delta(ev: EventOf<'tool_call_delta'>): Obj[] {
    return [this.chunk({ tool_calls: [{ index: ev.index, function: { arguments: ev.arguments } }] })];
  }

  /** The finish_reason chunk, then the usage in a chunk of its own (no choices) when the caller asked for it. */
  finish(ev: EventOf<'finish'>): Obj[] {
    const out = [this.chunk({}, finishToOpenAI(ev.finish_reason))];
    if (this.options.includeUsage && ev.usage)
      out.push({ ...this.head(), choices: [], usage: usageToOpenAI(ev.usage) });
    return out;
  }

  /** Blocks are implicit in this shape: a delta says what it adds to. */
  text_start(): Obj[] {
    return [];
  }

  text_end(): Obj[] {
    return [];
  }

  tool_call_end(): Obj[] {
    return [];
  }

  /** Anthropic thinking: this shape has no place for its signed blocks (docs/shapes.md#thinking-blocks), so it is left out. */
  thinking_start(): Obj[] {
    return [];
  }

  thinking(): Obj[] {
    return [];
  }

  thinking_end(): Obj[] {
    return [];
  }

  thinking_signature(): Obj[] {
    return [];
  }

  redacted_thinking(): Obj[] {
    return [];
  }

  /** Only an Anthropic caller asks for server-side compaction (`context_management` is the Messages API's): a chat
   * completion never carries a compaction block. */
  compaction(): Obj[] {
    return [];
  }

  /** A Responses route's own event: only a Responses caller reads it; the canonical events beside it say the same. */
  responses_event(): Obj[] {
    return [];
  }

  private chunk(delta: Obj, finish: string | null = null): Obj {
    return { ...this.head(), choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
  }

  private head(): Obj {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }
}

/** One SSE frame of the OpenAI stream format. */
export function openAISseFrame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export const OPENAI_SSE_DONE = 'data: [DONE]\n\n';
