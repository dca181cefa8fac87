// OpenAI chat-completions wire format: the `chat.completion` object and the `chat.completion.chunk` stream
// (`data: {...}` lines, then `data: [DONE]`; a final usage chunk when `stream_options.include_usage` is set).
import type { SimReply } from '../../reply.ts';
import type { ToolCallIds } from '../../scenario.ts';
import { openAiErrorBody } from '../../errors.ts';
import { halves, wordPieces, type SseFrame, type StreamPlan } from '../../sse.ts';

export interface OpenAiMeta {
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  /** How tool-call ids are written (the `tool_call_ids` answer option); default `present`. */
  toolCallIds?: ToolCallIds;
}

/** OpenAI has no separate reason for a stop sequence: it is a plain `stop`. */
const FINISH: Record<SimReply['finish'], string> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  stop_sequence: 'stop',
};

/** OpenAI's prompt_tokens includes the cached ones; cached_tokens says how many (writes are not reported). */
function usageOf(reply: SimReply): Record<string, unknown> {
  const usage = {
    prompt_tokens: reply.inputTokens,
    completion_tokens: reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
  };
  return reply.cache ? { ...usage, prompt_tokens_details: { cached_tokens: reply.cache.read } } : usage;
}

/** The `id` of a tool call as the server writes it: OpenAI always does; some compatible servers leave it out or
 * send it empty. */
function idOf(id: string, meta: OpenAiMeta): { id?: string } {
  if (meta.toolCallIds === 'missing') return {};
  return { id: meta.toolCallIds === 'empty' ? '' : id };
}

export function openAiCompletion(reply: SimReply, meta: OpenAiMeta): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: reply.toolCall ? null : reply.text,
    refusal: null,
  };
  if (reply.toolCall) {
    const call = reply.toolCall;
    message['tool_calls'] = [
      { ...idOf(call.id, meta), type: 'function', function: { name: call.name, arguments: call.arguments } },
    ];
  }
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH[reply.finish] }],
    usage: usageOf(reply),
    system_fingerprint: null,
  };
}

export function openAiStream(reply: SimReply, meta: OpenAiMeta, includeUsage: boolean): StreamPlan {
  // Every chunk is the same object around its choices and, when asked for, usage (null until the last).
  const frame = (rest: Record<string, unknown>): SseFrame => ({
    data: JSON.stringify({
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      system_fingerprint: null,
      ...rest,
    }),
  });
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseFrame =>
    frame({
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
  const head = [chunk({ role: 'assistant', content: '', refusal: null })];
  const deltas = reply.toolCall
    ? toolDeltas(reply, meta, chunk)
    : wordPieces(reply.text).map((piece) => ({ ...chunk({ content: piece }), content: { text: piece } }));
  const tail = [chunk({}, FINISH[reply.finish])];
  if (includeUsage) {
    tail.push(frame({ choices: [], usage: usageOf(reply) }));
  }
  tail.push({ data: '[DONE]' });
  // OpenAI-compatible servers (vLLM, OpenRouter, …) report a failure mid-stream as a bare error object.
  const error = {
    data: JSON.stringify(
      openAiErrorBody({
        message: 'The server is overloaded, please try again later.',
        type: 'server_error',
        code: 'overloaded',
      }),
    ),
  };
  return { head, deltas, tail, error };
}

function toolDeltas(
  reply: SimReply,
  meta: OpenAiMeta,
  chunk: (delta: Record<string, unknown>) => SseFrame,
): SseFrame[] {
  const call = reply.toolCall!;
  const start = chunk({
    tool_calls: [{ index: 0, ...idOf(call.id, meta), type: 'function', function: { name: call.name, arguments: '' } }],
  });
  const args = halves(call.arguments).map((part) => ({
    ...chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }),
    content: { args: part },
  }));
  return [start, ...args];
}
