// An upstream's Anthropic Messages stream events → canonical StreamEvents (the gateway's encoder is gateway/wire/).
// Anthropic's content blocks become canonical blocks one for one, with their starts and ends; Anthropic numbers
// blocks (text and tool_use together) while canonical numbers tool calls only, so the decoder maps one to the other.
import type { FinishReason, StreamEvent, Usage } from '../types.ts';
import { finishFromAnthropic } from './answer.ts';
import { usageFromAnthropic } from '../translate/usage.ts';
import { toolCallIdOf } from '../translate/ids.ts';
import { finishWithTools } from '../translate/answer-check.ts';
import { type Obj, isObj } from '../translate/obj.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

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

/** An open content block, by Anthropic's block index: a text block's start waits for its first text (an empty text
 * block is not passed on: Anthropic refuses one sent back in the history). */
type OpenBlock =
  | { kind: 'text'; id: string; started: boolean }
  | { kind: 'thinking'; id: string }
  | { kind: 'tool'; index: number; id: string }
  /** Server-side compaction: its summary gathered from its deltas, passed on whole at its stop. */
  | { kind: 'compaction'; content: string; fields: Obj };

/** A whole compaction block, its fields (CompactionPart.fields) only when it has any set. */
function compactionEvent(content: string, fields: Obj): StreamEvent {
  for (const k of Object.keys(fields)) if (fields[k] == null) delete fields[k];
  return Object.keys(fields).length > 0 ? { type: 'compaction', content, fields } : { type: 'compaction', content };
}

