// A canonical answer → the OpenAI `chat.completion` object the gateway answers an OpenAI caller with, and the
// finish reasons that shape has.
import type { ChatResponse, FinishReason } from '../../../providers/types.ts';
import { shapedId } from '../../../providers/translate/ids.ts';
import { usageToOpenAI } from '../../../providers/translate/usage.ts';
import { type Obj } from '../../../providers/translate/obj.ts';

/** OpenAI has four finish reasons. A stop sequence is a `stop` there (as OpenAI reports its own), and so is a paused
 * turn: the text so far is the answer, and an OpenAI caller has no way to ask for the rest. */
const FINISH_TO_OPENAI: Readonly<Record<FinishReason, 'stop' | 'length' | 'tool_calls' | 'content_filter'>> = {
  stop: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  pause_turn: 'stop',
  compaction: 'stop',
};

export function finishToOpenAI(reason: FinishReason): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  return FINISH_TO_OPENAI[reason];
}

/** Canonical response → the OpenAI `chat.completion` object the gateway answers with. */
export function toOpenAIResponse(res: ChatResponse, options: { created?: number } = {}): Obj {
  // `refusal` and `annotations` as OpenAI always sends them (the SDK types refusal as `string | null`, not optional).
  // Content is null beside tool calls or a refusal and no text, as OpenAI sends it.
  const noText = res.content === '' && (res.tool_calls.length > 0 || res.refusal !== undefined);
  const message: Obj = {
    role: 'assistant',
    content: noText ? null : res.content,
    refusal: res.refusal ?? null,
    annotations: [],
  };
  if (res.tool_calls.length > 0) {
    message['tool_calls'] = res.tool_calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  const out: Obj = {
    id: shapedId('chatcmpl-', res.id),
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: res.model,
    choices: [{ index: 0, message, finish_reason: finishToOpenAI(res.finish_reason), logprobs: null }],
  };
  if (res.usage) out['usage'] = usageToOpenAI(res.usage);
  return out;
}
