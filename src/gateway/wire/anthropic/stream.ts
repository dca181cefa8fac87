// Canonical StreamEvents → the Anthropic Messages SSE events the gateway writes to an Anthropic caller.
import type { FinishReason, StreamEvent } from '../../../providers/types.ts';
import { finishToAnthropic } from './answer.ts';
import { usageToAnthropic } from '../../../providers/translate/usage.ts';
import type { NamedSseEvent } from '../../../providers/sse.ts';
import { shapedId } from '../../../providers/translate/ids.ts';
import { anthropicFrameKey } from '../../../providers/anthropic/stream.ts';
import { toolUseInput } from '../../../providers/translate/tool-input.ts';
import { type Obj } from '../../../providers/translate/obj.ts';
import { dispatch, type EventMethods, type EventOf } from '../../../providers/translate/event-methods.ts';

/** A tool call not yet written out: its arguments so far, and whether its end has come. */
interface ToolCallSoFar {
  id: string;
  name: string;
  args: string;
  ended: boolean;
}

/** Canonical events → Anthropic SSE: each canonical block is one content block, started and stopped where the
 * canonical events say. Anthropic's blocks never interleave and the SDK parses tool input at content_block_stop, so
 * parallel calls are serialised and each call's input is written whole (writeCalls). */
export function createAnthropicEventEncoder(
  options: AnthropicEncoderOptions = {},
): (ev: StreamEvent) => NamedSseEvent[] {
  const encoder = new AnthropicEventEncoder(options);
  return (ev) => dispatch(encoder, ev);
}

export interface AnthropicEncoderOptions {
  id?: string;
  model?: string;
  /** The prompt's tokens as counted here, for message_start when the upstream reports them only at the end (an
   * OpenAI upstream): asked for only then. */
  promptTokens?: () => number;
}

/** The events of one message: its content blocks numbered in order, one open at a time. */
export class AnthropicEventEncoder implements EventMethods<NamedSseEvent[]> {
  private readonly options: AnthropicEncoderOptions;
  /** The index of the last block started. */
  private block = -1;
  /** The tool calls not yet written out, by canonical index in the order they started: the first one's block is
   * open (started with the call); the others started while it was, and wait. */
  private readonly calls = new Map<number, ToolCallSoFar>();
  /** A refusal was streamed (the answer ends `refusal`); some text was, before it. */
  private refused = false;
  private wrote = false;
  /** The frame key of the open block's text deltas (passOn), made once per block. */
  private key = '';
  private keyBlock = Number.NaN;

  constructor(options: AnthropicEncoderOptions) {
    this.options = options;
  }

