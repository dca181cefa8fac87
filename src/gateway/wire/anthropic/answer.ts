// A canonical answer → the Anthropic `message` object the gateway answers an Anthropic caller with, and the stop
// reasons that shape has.
import type { ChatResponse, FinishReason } from '../../../providers/types.ts';
import { thinkingBlock } from '../../../providers/translate/parts.ts';
import { shapedId } from '../../../providers/translate/ids.ts';
import { toolUseInput } from '../../../providers/translate/tool-input.ts';
import { usageToAnthropic } from '../../../providers/translate/usage.ts';
import { type Obj } from '../../../providers/translate/obj.ts';

const FINISH_TO_ANTHROPIC: Readonly<Record<FinishReason, string>> = {
  stop: 'end_turn',
  stop_sequence: 'stop_sequence',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
  pause_turn: 'pause_turn',
  compaction: 'compaction',
};

export function finishToAnthropic(reason: FinishReason): string {
  return FINISH_TO_ANTHROPIC[reason];
}

/** The answer's text, and after it the refusal when there is one (Anthropic has no refusal apart from text). */
function refusalText(res: ChatResponse): string {
  if (res.refusal === undefined) return res.content;
  return res.content === '' ? res.refusal : `${res.content}\n\n${res.refusal}`;
}

/** Canonical response → the Anthropic `message` object the gateway answers with. */
export function toAnthropicResponse(res: ChatResponse): Obj {
  const content: Obj[] = (res.thinking ?? []).map(thinkingBlock);
  // Server-side compaction's summary comes first, as Anthropic answers it.
  if (res.compaction !== undefined)
    content.unshift({ type: 'compaction', content: res.compaction, ...res.compaction_fields });
  // An OpenAI refusal is told as Anthropic tells its own: the words as text, ending `refusal`.
  const text = refusalText(res);
  // Blank text beside tool calls is dropped: the caller would send it back and Anthropic refuses whitespace-only text.
  // An answer that is only thinking has no text block, as Anthropic sends it.
  if (text.trim() !== '' || (res.tool_calls.length === 0 && content.length === 0)) content.push({ type: 'text', text });
  // Throws MalformedAnswer for a finished call whose arguments are no object (tool-input.ts).
  for (const c of res.tool_calls)
    content.push({ type: 'tool_use', id: c.id, name: c.name, input: toolUseInput(c, res.finish_reason) });
  return {
    id: shapedId('msg_', res.id),
    type: 'message',
    role: 'assistant',
    model: res.model,
    content,
    stop_reason: res.refusal !== undefined ? 'refusal' : finishToAnthropic(res.finish_reason),
    stop_sequence: res.stop_sequence ?? null,
    usage: usageToAnthropic(res.usage),
  };
}
