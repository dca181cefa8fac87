// A Responses route's own stream → canonical StreamEvents: each upstream event passed on as it came
// (`responses_event`), then what it says in canonical terms (text and tool-call blocks, the finish, usage), so the
// router reads it like any stream. Its answer when not streamed is answer.ts.
import type { StreamEvent } from '../types.ts';
import { type Obj, isObj } from '../translate/obj.ts';
import { callOf, finishOf, str, usageFromResponses } from './answer.ts';

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
