// An upstream's Messages answer → canonical (src/providers/types.ts): its content blocks, thinking, compaction,
// finish reason and usage. The request it answers is request.ts; what an Anthropic caller of the gateway gets is
// gateway/wire/.
import type { ChatResponse, FinishReason, ThinkingPart, ToolCall } from '../types.ts';
import { thinkingPartOf } from '../translate/parts.ts';
import { toolCallIdOf } from '../translate/ids.ts';
import { finishWithTools, malformed, textContent, toolCallName } from '../translate/answer-check.ts';
import { compactionFields } from '../translate/compaction.ts';
import { usageFromAnthropic } from '../translate/usage.ts';
import { type Obj, isObj } from '../translate/obj.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const FINISH_FROM_ANTHROPIC: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop_sequence',
  pause_turn: 'pause_turn',
  // `pause_after_compaction`: the answer is the compaction block alone, and the caller goes on from it.
  compaction: 'compaction',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};
export function finishFromAnthropic(reason: unknown): FinishReason {
  return (typeof reason === 'string' ? FINISH_FROM_ANTHROPIC[reason] : undefined) ?? 'stop';
}

/** An upstream Messages response → canonical; undefined when it is not a message (the caller reports garbage). */
export function fromAnthropicResponse(body: unknown): ChatResponse | undefined {
  if (!isObj(body) || !Array.isArray(body['content'])) return undefined;
  let content = '';
  const toolCalls: ToolCall[] = [];
  const thinking: ThinkingPart[] = [];
  let compaction: string | undefined;
  let compactionExtra: Obj | undefined;
  body['content'].forEach((b: unknown, i) => {
    if (!isObj(b)) throw malformed(`content[${i}]`, b, 'a content block');
    const thought = thinkingPartOf(b);
    // Other block types (server tool results, …) carry nothing the canonical answer holds.
    if (thought !== undefined) thinking.push(thought);
    else if (b['type'] === 'compaction') {
      compaction = typeof b['content'] === 'string' ? b['content'] : '';
      compactionExtra = compactionFields(b);
    } else if (b['type'] === 'text') content += textContent(b['text'], `content[${i}].text`);
    else if (b['type'] === 'tool_use') {
      const input = b['input'] ?? {};
      if (!isObj(input)) throw malformed(`content[${i}].input`, input, 'an object');
      toolCalls.push({
        id: toolCallIdOf(b['id'], 'toolu_'),
        name: toolCallName(b['name'], `content[${i}].name`),
        arguments: JSON.stringify(input),
      });
    }
  });
  const res: ChatResponse = {
    id: str(body['id']) ?? '',
    model: str(body['model']) ?? '',
    content,
    tool_calls: toolCalls,
    finish_reason: finishWithTools(finishFromAnthropic(body['stop_reason']), toolCalls.length),
  };
  if (thinking.length > 0) res.thinking = thinking;
  if (compaction !== undefined) res.compaction = compaction;
  if (compactionExtra !== undefined) res.compaction_fields = compactionExtra;
  const stopSequence = str(body['stop_sequence']);
  if (stopSequence !== undefined && res.finish_reason === 'stop_sequence') res.stop_sequence = stopSequence;
  const usage = usageFromAnthropic(body['usage']);
  if (usage) res.usage = usage;
  return res;
}