  start(ev: EventOf<'start'>): NamedSseEvent[] {
    return [
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: this.options.id ?? shapedId('msg_', ev.id),
            type: 'message',
            role: 'assistant',
            model: this.options.model ?? ev.model,
            content: [],
            // The prompt's usage when the upstream gave it before the content (an Anthropic upstream does; clients
            // such as the Vercel AI SDK read input and cache tokens only here). Else the prompt as counted here, so a
            // client's context meter does not read 0; message_delta has the upstream's own count.
            stop_reason: null,
            stop_sequence: null,
            usage: ev.usage !== undefined ? usageToAnthropic(ev.usage) : this.countedUsage(),
          },
        },
      },
    ];
  }

  private countedUsage(): Obj {
    return { input_tokens: this.options.promptTokens?.() ?? 0, output_tokens: 0 };
  }

  text_start(): NamedSseEvent[] {
    const out = this.writeCalls();
    out.push(this.begin({ type: 'text', text: '' }));
    return out;
  }

  text(ev: EventOf<'text'>): NamedSseEvent[] {
    this.wrote = true;
    return [this.delta({ type: 'text_delta', text: ev.text })];
  }

  /** A text delta's whole SSE frame, the same bytes as namedSseFrame(text(ev)[0]) but with no event object built and
   * stringified per delta: only the text is stringified. */
  textFrame(text: string): string {
    this.wrote = true;
    return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.block},"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}\n\n`;
  }

  /** Whether an upstream's Anthropic text deltas with frame `key` (anthropicFrameKey) may go to the caller as they are:
   * they are for the block open here under the same index, and nothing but text (no block to start, no call held). */
  passOn(key: string, events: readonly StreamEvent[]): boolean {
    if (this.keyBlock !== this.block) {
      this.keyBlock = this.block;
      this.key = anthropicFrameKey(this.block);
    }
    if (this.calls.size > 0 || key !== this.key) return false;
    for (const e of events) if (e.type !== 'text') return false;
    this.wrote = true;
    return true;
  }

  /** A refusal is text to an Anthropic caller, and the answer then ends `refusal` (as toAnthropicResponse). Text
   * before it is set apart from it by a blank line, as in a whole answer. */
  refusal(ev: EventOf<'refusal'>): NamedSseEvent[] {
    const text = !this.refused && this.wrote ? `\n\n${ev.text}` : ev.text;
    this.refused = true;
    this.wrote = true;
    return [this.delta({ type: 'text_delta', text })];
  }

  text_end(): NamedSseEvent[] {
    return [this.stop()];
  }

  thinking_start(): NamedSseEvent[] {
    const out = this.writeCalls();
    out.push(this.begin({ type: 'thinking', thinking: '', signature: '' }));
    return out;
  }

  thinking(ev: EventOf<'thinking'>): NamedSseEvent[] {
    return ev.thinking === '' ? [] : [this.delta({ type: 'thinking_delta', thinking: ev.thinking })];
  }

  thinking_signature(ev: EventOf<'thinking_signature'>): NamedSseEvent[] {
    return [this.delta({ type: 'signature_delta', signature: ev.signature })];
  }

  thinking_end(): NamedSseEvent[] {
    return [this.stop()];
  }

  /** A redacted block comes whole: started and stopped at once. */
  /** The block as Anthropic streams it: started empty, its summary in one `compaction_delta`, stopped. */
  compaction(ev: EventOf<'compaction'>): NamedSseEvent[] {
    const out = this.writeCalls();
    const { content: _content, encrypted_content: encrypted = null, ...rest } = ev.fields ?? {};
    out.push(
      this.begin({ type: 'compaction', content: null, encrypted_content: null, ...rest }),
      this.delta({ type: 'compaction_delta', content: ev.content, encrypted_content: encrypted }),
      this.stop(),
    );
    return out;
  }

  redacted_thinking(ev: EventOf<'redacted_thinking'>): NamedSseEvent[] {
    const out = this.writeCalls();
    out.push(this.begin({ type: 'redacted_thinking', data: ev.data }), this.stop());
    return out;
  }

  /** The first call of a run opens its block at once; one that starts while an earlier call is still open waits.
   * Once every earlier call has ended, a new one follows them: they are written first. */
  tool_call_start(ev: EventOf<'tool_call_start'>): NamedSseEvent[] {
    let everyEnded = this.calls.size > 0;
    for (const call of this.calls.values()) everyEnded &&= call.ended;
    const out = everyEnded ? this.writeCalls() : [];
    this.calls.set(ev.index, { id: ev.id, name: ev.name, args: '', ended: false });
    if (this.calls.size === 1) out.push(this.begin({ type: 'tool_use', id: ev.id, name: ev.name, input: {} }));
    return out;
  }

  /** Arguments are held until the call is written out. */
  tool_call_delta(ev: EventOf<'tool_call_delta'>): NamedSseEvent[] {
    const call = this.calls.get(ev.index);
    if (call) call.args += ev.arguments;
    return [];
  }

  /** The call's input is whole, but written only when the message moves on: the finish says whether the answer was
   * cut short, which decides how its input is read (tool-input.ts). */
  tool_call_end(ev: EventOf<'tool_call_end'>): NamedSseEvent[] {
    const call = this.calls.get(ev.index);
    if (call) call.ended = true;
    return [];
  }

  finish(ev: EventOf<'finish'>): NamedSseEvent[] {
    const out = this.writeCalls(ev.finish_reason);
    out.push({
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: {
          stop_reason: this.refused ? 'refusal' : finishToAnthropic(ev.finish_reason),
          stop_sequence: ev.stop_sequence ?? null,
        },
        usage: usageToAnthropic(ev.usage),
      },
    });
    out.push({ event: 'message_stop', data: { type: 'message_stop' } });
    return out;
  }

  /** A Responses route's own event: only a Responses caller reads it; the canonical events beside it say the same. */
  responses_event(): NamedSseEvent[] {
    return [];
  }

  private delta(delta: Obj): NamedSseEvent {
    return { event: 'content_block_delta', data: { type: 'content_block_delta', index: this.block, delta } };
  }

  private begin(content_block: Obj): NamedSseEvent {
    this.block += 1;
    return { event: 'content_block_start', data: { type: 'content_block_start', index: this.block, content_block } };
  }

  private stop(): NamedSseEvent {
    return { event: 'content_block_stop', data: { type: 'content_block_stop', index: this.block } };
  }

  /** Writes out the tool calls held, one block each: the first's block is open; each input goes whole before its
   * stop, read as `finish` says (a call followed by another block is a finished one). */
  private writeCalls(finish: FinishReason = 'tool_calls'): NamedSseEvent[] {
    const out: NamedSseEvent[] = [];
    let first = true;
    for (const call of this.calls.values()) {
      if (!first) out.push(this.begin({ type: 'tool_use', id: call.id, name: call.name, input: {} }));
      first = false;
      if (call.args.trim() !== '') {
        const input = toolUseInput({ id: call.id, name: call.name, arguments: call.args }, finish);
        out.push(this.delta({ type: 'input_json_delta', partial_json: JSON.stringify(input) }));
      }
      out.push(this.stop());
    }
    this.calls.clear();
    return out;
  }
}