export function createAnthropicEventDecoder(): AnthropicEventDecoder {
  const open = new Map<number, OpenBlock>();
  /** Tool calls that have had arguments: a call without any (no input_json_delta) is `{}`, as non-streamed. */
  const withArguments = new Set<number>();
  let tools = 0;
  /** Text and thinking blocks so far, for their ids (`txt-N`, `rsn-N`). */
  let blocks = 0;
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

  /** Anthropic's blocks never interleave: one that starts (or a delta for a block never started) ends any left open,
   * so canonical blocks never overlap even when an upstream forgot a stop. */
  function endOthers(at: number, out: StreamEvent[]): void {
    if (open.size === 0) return;
    for (const other of [...open.keys()]) if (other !== at) blockStop(other, out);
  }

  /** Text for block `at`: its start first when this is its first text (a delta for a block never started opens one). */
  function text(at: number, piece: string, out: StreamEvent[]): void {
    let block = open.get(at);
    if (block?.kind !== 'text') {
      if (block !== undefined) blockStop(at, out);
      endOthers(at, out);
      block = { kind: 'text', id: '', started: false };
      open.set(at, block);
    }
    if (!block.started) {
      block.started = true;
      block.id = `txt-${blocks++}`;
      out.push({ type: 'text_start', id: block.id });
    }
    out.push({ type: 'text', text: piece, id: block.id });
  }

  /** The thinking block `at`, opened when no start came for it. */
  function thinkingBlock(at: number, out: StreamEvent[]): string {
    const block = open.get(at);
    if (block?.kind === 'thinking') return block.id;
    if (block !== undefined) blockStop(at, out);
    endOthers(at, out);
    const id = `rsn-${blocks++}`;
    open.set(at, { kind: 'thinking', id });
    out.push({ type: 'thinking_start', id });
    return id;
  }

  function blockStart(d: Obj): StreamEvent[] {
    const block = isObj(d['content_block']) ? d['content_block'] : {};
    const at = num(d['index']) ?? 0;
    const out: StreamEvent[] = [];
    blockStop(at, out);
    endOthers(at, out);
    if (block['type'] === 'tool_use') {
      const index = tools++;
      const id = toolCallIdOf(block['id'], 'toolu_');
      open.set(at, { kind: 'tool', index, id });
      out.push({ type: 'tool_call_start', index, id, name: str(block['name']) ?? '' });
      if (isObj(block['input']) && Object.keys(block['input']).length > 0) {
        out.push({ type: 'tool_call_delta', index, arguments: JSON.stringify(block['input']), id });
        withArguments.add(index);
      }
    } else if (block['type'] === 'thinking') {
      // Opened even when empty: a block may hold only a signature.
      const id = thinkingBlock(at, out);
      const thinking = str(block['thinking']);
      if (thinking) out.push({ type: 'thinking', thinking, id });
      const signature = str(block['signature']);
      if (signature) out.push({ type: 'thinking_signature', signature, id });
    } else if (block['type'] === 'redacted_thinking') {
      out.push({ type: 'redacted_thinking', data: str(block['data']) ?? '', id: `rsn-${blocks++}` });
    } else if (block['type'] === 'compaction') {
      const { type: _type, content, ...fields } = block;
      open.set(at, { kind: 'compaction', content: str(content) ?? '', fields });
    } else if (block['type'] === 'text') {
      open.set(at, { kind: 'text', id: '', started: false });
      const first = str(block['text']);
      if (first) text(at, first, out);
    }
    return out;
  }

  function blockDelta(d: Obj): StreamEvent[] {
    const delta = isObj(d['delta']) ? d['delta'] : {};
    const at = num(d['index']) ?? -1;
    const out: StreamEvent[] = [];
    if (delta['type'] === 'text_delta') {
      const piece = str(delta['text']);
      if (piece) text(at, piece, out);
    } else if (delta['type'] === 'input_json_delta') {
      const block = open.get(at);
      const args = str(delta['partial_json']);
      if (block?.kind !== 'tool' || !args) return out;
      withArguments.add(block.index);
      out.push({ type: 'tool_call_delta', index: block.index, arguments: args, id: block.id });
    } else if (delta['type'] === 'thinking_delta') {
      const thinking = str(delta['thinking']);
      if (thinking) {
        const id = thinkingBlock(at, out);
        out.push({ type: 'thinking', thinking, id });
      }
    } else if (delta['type'] === 'compaction_delta') {
      const block = open.get(at);
      if (block?.kind === 'compaction') {
        block.content += str(delta['content']) ?? '';
        if (delta['encrypted_content'] != null) block.fields['encrypted_content'] = delta['encrypted_content'];
      }
    } else if (delta['type'] === 'signature_delta') {
      const id = thinkingBlock(at, out);
      out.push({ type: 'thinking_signature', signature: str(delta['signature']) ?? '', id });
    }
    return out; // citations: not carried by the canonical shape.
  }

  /** The end of block `at`: a tool call without arguments has `{}`. */
  function blockStop(at: number, out: StreamEvent[]): void {
    const block = open.get(at);
    if (block === undefined) return;
    open.delete(at);
    if (block.kind === 'tool') {
      if (!withArguments.has(block.index)) {
        withArguments.add(block.index);
        out.push({ type: 'tool_call_delta', index: block.index, arguments: '{}', id: block.id });
      }
      out.push({ type: 'tool_call_end', index: block.index, id: block.id });
    } else if (block.kind === 'thinking') out.push({ type: 'thinking_end', id: block.id });
    else if (block.kind === 'compaction') out.push(compactionEvent(block.content, block.fields));
    else if (block.started) out.push({ type: 'text_end', id: block.id });
  }

  return {
    textDelta(index, piece) {
      const out: StreamEvent[] = [];
      text(index, piece, out);
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
          return { events: blockStart(data), done: false };
        case 'content_block_delta':
          return { events: blockDelta(data), done: false };
        case 'content_block_stop': {
          const out: StreamEvent[] = [];
          blockStop(num(data['index']) ?? -1, out);
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
      for (const at of [...open.keys()]) blockStop(at, out);
      const finish_reason = finishWithTools(finish ?? 'stop', tools);
      const event: StreamEvent = { type: 'finish', finish_reason };
      if (stopSequence !== undefined && finish_reason === 'stop_sequence') event.stop_sequence = stopSequence;
      if (sawUsage) event.usage = usageFromAnthropic(raw);
      out.push(event);
      return out;
    },
  };
}
