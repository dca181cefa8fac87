// Anthropic Messages wire format: the `message` object, and the event stream
// message_start → content_block_start → ping → content_block_delta… → content_block_stop → message_delta → message_stop.
import type { SimReply } from './reply.ts';
import { anthropicErrorBody } from './errors.ts';
import { halves, wordPieces, type SseFrame, type StreamPlan } from './sse.ts';

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

function contentOf(reply: SimReply): Record<string, unknown>[] {
  const thinking = reply.thinking ? [{ type: 'thinking', ...reply.thinking }] : [];
  if (!reply.toolCall) return [...thinking, { type: 'text', text: reply.text }];
  const call = reply.toolCall;
  return [
    ...thinking,
    { type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown },
  ];
}

/** A thinking block streamed as Anthropic streams one: its text in pieces, then its signature, then its stop. */
function thinkingFrames(reply: SimReply): SseFrame[] {
  if (!reply.thinking) return [];
  const { thinking, signature } = reply.thinking;
  return [
    // Omitted thinking (`display: "omitted"`) streams only its signature.
    ...(thinking === '' ? [] : wordPieces(thinking)).map((piece) => ({
      ...frame('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: piece } }),
      content: { thinking: piece },
    })),
    frame('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature } }),
    frame('content_block_stop', { index: 0 }),
  ];
}

export function anthropicMessage(reply: SimReply, meta: AnthropicMeta): Record<string, unknown> {
  return {
    id: meta.id,
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content: contentOf(reply),
    stop_reason: STOP[reply.finish],
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
  // With thinking, its block is the first (index 0) and the answer's the second.
  const index = reply.thinking ? 1 : 0;
  const start = (content_block: Record<string, unknown>, at: number) =>
    frame('content_block_start', { index: at, content_block });
  const head = [
    frame('message_start', { message }),
    reply.thinking ? start({ type: 'thinking', thinking: '', signature: '' }, 0) : start(block, 0),
    frame('ping', {}),
  ];
  const answer = call
    ? halves(call.arguments).map((part) => ({
        ...frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } }),
        content: { args: part },
      }))
    : wordPieces(reply.text).map((piece) => ({
        ...frame('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }),
        content: { text: piece },
      }));
  const deltas = reply.thinking ? [...thinkingFrames(reply), start(block, 1), ...answer] : answer;
  const tail = [
    frame('content_block_stop', { index }),
    frame('message_delta', {
      delta: { stop_reason: STOP[reply.finish], stop_sequence: reply.stopSequence ?? null },
      usage: { output_tokens: reply.outputTokens },
    }),
    frame('message_stop', {}),
  ];
  const error = { event: 'error', data: JSON.stringify(anthropicErrorBody('overloaded_error', 'Overloaded')) };
  return { head, deltas, tail, error };
}
