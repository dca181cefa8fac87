// A Responses route's own answer (a provider with `responses_api: true`, sent the caller's Responses request as it
// was) → canonical, so the router, logs and library callers read it like any answer; the Responses caller gets the
// upstream's object and events themselves (ChatResponse.responses_object, `responses_event` stream events).
import type { ChatResponse, FinishReason, StreamEvent, ToolCall, Usage } from '../types.ts';
import { type Obj, isObj } from '../translate/obj.ts';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
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
function callOf(item: Obj): ToolCall | undefined {
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

function finishOf(response: Obj, calls: number): FinishReason {
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

/** The frame key (event-sink.ts `verbatim`) of a Responses stream's events whose SSE `event:` names their `type`:
 * relayed to a Responses caller as they are, such frames may go to it as the upstream's own bytes. */
export const RESPONSES_FRAME_KEY = 'responses';

/** A Responses stream → canonical events: each upstream event is passed on as it came (`responses_event`), then
 * what it says in canonical terms: a message item's text (and refusal) as a text block, opened by its first delta and
 * ended with the item; a call item as a tool-call block. */
export function createResponsesStreamDecoder(): {
  push(event: string, data: Obj): StreamEvent[];
  readonly complete: boolean;
} {
  /** Output item id → its canonical tool call, while the item is open. */
  const calls = new Map<string, { index: number; id: string }>();
  let callCount = 0;
  /** The message item whose text block is open, and the block's id. */
  let text: { item: string; id: string } | undefined;
  let blocks = 0;
  let complete = false;

  function endText(out: StreamEvent[]): void {
    if (text !== undefined) out.push({ type: 'text_end', id: text.id });
    text = undefined;
  }

  /** A text or refusal delta of message item `item`, in its text block (opened on the first). */
  function words(type: 'text' | 'refusal', item: string, delta: string): StreamEvent[] {
    if (delta === '') return [];
    const out: StreamEvent[] = [];
    if (text?.item !== item) {
      endText(out);
      // Items come one after another: a call the upstream never said was done ends here.
      for (const open of [...calls.keys()]) out.push(...itemDone(open));
      text = { item, id: `txt-${blocks++}` };
      out.push({ type: 'text_start', id: text.id });
    }
    out.push({ type, text: delta, id: text.id });
    return out;
  }

  /** An item is done: the end of its block. */
  function itemDone(item: string): StreamEvent[] {
    const out: StreamEvent[] = [];
    if (text?.item === item) endText(out);
    const call = calls.get(item);
    if (call !== undefined) {
      calls.delete(item);
      out.push({ type: 'tool_call_end', index: call.index, id: call.id });
    }
    return out;
  }

  function summary(type: string, data: Obj): StreamEvent[] {
    const response = isObj(data['response']) ? data['response'] : {};
    switch (type) {
      case 'response.created':
        return [{ type: 'start', id: str(response['id']), model: str(response['model']) }];
      case 'response.output_text.delta':
        return words('text', str(data['item_id']), str(data['delta']));
      case 'response.refusal.delta':
        return words('refusal', str(data['item_id']), str(data['delta']));
      case 'response.output_item.added': {
        const item = isObj(data['item']) ? data['item'] : {};
        const call = callOf(item);
        if (!call) return [];
        const out: StreamEvent[] = [];
        endText(out);
        const index = callCount++;
        calls.set(str(item['id']), { index, id: call.id });
        out.push({ type: 'tool_call_start', index, id: call.id, name: call.name });
        return out;
      }
      // A custom call's input arrives as free text: its canonical arguments ({"input": …}) are not summarised.
      case 'response.function_call_arguments.delta': {
        const call = calls.get(str(data['item_id']));
        return call === undefined
          ? []
          : [{ type: 'tool_call_delta', index: call.index, arguments: str(data['delta']), id: call.id }];
      }
      case 'response.output_item.done':
        return itemDone(isObj(data['item']) ? str(data['item']['id']) : '');
      case 'response.completed':
      case 'response.incomplete': {
        complete = true;
        // Items the upstream never said were done end with the response.
        const out: StreamEvent[] = [];
        endText(out);
        for (const item of [...calls.keys()]) out.push(...itemDone(item));
        const usage = usageFromResponses(response['usage']);
        out.push({ type: 'finish', finish_reason: finishOf(response, callCount), ...(usage ? { usage } : {}) });
        return out;
      }
      default:
        return [];
    }
  }

  return {
    push: (event, data) => [{ type: 'responses_event', event, data }, ...summary(str(data['type']) || event, data)],
    get complete() {
      return complete;
    },
  };
}
