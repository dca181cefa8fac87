// Canonical StreamEvents → the Anthropic Messages SSE events the gateway writes to an Anthropic caller.
import type { FinishReason, StreamEvent } from '../../providers/types.ts';
import { finishToAnthropic } from './anthropic-answer.ts';
import { usageToAnthropic } from '../../providers/translate/usage.ts';
import type { NamedSseEvent } from '../../providers/sse.ts';
import { shapedId } from '../../providers/translate/ids.ts';
import { toolUseInput } from '../../providers/translate/tool-input.ts';
import { type Obj } from '../../providers/translate/obj.ts';
import { dispatch, type EventMethods, type EventOf } from '../../providers/translate/event-methods.ts';

type BlockKind = 'text' | 'tool' | 'thinking' | 'redacted';

/** A tool call being written: its arguments so far. */
interface ToolCallSoFar {
  index: number;
  id: string;
  name: string;
  args: string;
}

/** Canonical events → Anthropic SSE. Anthropic's blocks never interleave and the SDK parses tool input at
 * content_block_stop, so parallel calls are serialised and each call's input is written whole. */
export function createAnthropicEventEncoder(
  options: { id?: string; model?: string } = {},
): (ev: StreamEvent) => NamedSseEvent[] {
  const encoder = new AnthropicEventEncoder(options);
  return (ev) => dispatch(encoder, ev);
}

/** The events of one message: its content blocks numbered in order, at most one open at a time. */
class AnthropicEventEncoder implements EventMethods<NamedSseEvent[]> {
  private readonly options: { id?: string; model?: string };
  /** The index of the last block started. */
  private block = -1;
  private open: BlockKind | undefined;
  /** The open thinking block has its signature: more thinking opens another. */
  private signed = false;
  /** The tool call of the open block. */
  private live: ToolCallSoFar | undefined;
  /** Tool calls that started while another's block was open, to be written whole once it stops. */
  private readonly gathered = new Map<number, ToolCallSoFar>();
  /** A refusal was streamed (the answer ends `refusal`); some text was, before it. */
  private refused = false;
  private wrote = false;

  constructor(options: { id?: string; model?: string }) {
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
            // such as the Vercel AI SDK read input and cache tokens only here). Else zeros: message_delta has all.
            stop_reason: null,
            stop_sequence: null,
            usage: usageToAnthropic(ev.usage),
          },
        },
      },
    ];
  }

  text(ev: EventOf<'text'>): NamedSseEvent[] {
    return this.textDelta(ev.text);
  }

  /** A refusal is text to an Anthropic caller, and the answer then ends `refusal` (as toAnthropicResponse). Text
   * before it is set apart from it by a blank line, as in a whole answer. */
  refusal(ev: EventOf<'refusal'>): NamedSseEvent[] {
    const text = !this.refused && this.wrote ? `\n\n${ev.text}` : ev.text;
    this.refused = true;
    return this.textDelta(text);
  }

  /** Thinking goes on in the open, unsigned thinking block, or opens a new one. */
  thinking(ev: EventOf<'thinking'>): NamedSseEvent[] {
    const out = this.open === 'thinking' && !this.signed ? [] : this.beginThinking();
    if (ev.thinking !== '') out.push(this.delta({ type: 'thinking_delta', thinking: ev.thinking }));
    return out;
  }

  thinking_signature(ev: EventOf<'thinking_signature'>): NamedSseEvent[] {
    const out = this.open === 'thinking' && !this.signed ? [] : this.beginThinking();
    out.push(this.delta({ type: 'signature_delta', signature: ev.signature }));
    this.signed = true;
    return out;
  }

  /** A redacted block comes whole: started and stopped at once. */
  redacted_thinking(ev: EventOf<'redacted_thinking'>): NamedSseEvent[] {
    return [...this.close(), ...this.begin('redacted', { type: 'redacted_thinking', data: ev.data }), ...this.stop()];
  }

  tool_call_start(ev: EventOf<'tool_call_start'>): NamedSseEvent[] {
    const call = { index: ev.index, id: ev.id, name: ev.name, args: '' };
    if (this.open !== 'tool') return this.beginTool(call);
    this.gathered.set(ev.index, call);
    return [];
  }

  /** Arguments are held until the call's block stops. */
  tool_call_delta(ev: EventOf<'tool_call_delta'>): NamedSseEvent[] {
    const call = this.live?.index === ev.index ? this.live : this.gathered.get(ev.index);
    if (call) call.args += ev.arguments;
    return [];
  }

  finish(ev: EventOf<'finish'>): NamedSseEvent[] {
    const out = this.close(ev.finish_reason);
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

  /** A text delta, in the open text block or a new one (which first ends the tool calls before it). */
  private textDelta(text: string): NamedSseEvent[] {
    this.wrote = true;
    const out = this.open === 'text' ? [] : [...this.close(), ...this.begin('text', { type: 'text', text: '' })];
    out.push(this.delta({ type: 'text_delta', text }));
    return out;
  }

  private delta(delta: Obj): NamedSseEvent {
    return { event: 'content_block_delta', data: { type: 'content_block_delta', index: this.block, delta } };
  }

  private beginThinking(): NamedSseEvent[] {
    const out = [...this.close(), ...this.begin('thinking', { type: 'thinking', thinking: '', signature: '' })];
    this.signed = false;
    return out;
  }

  /** Stops the open block; a tool call's arguments go first, read as `finish` says (a block stopped by later text
   * holds a finished call). */
  private stop(finish: FinishReason = 'tool_calls'): NamedSseEvent[] {
    if (this.open === undefined) return [];
    const out: NamedSseEvent[] = [];
    const live = this.live;
    if (this.open === 'tool' && live !== undefined && live.args.trim() !== '')
      out.push(
        this.argsDelta(JSON.stringify(toolUseInput({ id: live.id, name: live.name, arguments: live.args }, finish))),
      );
    this.open = undefined;
    this.live = undefined;
    out.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: this.block } });
    return out;
  }

  private begin(kind: BlockKind, content_block: Obj): NamedSseEvent[] {
    const out = this.stop();
    this.block += 1;
    this.open = kind;
    out.push({ event: 'content_block_start', data: { type: 'content_block_start', index: this.block, content_block } });
    return out;
  }

  private argsDelta(partial_json: string): NamedSseEvent {
    return {
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index: this.block, delta: { type: 'input_json_delta', partial_json } },
    };
  }

  private beginTool(call: ToolCallSoFar): NamedSseEvent[] {
    const out = this.begin('tool', { type: 'tool_use', id: call.id, name: call.name, input: {} });
    this.live = call;
    return out;
  }

  /** Stops the open block, then writes each gathered tool call as a block of its own. */
  private close(finish?: FinishReason): NamedSseEvent[] {
    const out = this.stop(finish);
    for (const call of this.gathered.values()) out.push(...this.beginTool(call), ...this.stop(finish));
    this.gathered.clear();
    return out;
  }
}
