// Bedrock's Converse answer → canonical: its content blocks (text, toolUse, reasoningContent), stop reason and usage.
// The request it answers is request.ts; stream.ts reads ConverseStream's events with the same finish and usage.
import { randomUUID } from 'node:crypto';
import type { ChatResponse, FinishReason, ThinkingPart, ToolCall } from '../types.ts';
import { isObj } from '../translate/obj.ts';
import { finishWithTools, malformed, toolCallName } from '../translate/answer-check.ts';
import type { Usage } from '../types.ts';

const FINISH: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
  stop_sequence: 'stop_sequence',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
  model_context_window_exceeded: 'length',
};

export function finishFromConverse(reason: unknown): FinishReason {
  return typeof reason === 'string' ? (FINISH[reason] ?? 'stop') : 'stop';
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && v >= 0 ? v : undefined);

/** Converse's `inputTokens` leaves out what was read from or written to the cache; canonical input holds all. */
export function usageFromConverse(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  const read = count(u['cacheReadInputTokens']);
  const write = count(u['cacheWriteInputTokens']);
  const usage: Usage = {
    input_tokens: (count(u['inputTokens']) ?? 0) + (read ?? 0) + (write ?? 0),
    output_tokens: count(u['outputTokens']) ?? 0,
  };
  if (read !== undefined) usage.cache_read_tokens = read;
  if (write !== undefined) usage.cache_write_tokens = write;
  return usage;
}

export function fromConverseResponse(body: unknown): ChatResponse {
  if (!isObj(body)) throw malformed('answer', body, 'an object');
  const output = body['output'];
  const message = isObj(output) ? output['message'] : undefined;
  if (!isObj(message)) throw malformed('output.message', message, 'a message');
  const content = message['content'];
  if (!Array.isArray(content)) throw malformed('output.message.content', content, 'an array of blocks');
  let text = '';
  const calls: ToolCall[] = [];
  const thinking: ThinkingPart[] = [];
  content.forEach((b: unknown, i) => {
    if (!isObj(b)) throw malformed(`output.message.content[${i}]`, b, 'a block');
    if (typeof b['text'] === 'string') text += b['text'];
    const reasoning = thinkingOfBlock(b['reasoningContent']);
    if (reasoning !== undefined) thinking.push(reasoning);
    const use = b['toolUse'];
    if (isObj(use)) {
      const name = toolCallName(use['name'], `output.message.content[${i}].toolUse.name`);
      const id = typeof use['toolUseId'] === 'string' ? use['toolUseId'] : `tooluse_${randomUUID()}`;
      calls.push({ id, name, arguments: JSON.stringify(use['input'] ?? {}) });
    }
  });
  const res: ChatResponse = {
    id: `bedrock-${randomUUID()}`,
    model: '',
    content: text,
    tool_calls: calls,
    finish_reason: finishWithTools(finishFromConverse(body['stopReason']), calls.length),
  };
  const usage = usageFromConverse(body['usage']);
  if (usage !== undefined) res.usage = usage;
  if (thinking.length > 0) res.thinking = thinking;
  return res;
}

/** A `reasoningContent` block → the thinking block it is (Claude's, signed by Bedrock). */
function thinkingOfBlock(r: unknown): ThinkingPart | undefined {
  if (!isObj(r)) return undefined;
  if (typeof r['redactedContent'] === 'string') return { type: 'redacted_thinking', data: r['redactedContent'] };
  const t = r['reasoningText'];
  if (!isObj(t) || typeof t['text'] !== 'string') return undefined;
  return { type: 'thinking', thinking: t['text'], signature: typeof t['signature'] === 'string' ? t['signature'] : '' };
}
