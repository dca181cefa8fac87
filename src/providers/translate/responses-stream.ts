// Canonical StreamEvents → the Responses API's stream: `response.created`, then per output item
// `response.output_item.added` … deltas … `response.output_item.done`, and `response.completed` (or
// `response.incomplete`) carrying the whole response. Every event has the type in its data and a sequence number;
// the official SDK's stream helper rebuilds the response from exactly these events.
import type { StreamEvent, Usage } from '../types.ts';
import type { NamedSseEvent } from '../sse.ts';
import { shapedId } from './ids.ts';
import { customCallItem, finishedItemStatus, functionCallItem, messageItem, newItemId, outputTextPart, refusalPart, responseObject, statusOf, type ResponsesAnswerOptions } from './responses-wire.ts';
import { type Obj } from './obj.ts';


/** A content part of the open message: its text, or the model's refusal (a part of its own, with its own events). */
interface OpenPart {
  kind: 'text' | 'refusal';
  text: string;
}

const partOf = (p: OpenPart): Obj => (p.kind === 'text' ? outputTextPart(p.text) : refusalPart(p.text));

/** A call gathered while another streams: what it has so far. */
interface PendingCall {
  index: number;
  id: string;
  name: string;
  arguments: string;
}

interface OpenCall {
  /** The canonical tool-call index. */
  index: number;
  outputIndex: number;
  itemId: string;
  call: { id: string; name: string; arguments: string };
  /** A custom tool's call: its input is sent whole when the call is complete (it arrives as JSON fragments). */
  custom: boolean;
}

