// OpenAI chat-completions wire format: the `chat.completion` object and the `chat.completion.chunk` stream
// (`data: {...}` lines, then `data: [DONE]`; a final usage chunk when `stream_options.include_usage` is set).
import type { SimReply } from './reply.ts';
import { openAiErrorBody } from './errors.ts';
import { halves, wordPieces, type SseFrame, type StreamPlan } from './sse.ts';

export interface OpenAiMeta {
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
}

const FINISH: Record<SimReply['finish'], string> = { stop: 'stop', length: 'length', tool_calls: 'tool_calls' };

function usageOf(reply: SimReply): Record<string, number> {
  return { prompt_tokens: reply.inputTokens, completion_tokens: reply.outputTokens, total_tokens: reply.inputTokens + reply.outputTokens };
}

export function openAiCompletion(reply: SimReply, meta: OpenAiMeta): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: reply.toolCall ? null : reply.text, refusal: null };
  if (reply.toolCall) {
    const call = reply.toolCall;
    message['tool_calls'] = [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }];
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
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseFrame => ({
    data: JSON.stringify({
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    }),
  });
  const head = [chunk({ role: 'assistant', content: '', refusal: null })];
  const deltas = reply.toolCall ? toolDeltas(reply, chunk) : wordPieces(reply.text).map((piece) => chunk({ content: piece }));
  const tail = [chunk({}, FINISH[reply.finish])];
  if (includeUsage) {
    tail.push({ data: JSON.stringify({ id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, system_fingerprint: null, choices: [], usage: usageOf(reply) }) });
  }
  tail.push({ data: '[DONE]' });
  // OpenAI-compatible servers (vLLM, OpenRouter, …) report a failure mid-stream as a bare error object.
  const error = { data: JSON.stringify(openAiErrorBody({ message: 'The server is overloaded, please try again later.', type: 'server_error', code: 'overloaded' })) };
  return { head, deltas, tail, error };
}

function toolDeltas(reply: SimReply, chunk: (delta: Record<string, unknown>) => SseFrame): SseFrame[] {
  const call = reply.toolCall!;
  const start = chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] });
  const args = halves(call.arguments).map((part) => chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
  return [start, ...args];
}
