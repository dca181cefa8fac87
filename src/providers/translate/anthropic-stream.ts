// An upstream's Anthropic Messages stream events → canonical StreamEvents (the gateway's encoder is gateway/wire/).
// Anthropic numbers content blocks (text and tool_use together); canonical numbers tool calls only, so the decoder
// maps block index → tool index.
import type { FinishReason, StreamEvent, Usage } from '../types.ts';
import { finishFromAnthropic } from './anthropic-wire.ts';
import { usageFromAnthropic } from './usage.ts';
import { toolCallIdOf } from './ids.ts';
import { finishWithTools } from './answer-check.ts';
import { type Obj, isObj } from './obj.ts';

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
