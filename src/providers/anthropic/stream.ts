// An upstream's Anthropic Messages stream events → canonical StreamEvents (the gateway's encoder is gateway/wire/).
// Anthropic's content blocks become canonical blocks one for one, with their starts and ends (stream-blocks.ts);
// this reads the message around them: its start, usage, stop reason and end.
import type { FinishReason, StreamEvent, Usage } from '../types.ts';
import { finishFromAnthropic } from './answer.ts';
import { usageFromAnthropic } from '../translate/usage.ts';
import { AnthropicBlocks, num, str } from './stream-blocks.ts';
import { finishWithTools } from '../translate/answer-check.ts';
import { type Obj, isObj } from '../translate/obj.ts';

export interface AnthropicEventDecoder {
  /** One parsed event payload (its `type` says which) → canonical events; `done` after `message_stop`. */
  push(data: unknown): { events: StreamEvent[]; done: boolean };
  /** After `message_stop`: the final `finish`. Undefined when the stream never completed. */
  end(): StreamEvent[] | undefined;
  /** A `content_block_delta` that holds nothing but this text for block `index` (providers/text-template.ts). */
  textDelta(index: number, piece: string): StreamEvent[];
}

/** A `content_block_delta` of nothing but text: its block and text, else undefined (it can then be read from a
 * template: providers/text-template.ts). */
export function plainAnthropicText(data: unknown): { index: number; text: string } | undefined {
  if (!isObj(data) || data['type'] !== 'content_block_delta') return undefined;
  for (const k in data) if (k !== 'type' && k !== 'index' && k !== 'delta') return undefined;
  const index = num(data['index']);
  const delta = data['delta'];
  if (index === undefined || !isObj(delta) || delta['type'] !== 'text_delta') return undefined;
  for (const k in delta) if (k !== 'type' && k !== 'text') return undefined;
  const text = delta['text'];
  return typeof text === 'string' && text !== '' ? { index, text } : undefined;
}

/** What a plain text delta of block `index` holds besides its text, as one string (openAIFrameKey's counterpart). */
export function anthropicFrameKey(index: number): string {
  return `anthropic ${index}`;
}

/** The usage of a message_start, when it counts the prompt. A prompt of 0 tokens is a placeholder (what a proxy, or
 * this gateway in front of an OpenAI upstream, sends when it does not know yet), not a count to pass on. */
function promptUsage(u: unknown): Usage | undefined {
  const usage = usageFromAnthropic(u);
  return usage !== undefined && usage.input_tokens > 0 ? usage : undefined;
}

export function createAnthropicEventDecoder(): AnthropicEventDecoder {
  const blocks = new AnthropicBlocks();
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

  return {
    textDelta(index, piece) {
      const out: StreamEvent[] = [];
      blocks.text(index, piece, out);
      return out;
    },
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
          return { events: blocks.start(data), done: false };
        case 'content_block_delta':
          return { events: blocks.delta(data), done: false };
        case 'content_block_stop': {
          const out: StreamEvent[] = [];
          blocks.stop(num(data['index']) ?? -1, out);
          return { events: out, done: false };
        }
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
      // Blocks the upstream never stopped end with the message.
      const out: StreamEvent[] = [];
      blocks.stopAll(out);
      const finish_reason = finishWithTools(finish ?? 'stop', blocks.tools);
      const event: StreamEvent = { type: 'finish', finish_reason };
      if (stopSequence !== undefined && finish_reason === 'stop_sequence') event.stop_sequence = stopSequence;
      if (sawUsage) event.usage = usageFromAnthropic(raw);
      out.push(event);
      return out;
    },
  };
}
