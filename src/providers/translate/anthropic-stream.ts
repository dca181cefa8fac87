// Anthropic Messages stream events ⇄ canonical StreamEvents. Anthropic numbers content blocks (text and tool_use
// together); canonical numbers tool calls only, so the decoder maps block index → tool index and back.
import type { FinishReason, StreamEvent, Usage } from '../types.ts';
import { finishFromAnthropic, finishToAnthropic } from './anthropic-wire.ts';
import { usageFromAnthropic, usageToAnthropic } from './usage.ts';
import type { NamedSseEvent } from '../sse.ts';
import { shapedId, toolCallIdOf } from './ids.ts';
import { finishWithTools } from './answer-check.ts';
import { toolUseInput } from './tool-input.ts';
import { type Obj, isObj } from './obj.ts';
import { dispatch, type EventMethods, type EventOf } from './event-methods.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export interface AnthropicEventDecoder {
  /** One parsed event payload (its `type` says which) → canonical events; `done` after `message_stop`. */
  push(data: unknown): { events: StreamEvent[]; done: boolean };
  /** After `message_stop`: the final `finish`. Undefined when the stream never completed. */
  end(): StreamEvent[] | undefined;
}

/** The usage of a message_start, when it counts the prompt. A prompt of 0 tokens is a placeholder (what a proxy, or
 * this gateway in front of an OpenAI upstream, sends when it does not know yet), not a count to pass on. */
function promptUsage(u: unknown): Usage | undefined {
  const usage = usageFromAnthropic(u);
  return usage !== undefined && usage.input_tokens > 0 ? usage : undefined;
}

/** A thinking block's start opens it (even empty: a block may hold only a signature). */
function thinkingStart(block: Obj): StreamEvent[] {
  const out: StreamEvent[] = [{ type: 'thinking', thinking: str(block['thinking']) ?? '' }];
  const signature = str(block['signature']);
  if (signature) out.push({ type: 'thinking_signature', signature });
  return out;
}

export function createAnthropicEventDecoder(): AnthropicEventDecoder {
  const toolIndexOfBlock = new Map<number, number>();
  /** Tool calls that have had arguments: a call without any (no input_json_delta) is `{}`, as non-streamed. */
  const withArguments = new Set<number>();
  let tools = 0;
  let finish: FinishReason | undefined;
  let stopSequence: string | undefined;
  /** Anthropic's own usage fields, as message_start gives them and message_delta updates them. */
  const raw: Obj = {};
  let sawUsage = false;
  let stopped = false;

  function takeUsage(u: unknown): void {
    if (!isObj(u)) return;
    for (const key of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens']) {
      if (num(u[key]) === undefined) continue;
      raw[key] = u[key];
      sawUsage = true;
    }
  }

  function blockStart(d: Obj): StreamEvent[] {
    const block = isObj(d['content_block']) ? d['content_block'] : {};
    const blockIndex = num(d['index']) ?? 0;
    if (block['type'] === 'tool_use') {
      const index = tools++;
      toolIndexOfBlock.set(blockIndex, index);
      const out: StreamEvent[] = [
        { type: 'tool_call_start', index, id: toolCallIdOf(block['id'], 'toolu_'), name: str(block['name']) ?? '' },
      ];
      if (isObj(block['input']) && Object.keys(block['input']).length > 0) {
        out.push({ type: 'tool_call_delta', index, arguments: JSON.stringify(block['input']) });
        withArguments.add(index);
      }
      return out;
    }
    if (block['type'] === 'thinking') return thinkingStart(block);
    if (block['type'] === 'redacted_thinking') return [{ type: 'redacted_thinking', data: str(block['data']) ?? '' }];
    const text = block['type'] === 'text' ? str(block['text']) : undefined;
    return text ? [{ type: 'text', text }] : [];
  }

  function blockDelta(d: Obj): StreamEvent[] {
    const delta = isObj(d['delta']) ? d['delta'] : {};
    if (delta['type'] === 'text_delta') {
      const text = str(delta['text']);
      return text ? [{ type: 'text', text }] : [];
    }
    if (delta['type'] === 'input_json_delta') {
      const index = toolIndexOfBlock.get(num(d['index']) ?? -1);
      const args = str(delta['partial_json']);
      if (index === undefined || !args) return [];
      withArguments.add(index);
      return [{ type: 'tool_call_delta', index, arguments: args }];
    }
    if (delta['type'] === 'thinking_delta') {
      const thinking = str(delta['thinking']);
      return thinking ? [{ type: 'thinking', thinking }] : [];
    }
    if (delta['type'] === 'signature_delta')
      return [{ type: 'thinking_signature', signature: str(delta['signature']) ?? '' }];
    return []; // citations: not carried by the canonical shape.
  }

  function blockStop(d: Obj): StreamEvent[] {
    const index = toolIndexOfBlock.get(num(d['index']) ?? -1);
    if (index === undefined || withArguments.has(index)) return [];
    withArguments.add(index);
    return [{ type: 'tool_call_delta', index, arguments: '{}' }];
  }

  return {
    push(data) {
      if (!isObj(data)) return { events: [], done: false };
      switch (data['type']) {
        case 'message_start': {
          const m = isObj(data['message']) ? data['message'] : {};
          takeUsage(m['usage']);
          const start: StreamEvent = { type: 'start', id: str(m['id']) ?? '', model: str(m['model']) ?? '' };
          const usage = promptUsage(m['usage']);
          if (usage !== undefined) start.usage = usage;
          return { events: [start], done: false };
        }
        case 'content_block_start':
          return { events: blockStart(data), done: false };
        case 'content_block_delta':
          return { events: blockDelta(data), done: false };
        case 'content_block_stop':
          return { events: blockStop(data), done: false };
        case 'message_delta': {
          const d = isObj(data['delta']) ? data['delta'] : {};
          if (d['stop_reason'] != null) finish = finishFromAnthropic(d['stop_reason']);
          stopSequence = str(d['stop_sequence']) ?? stopSequence;
          takeUsage(data['usage']);
          return { events: [], done: false };
        }
        case 'message_stop':
          stopped = true;
          return { events: [], done: true };
        default:
          return { events: [], done: false }; // ping
      }
    },
    end() {
      if (!stopped) return undefined;
      const finish_reason = finishWithTools(finish ?? 'stop', tools);
      const event: StreamEvent = { type: 'finish', finish_reason };
      if (stopSequence !== undefined && finish_reason === 'stop_sequence') event.stop_sequence = stopSequence;
      if (sawUsage) event.usage = usageFromAnthropic(raw);
      return [event];
    },
  };
}

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
