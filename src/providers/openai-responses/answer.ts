// A Responses route's own answer (a provider with `responses_api: true`, sent the caller's Responses request as it
// was) → canonical, so the router, logs and library callers read it like any answer; the Responses caller gets the
// upstream's object and events themselves (ChatResponse.responses_object, `responses_event` stream events: stream.ts).
import type { ChatResponse, FinishReason, ToolCall, Usage } from '../types.ts';
import { type Obj, isObj } from '../translate/obj.ts';

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;

/** The Responses API's usage → canonical (its input_tokens is the whole prompt, cached part included). */
export function usageFromResponses(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  const usage: Usage = { input_tokens: count(u['input_tokens']) ?? 0, output_tokens: count(u['output_tokens']) ?? 0 };
  const cached = isObj(u['input_tokens_details']) ? count(u['input_tokens_details']['cached_tokens']) : undefined;
  const reasoning = isObj(u['output_tokens_details'])
    ? count(u['output_tokens_details']['reasoning_tokens'])
    : undefined;
  if (cached !== undefined) usage.cache_read_tokens = cached;
  if (reasoning !== undefined) usage.reasoning_tokens = reasoning;
  return usage;
}

/** A function or custom call item → a canonical call (its name as the caller's tools say it, namespace and all). */
export function callOf(item: Obj): ToolCall | undefined {
  if (item['type'] === 'function_call')
    return { id: str(item['call_id']), name: str(item['name']), arguments: str(item['arguments']) };
  if (item['type'] === 'custom_tool_call')
    return {
      id: str(item['call_id']),
      name: str(item['name']),
      arguments: JSON.stringify({ input: str(item['input']) }),
    };
  return undefined;
}

export function finishOf(response: Obj, calls: number): FinishReason {
  const reason = isObj(response['incomplete_details']) ? response['incomplete_details']['reason'] : undefined;
  if (response['status'] === 'incomplete') return reason === 'content_filter' ? 'content_filter' : 'length';
  return calls > 0 ? 'tool_calls' : 'stop';
}

/** The whole Responses object → canonical, keeping the object itself for the Responses caller; undefined when the
 * body is not a response. */
export function fromResponsesObject(body: unknown): ChatResponse | undefined {
  if (!isObj(body) || body['object'] !== 'response' || !Array.isArray(body['output'])) return undefined;
  let content = '';
  let refusal: string | undefined;
  const tool_calls: ToolCall[] = [];
  for (const item of body['output'].filter(isObj)) {
    const call = callOf(item);
    if (call) tool_calls.push(call);
    if (item['type'] !== 'message' || !Array.isArray(item['content'])) continue;
    for (const part of item['content'].filter(isObj)) {
      if (part['type'] === 'output_text') content += str(part['text']);
      if (part['type'] === 'refusal') refusal = (refusal ?? '') + str(part['refusal']);
    }
  }
  const res: ChatResponse = {
    id: str(body['id']),
    model: str(body['model']),
    content,
    tool_calls,
    finish_reason: finishOf(body, tool_calls.length),
    responses_object: body,
  };
  if (refusal !== undefined) res.refusal = refusal;
  const usage = usageFromResponses(body['usage']);
  if (usage) res.usage = usage;
  return res;
}

/** What went wrong, from an `error` event, a `response.failed` event or a failed response object: the error object,
 * as classification reads it. */
export function failureOf(data: Obj): unknown {
  const response = isObj(data['response']) ? data['response'] : data;
  if (isObj(response['error'])) return { error: response['error'] };
  return isObj(data['error']) ? { error: data['error'] } : { error: data };
}