export function createResponsesEventEncoder(options: ResponsesAnswerOptions = {}): { encode(ev: StreamEvent): NamedSseEvent[]; sequence(): number } {
  let seq = 0;
  let id = shapedId('resp_', '');
  let model = '';
  const created = Math.floor(Date.now() / 1000);
  /** Finished items, by output index. */
  const output: Obj[] = [];
  /** The message streaming now: its parts so far, the last one open. */
  let message: { outputIndex: number; itemId: string; parts: OpenPart[] } | undefined;
  /** The call whose item is open and streaming. OpenAI finishes each item before adding the next, while an upstream
   * may interleave the argument pieces of parallel calls: a call that starts while one is open is gathered here and
   * written whole once the open one is done (at the next text or the finish), as the Anthropic encoder does. */
  let live: OpenCall | undefined;
  const pending = new Map<number, PendingCall>();

  const emit = (type: string, fields: Obj): NamedSseEvent => ({ event: type, data: { type, sequence_number: seq++, ...fields } });
  const snapshot = (status: string, extra: { incomplete_details?: { reason: string } | null; usage?: Usage } = {}): Obj =>
    responseObject({ id, created, model, output: output.filter(Boolean), status, ...extra, ...(options.echo ? { echo: options.echo } : {}) });

  /** The status an item closed now ends with: `incomplete` for the one an incomplete answer was cut in. */
  let answer: 'completed' | 'incomplete' = 'completed';
  const closedStatus = (outputIndex: number) => finishedItemStatus(outputIndex, output.length + pending.size, answer);

  /** The events that end the message's last part. */
  function closePart(): NamedSseEvent[] {
    const part = message?.parts.at(-1);
    if (!message || !part) return [];
    const at = { item_id: message.itemId, output_index: message.outputIndex, content_index: message.parts.length - 1 };
    const done = part.kind === 'text'
      ? emit('response.output_text.done', { ...at, text: part.text, logprobs: [] })
      : emit('response.refusal.done', { ...at, refusal: part.text });
    return [done, emit('response.content_part.done', { ...at, part: partOf(part) })];
  }

  function closeMessage(): NamedSseEvent[] {
    if (!message) return [];
    const out = closePart();
    const { outputIndex, itemId, parts } = message;
    message = undefined;
    const item = messageItem(itemId, parts.map(partOf), closedStatus(outputIndex));
    output[outputIndex] = item;
    out.push(emit('response.output_item.done', { output_index: outputIndex, item }));
    return out;
  }

  /** A text or refusal delta: opens the message, and a part of that kind in it, when they are not open yet. */
  function partDelta(kind: OpenPart['kind'], delta: string): NamedSseEvent[] {
    const out: NamedSseEvent[] = [];
    if (!message) {
      message = { outputIndex: output.length, itemId: newItemId('msg'), parts: [] };
      output.push(messageItem(message.itemId, [], 'in_progress'));
      out.push(emit('response.output_item.added', { output_index: message.outputIndex, item: messageItem(message.itemId, [], 'in_progress') }));
    }
    if (message.parts.at(-1)?.kind !== kind) {
      out.push(...closePart());
      message.parts.push({ kind, text: '' });
      const part = partOf({ kind, text: '' });
      out.push(emit('response.content_part.added', { item_id: message.itemId, output_index: message.outputIndex, content_index: message.parts.length - 1, part }));
    }
    const open = message.parts.at(-1)!;
    open.text += delta;
    const at = { item_id: message.itemId, output_index: message.outputIndex, content_index: message.parts.length - 1 };
    out.push(kind === 'text' ? emit('response.output_text.delta', { ...at, delta, logprobs: [] }) : emit('response.refusal.delta', { ...at, delta }));
    return out;
  }

  /** Finishes the call being streamed: its arguments' done event (or a custom call's whole input) and item done. */
  function closeLive(): NamedSseEvent[] {
    const open = live;
    if (!open) return [];
    live = undefined;
    const at = { item_id: open.itemId, output_index: open.outputIndex };
    if (open.custom) {
      const item = customCallItem(open.itemId, open.call, closedStatus(open.outputIndex), options.namespaces);
      output[open.outputIndex] = item;
      return [
        emit('response.custom_tool_call_input.delta', { ...at, delta: item['input'] }),
        emit('response.custom_tool_call_input.done', { ...at, input: item['input'] }),
        emit('response.output_item.done', { output_index: open.outputIndex, item }),
      ];
    }
    const item = functionCallItem(open.itemId, open.call, closedStatus(open.outputIndex), options.namespaces);
    output[open.outputIndex] = item;
    return [
      emit('response.function_call_arguments.done', { ...at, name: item['name'], arguments: open.call.arguments }),
      emit('response.output_item.done', { output_index: open.outputIndex, item }),
    ];
  }

  /** Adds a call's item and makes it the one streamed; arguments it already has go as one delta. */
  function addCall(call: PendingCall): NamedSseEvent[] {
    const out = closeLive();
    const custom = options.customTools?.has(call.name) === true;
    const open: OpenCall = { index: call.index, outputIndex: output.length, itemId: newItemId(custom ? 'ctc' : 'fc'), call: { id: call.id, name: call.name, arguments: call.arguments }, custom };
    live = open;
    const item = (custom ? customCallItem : functionCallItem)(open.itemId, { ...open.call, arguments: '' }, 'in_progress', options.namespaces);
    output.push(item);
    out.push(emit('response.output_item.added', { output_index: open.outputIndex, item: { ...item } }));
    if (!custom && call.arguments !== '') out.push(emit('response.function_call_arguments.delta', { item_id: open.itemId, output_index: open.outputIndex, delta: call.arguments }));
    return out;
  }

  /** Finishes the streamed call, then writes each gathered one whole, one item after another. */
  function closeCalls(): NamedSseEvent[] {
    const out = closeLive();
    for (const call of [...pending.values()]) {
      // Out of `pending` before it is added, so closedStatus counts the items still to come.
      pending.delete(call.index);
      out.push(...addCall(call), ...closeLive());
    }
    return out;
  }

  /** A Responses route's own stream is relayed as it came (numbered in this stream's sequence); the canonical events
   * beside it only summarise it. */
  let relaying = false;

  function encode(ev: StreamEvent): NamedSseEvent[] {
    if (ev.type === 'responses_event') {
      relaying = true;
      return [{ event: ev.event, data: { ...ev.data, sequence_number: seq++ } }];
    }
    if (relaying) return [];
    switch (ev.type) {
      case 'start':
        id = shapedId('resp_', ev.id);
        model = ev.model;
        return [emit('response.created', { response: snapshot('in_progress') }), emit('response.in_progress', { response: snapshot('in_progress') })];
      // Text after tool calls finishes them first: each item is done before the next is added.
      case 'text':
        return [...(message ? [] : closeCalls()), ...partDelta('text', ev.text)];
      case 'refusal':
        return [...(message ? [] : closeCalls()), ...partDelta('refusal', ev.text)];
      case 'tool_call_start': {
        const call = { index: ev.index, id: ev.id, name: ev.name, arguments: '' };
        if (live) {
          pending.set(ev.index, call);
          return [];
        }
        return [...closeMessage(), ...addCall(call)];
      }
      case 'tool_call_delta': {
        if (live?.index !== ev.index) {
          const call = pending.get(ev.index);
          if (call) call.arguments += ev.arguments;
          return [];
        }
        live.call.arguments += ev.arguments;
        if (live.custom) return [];
        return [emit('response.function_call_arguments.delta', { item_id: live.itemId, output_index: live.outputIndex, delta: ev.arguments })];
      }
      case 'finish': {
        const { status, incomplete_details } = statusOf(ev.finish_reason);
        answer = status;
        const out = [...closeMessage(), ...closeCalls()];
        const response = snapshot(status, { incomplete_details, ...(ev.usage ? { usage: ev.usage } : {}) });
        out.push(emit(status === 'completed' ? 'response.completed' : 'response.incomplete', { response }));
        return out;
      }
    }
  }

  return { encode, sequence: () => seq };
}
