// Anthropic Messages wire format: the `message` object, and the event stream
// message_start → content_block_start → ping → content_block_delta… → content_block_stop → message_delta → message_stop.
// A compaction (compaction.ts) is the first block: its summary whole in one `compaction_delta`, as Anthropic streams it.
import type { SimReply } from '../../reply.ts';
import { anthropicErrorBody } from '../../errors.ts';
import { halves, wordPieces, type SseFrame, type StreamPlan } from '../../sse.ts';

export interface AnthropicMeta {
  id: string;
  model: string;
}

const STOP: Record<SimReply['finish'], string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  stop_sequence: 'stop_sequence',
};

/** Anthropic's input_tokens leaves out what was read from or written to the cache; those are counted apart. */
function usageOf(reply: SimReply, outputTokens: number): Record<string, number> {
  if (!reply.cache) return { input_tokens: reply.inputTokens, output_tokens: outputTokens };
  const { read, creation } = reply.cache;
  return {
    input_tokens: Math.max(0, reply.inputTokens - read - creation),
    cache_creation_input_tokens: creation,
    cache_read_input_tokens: read,
    output_tokens: outputTokens,
  };
}

const frame = (event: string, data: Record<string, unknown>): SseFrame => ({
  event,
  data: JSON.stringify({ type: event, ...data }),
});

/** The stop reason: `compaction` for an answer paused after its compaction block. */
const stopOf = (reply: SimReply): string => (reply.compaction?.paused === true ? 'compaction' : STOP[reply.finish]);

function contentOf(reply: SimReply): Record<string, unknown>[] {
  const c = reply.compaction;
  const compaction = c ? [{ type: 'compaction', content: c.summary, encrypted_content: c.encrypted }] : [];
  if (reply.compaction?.paused === true) return compaction;
  return [...compaction, ...answerContent(reply)];
}

function answerContent(reply: SimReply): Record<string, unknown>[] {
  const thinking = reply.thinking ? [{ type: 'thinking', ...reply.thinking }] : [];
  if (!reply.toolCall) return [...thinking, { type: 'text', text: reply.text }];
  const call = reply.toolCall;
  return [
    ...thinking,
    { type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown },
  ];
}

/** A thinking block streamed as Anthropic streams one: its text in pieces, then its signature, then its stop. */
function thinkingFrames(reply: SimReply, index: number): SseFrame[] {
  if (!reply.thinking) return [];
  const { thinking, signature } = reply.thinking;
  return [
    // Omitted thinking (`display: "omitted"`) streams only its signature.
    ...(thinking === '' ? [] : wordPieces(thinking)).map((piece) => ({
      ...frame('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } }),
      content: { thinking: piece },
    })),
    frame('content_block_delta', { index, delta: { type: 'signature_delta', signature } }),
    frame('content_block_stop', { index }),
  ];
}

/** A compaction block's summary, whole in one delta (no pieces, as Anthropic streams it). */
function compactionDelta(summary: string, encrypted: string | null): SseFrame {
  const delta = { type: 'compaction_delta', content: summary, encrypted_content: encrypted };
  return { ...frame('content_block_delta', { index: 0, delta }), content: { text: summary } };
}

export function anthropicMessage(reply: SimReply, meta: AnthropicMeta): Record<string, unknown> {
  return {
    id: meta.id,
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content: contentOf(reply),
    stop_reason: stopOf(reply),
    stop_sequence: reply.stopSequence ?? null,
    usage: usageOf(reply, reply.outputTokens),
  };
}

export function anthropicStream(reply: SimReply, meta: AnthropicMeta): StreamPlan {
  const message = {
    ...anthropicMessage(reply, meta),
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usageOf(reply, 1),
  };
  const call = reply.toolCall;
  const block = call ? { type: 'tool_use', id: call.id, name: call.name, input: {} } : { type: 'text', text: '' };
  const thinkingBlock = { type: 'thinking', thinking: '', signature: '' };
  const paused = reply.compaction?.paused === true;
  const start = (content_block: Record<string, unknown>, at: number) =>
    frame('content_block_start', { index: at, content_block });
  // Blocks in order, each at its index: a compaction, thinking, the answer's (none after a pause). The first one
  // starts in the head.
  const first = reply.compaction
    ? { type: 'compaction', content: null, encrypted_content: null }
    : reply.thinking
      ? thinkingBlock
      : block;
  const head = [frame('message_start', { message }), start(first, 0), frame('ping', {})];
  const opened = (b: Record<string, unknown>, at: number): SseFrame[] => (at === 0 ? [] : [start(b, at)]);
  const deltas: SseFrame[] = [];
  let index = 0;
  if (reply.compaction) {
    deltas.push(compactionDelta(reply.compaction.summary, reply.compaction.encrypted));
    if (!paused) deltas.push(frame('content_block_stop', { index: index++ }));
  }
  if (!paused && reply.thinking) {
    deltas.push(...opened(thinkingBlock, index), ...thinkingFrames(reply, index));
    index++;
  }
  if (!paused) deltas.push(...opened(block, index), ...answerFrames(reply, index));
  const tail = [
    frame('content_block_stop', { index }),
    frame('message_delta', {
      delta: { stop_reason: stopOf(reply), stop_sequence: reply.stopSequence ?? null },
      usage: { output_tokens: reply.outputTokens },
    }),
    frame('message_stop', {}),
  ];
  const error = { event: 'error', data: JSON.stringify(anthropicErrorBody('overloaded_error', 'Overloaded')) };
  return { head, deltas, tail, error };
}

/** The answer's own block: its tool call's input in halves, or its text word by word. */
function answerFrames(reply: SimReply, index: number): SseFrame[] {
  const call = reply.toolCall;
  return call
    ? halves(call.arguments).map((part) => ({
        ...frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } }),
        content: { args: part },
      }))
    : wordPieces(reply.text).map((piece) => ({
        ...frame('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }),
        content: { text: piece },
      }));
}
