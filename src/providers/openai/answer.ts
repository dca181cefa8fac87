// An upstream's chat-completions answer → canonical (src/providers/types.ts): its message, tool calls, finish reason
// and usage. The request it answers is request.ts; what an OpenAI caller of the gateway gets is gateway/wire/.
import type { ChatResponse, FinishReason, ToolCall } from '../types.ts';
import { toolCallIdOf } from '../translate/ids.ts';
import { finishWithTools, malformed, textContent, toolCallArguments, toolCallName } from '../translate/answer-check.ts';
import { usageFromOpenAI } from '../translate/usage.ts';
import { isObj } from '../translate/obj.ts';

const FINISH_FROM_OPENAI: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

/** Unknown or missing finish reasons (`eos`, null) read as a normal stop. */
export function finishFromOpenAI(reason: unknown): FinishReason {
  return (typeof reason === 'string' ? FINISH_FROM_OPENAI[reason] : undefined) ?? 'stop';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function toolCallsFromOpenAI(list: unknown, path: string): ToolCall[] {
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw malformed(path, list, 'an array');
  return list.map((c: unknown, i) => {
    if (!isObj(c) || !isObj(c['function']))
      throw malformed(`${path}[${i}].function`, isObj(c) ? c['function'] : c, 'an object');
    const fn = c['function'];
    return {
      id: toolCallIdOf(c['id'], 'call_'),
      name: toolCallName(fn['name'], `${path}[${i}].function.name`),
      arguments: toolCallArguments(fn['arguments'], `${path}[${i}].function.arguments`),
    };
  });
}

/** An upstream OpenAI response body → canonical; undefined when it has no choice (the caller reports garbage).
 * Throws MalformedAnswer when a field it needs has a type it cannot read. */
export function fromOpenAIResponse(body: unknown): ChatResponse | undefined {
  if (!isObj(body) || !Array.isArray(body['choices'])) return undefined;
  const choice: unknown = body['choices'][0];
  if (!isObj(choice)) return undefined;
  const message = choice['message'];
  if (!isObj(message)) throw malformed('choices[0].message', message, 'an object');
  const content = textContent(message['content'], 'choices[0].message.content');
  const toolCalls = toolCallsFromOpenAI(message['tool_calls'], 'choices[0].message.tool_calls');
  const res: ChatResponse = {
    id: str(body['id']) ?? '',
    model: str(body['model']) ?? '',
    content,
    tool_calls: toolCalls,
    finish_reason: finishWithTools(finishFromOpenAI(choice['finish_reason']), toolCalls.length),
  };
  // A refusal is kept apart from the text so each caller shape can return it as its own kind of refusal.
  const refusal = str(message['refusal']);
  if (refusal) res.refusal = refusal;
  const usage = usageFromOpenAI(body['usage']);
  if (usage) res.usage = usage;
  return res;
}
