// Canonical StreamEvents → the Responses API's stream, event for event as the official SDK's stream helper rebuilds
// the response from them.
import type { StreamEvent, Usage } from '../../../providers/types.ts';
import type { NamedSseEvent } from '../../../providers/sse.ts';
import { newResponseId } from '../../../providers/translate/ids.ts';
import {
  customCallItem,
  finishedItemStatus,
  functionCallItem,
  messageItem,
  newItemId,
  outputTextPart,
  refusalPart,
  responseObject,
  statusOf,
  type ItemStatus,
  type ResponsesAnswerOptions,
} from './answer.ts';
import { isObj, type Obj } from '../../../providers/translate/obj.ts';
import { compactionItem } from './compaction-item.ts';
import { dispatch, type EventMethods, type EventOf } from '../../../providers/translate/event-methods.ts';

/** A content part of the open message: its text, or the model's refusal (a part of its own, with its own events). */
interface OpenPart {
  kind: 'text' | 'refusal';
  text: string;
}

const partOf = (p: OpenPart): Obj => (p.kind === 'text' ? outputTextPart(p.text) : refusalPart(p.text));

/** A call that started while another streams: what it has so far, and whether its end has come. */
interface PendingCall {
  index: number;
  id: string;
  name: string;
  arguments: string;
  ended: boolean;
}

interface OpenCall {
  /** The canonical tool-call index. */
  index: number;
  outputIndex: number;
  itemId: string;
  call: { id: string; name: string; arguments: string };
  /** A custom tool's call: its input is sent whole when the call is complete (it arrives as JSON fragments). */
  custom: boolean;
  ended: boolean;
}

/** Canonical events → the Responses API's stream events for the gateway; `sequence()` is the next sequence number
 * (the stream's error event takes it). */
export function createResponsesEventEncoder(options: ResponsesAnswerOptions = {}): {
  encode(ev: StreamEvent): NamedSseEvent[];
  /** Whether a relayed Responses route's own frames for these events are what relaying them would write. */
  passOn(events: readonly StreamEvent[]): boolean;
  sequence(): number;
  /** `response.failed`, the response's own terminal event for a stream that broke off (none while relaying a
   * Responses route's own stream, whose response this encoder does not hold). */
  failed(error: { code: string | null; message: string }): NamedSseEvent[];
  /** The upstream's id for the response the caller knows by the gateway's own (`''` until the stream said it). */
  upstreamId(): string;
} {
  const encoder = new ResponsesEventEncoder(options);
  return {
    encode: (ev) => encoder.encode(ev),
    passOn: (events) => encoder.passOn(events),
    sequence: () => encoder.sequence(),
    failed: (error) => encoder.failed(error),
    upstreamId: () => encoder.upstream,
  };
}

/** The events of one response: its output items added and done one after another, the last one open. */
class ResponsesEventEncoder implements EventMethods<NamedSseEvent[]> {
  private readonly options: ResponsesAnswerOptions;
  private seq = 0;
  /** The gateway's own id (ids.ts newResponseId), in every event whatever the upstream called the response. */
  private readonly id = newResponseId();
  /** The upstream's id for it, for the conversation record. */
  upstream = '';
  private model = '';
  private readonly created = Math.floor(Date.now() / 1000);
  /** Finished items, by output index. */
  private readonly output: Obj[] = [];
  /** The message streaming now: its parts so far, the last one open. */
  private message: { outputIndex: number; itemId: string; parts: OpenPart[] } | undefined;
  /** The call whose item is open. OpenAI finishes each item before the next, so a call that starts meanwhile waits in
   * `pending` and is written whole; an item is done only when the answer moves on (the next item, or the finish,
   * which says whether the last one was cut: finishedItemStatus). */
  private live: OpenCall | undefined;
  private readonly pending = new Map<number, PendingCall>();
  /** The status an item closed now ends with: `incomplete` for the one an incomplete answer was cut in. */
  private answer: 'completed' | 'incomplete' = 'completed';
  /** A Responses route's own stream is relayed as it came (numbered in this stream's sequence); the canonical events
   * beside it only summarise it. */
  private relaying = false;

  constructor(options: ResponsesAnswerOptions) {
    this.options = options;
  }

  encode(ev: StreamEvent): NamedSseEvent[] {
    if (this.relaying && ev.type !== 'responses_event') return [];
    return dispatch(this, ev);
  }

  sequence(): number {
    return this.seq;
  }

  /** Once the relay has begun, a Responses route's own frames may go on as its bytes when each relayed event is
   * numbered as this stream would number it, and the canonical events beside them are summaries the relay drops (not
   * the start or the finish, which end the relay's first and last frames). Takes their numbers. */
  passOn(events: readonly StreamEvent[]): boolean {
    if (!this.relaying) return false;
    let seq = this.seq;
    for (const e of events) {
      if (e.type === 'start' || e.type === 'finish') return false;
      if (e.type !== 'responses_event') continue;
      // A frame carrying the response object names it by the upstream's id: written here, under the gateway's.
      if (e.data['sequence_number'] !== seq || isObj(e.data['response'])) return false;
      seq++;
    }
    this.seq = seq;
    return true;
  }

  start(ev: EventOf<'start'>): NamedSseEvent[] {
    this.upstream = ev.id;
    this.model = ev.model;
    return [
      this.emit('response.created', { response: this.snapshot('in_progress') }),
      this.emit('response.in_progress', { response: this.snapshot('in_progress') }),
    ];
  }

  /** Text after tool calls finishes them first: each item is done before the next is added. The message and its
   * part open with the first delta (a part per run of text or refusal), and stay open across text blocks: the
   * answer's words between two tool calls are one message. */
  text_start(): NamedSseEvent[] {
    return this.closeCalls();
  }

  text(ev: EventOf<'text'>): NamedSseEvent[] {
    return this.partDelta('text', ev.text);
  }

  refusal(ev: EventOf<'refusal'>): NamedSseEvent[] {
    return this.partDelta('refusal', ev.text);
  }

  text_end(): NamedSseEvent[] {
    return [];
  }

  /** A call that starts while an earlier one is still open waits; once every earlier one has ended, they are done
   * and the new one is streamed. */
  tool_call_start(ev: EventOf<'tool_call_start'>): NamedSseEvent[] {
    const call = { index: ev.index, id: ev.id, name: ev.name, arguments: '', ended: false };
    if (this.live && !this.callsEnded()) {
      this.pending.set(ev.index, call);
      return [];
    }
    return [...this.closeCalls(), ...this.closeMessage(), ...this.addCall(call)];
  }

  tool_call_end(ev: EventOf<'tool_call_end'>): NamedSseEvent[] {
    const call = this.live?.index === ev.index ? this.live : this.pending.get(ev.index);
    if (call) call.ended = true;
    return [];
  }

  /** A piece of the streamed call's arguments goes on at once (a custom call's input waits for its end); a gathered
   * call's is held. */
  tool_call_delta(ev: EventOf<'tool_call_delta'>): NamedSseEvent[] {
    const live = this.live;
    if (live?.index !== ev.index) {
      const call = this.pending.get(ev.index);
      if (call) call.arguments += ev.arguments;
      return [];
    }
    live.call.arguments += ev.arguments;
    if (live.custom) return [];
    return [
      this.emit('response.function_call_arguments.delta', {
        item_id: live.itemId,
        output_index: live.outputIndex,
        delta: ev.arguments,
      }),
    ];
  }

  finish(ev: EventOf<'finish'>): NamedSseEvent[] {
    const { status, incomplete_details } = statusOf(ev.finish_reason);
    this.answer = status;
    const out = [...this.closeMessage(), ...this.closeCalls()];
    const response = this.snapshot(status, { incomplete_details, ...(ev.usage ? { usage: ev.usage } : {}) });
    out.push(this.emit(status === 'completed' ? 'response.completed' : 'response.incomplete', { response }));
    return out;
  }

  failed(error: { code: string | null; message: string }): NamedSseEvent[] {
    if (this.relaying) return [];
    return [this.emit('response.failed', { response: { ...this.snapshot('failed'), error } })];
  }

  /** Anthropic thinking: this shape has no place for its signed blocks (docs/shapes.md#thinking-blocks), so it is left out. */
  thinking_start(): NamedSseEvent[] {
    return [];
  }

  thinking(): NamedSseEvent[] {
    return [];
  }

  thinking_end(): NamedSseEvent[] {
    return [];
  }

  thinking_signature(): NamedSseEvent[] {
    return [];
  }

  redacted_thinking(): NamedSseEvent[] {
    return [];
  }

  /** An Anthropic route's compaction block is a `compaction` item holding its summary (the gateway's own, which any
   * route reads: compaction-item.ts), added and done whole. */
  compaction(ev: EventOf<'compaction'>): NamedSseEvent[] {
    const out = [...this.closeMessage(), ...this.closeCalls()];
    const item = compactionItem(ev.content);
    const outputIndex = this.output.length;
    this.output.push(item);
    out.push(
      this.emit('response.output_item.added', { output_index: outputIndex, item }),
      this.emit('response.output_item.done', { output_index: outputIndex, item }),
    );
    return out;
  }

  /** From here on the route's own events are the stream. */
  responses_event(ev: EventOf<'responses_event'>): NamedSseEvent[] {
    this.relaying = true;
    const data: Obj = { ...ev.data, sequence_number: this.seq++ };
    const response = data['response'];
    if (isObj(response)) {
      if (typeof response['id'] === 'string' && response['id'] !== '') this.upstream = response['id'];
      data['response'] = { ...response, id: this.id };
    }
    return [{ event: ev.event, data }];
  }

  private emit(type: string, fields: Obj): NamedSseEvent {
    return { event: type, data: { type, sequence_number: this.seq++, ...fields } };
  }

  private snapshot(status: string, extra: { incomplete_details?: { reason: string } | null; usage?: Usage } = {}): Obj {
    return responseObject({
      id: this.id,
      created: this.created,
      model: this.model,
      output: this.output.filter(Boolean),
      status,
      ...extra,
      ...(this.options.echo ? { echo: this.options.echo } : {}),
    });
  }

  private closedStatus(outputIndex: number): ItemStatus {
    return finishedItemStatus(outputIndex, this.output.length + this.pending.size, this.answer);
  }

  /** The events that end the message's last part. */
  private closePart(): NamedSseEvent[] {
    const message = this.message;
    const part = message?.parts.at(-1);
    if (!message || !part) return [];
    const at = { item_id: message.itemId, output_index: message.outputIndex, content_index: message.parts.length - 1 };
    const done =
      part.kind === 'text'
        ? this.emit('response.output_text.done', { ...at, text: part.text, logprobs: [] })
        : this.emit('response.refusal.done', { ...at, refusal: part.text });
    return [done, this.emit('response.content_part.done', { ...at, part: partOf(part) })];
  }

  private closeMessage(): NamedSseEvent[] {
    if (!this.message) return [];
    const out = this.closePart();
    const { outputIndex, itemId, parts } = this.message;
    this.message = undefined;
    const item = messageItem(itemId, parts.map(partOf), this.closedStatus(outputIndex));
    this.output[outputIndex] = item;
    out.push(this.emit('response.output_item.done', { output_index: outputIndex, item }));
    return out;
  }

  /** A text or refusal delta: opens the message, and a part of that kind in it, when they are not open yet. */
  private partDelta(kind: OpenPart['kind'], delta: string): NamedSseEvent[] {
    const out: NamedSseEvent[] = [];
    if (!this.message) {
      this.message = { outputIndex: this.output.length, itemId: newItemId('msg'), parts: [] };
      this.output.push(messageItem(this.message.itemId, [], 'in_progress'));
      out.push(
        this.emit('response.output_item.added', {
          output_index: this.message.outputIndex,
          item: messageItem(this.message.itemId, [], 'in_progress'),
        }),
      );
    }
    const message = this.message;
    if (message.parts.at(-1)?.kind !== kind) {
      out.push(...this.closePart());
      message.parts.push({ kind, text: '' });
      const part = partOf({ kind, text: '' });
      out.push(
        this.emit('response.content_part.added', {
          item_id: message.itemId,
          output_index: message.outputIndex,
          content_index: message.parts.length - 1,
          part,
        }),
      );
    }
    const open = message.parts.at(-1)!;
    open.text += delta;
    const at = { item_id: message.itemId, output_index: message.outputIndex, content_index: message.parts.length - 1 };
    out.push(
      kind === 'text'
        ? this.emit('response.output_text.delta', { ...at, delta, logprobs: [] })
        : this.emit('response.refusal.delta', { ...at, delta }),
    );
    return out;
  }

  /** Finishes the call being streamed: its arguments' done event (or a custom call's whole input) and item done. */
  private closeLive(): NamedSseEvent[] {
    const open = this.live;
    if (!open) return [];
    this.live = undefined;
    const at = { item_id: open.itemId, output_index: open.outputIndex };
    if (open.custom) {
      const item = customCallItem(open.itemId, open.call, this.closedStatus(open.outputIndex), this.options.namespaces);
      this.output[open.outputIndex] = item;
      return [
        this.emit('response.custom_tool_call_input.delta', { ...at, delta: item['input'] }),
        this.emit('response.custom_tool_call_input.done', { ...at, input: item['input'] }),
        this.emit('response.output_item.done', { output_index: open.outputIndex, item }),
      ];
    }
    const item = functionCallItem(open.itemId, open.call, this.closedStatus(open.outputIndex), this.options.namespaces);
    this.output[open.outputIndex] = item;
    return [
      this.emit('response.function_call_arguments.done', { ...at, name: item['name'], arguments: open.call.arguments }),
      this.emit('response.output_item.done', { output_index: open.outputIndex, item }),
    ];
  }

  /** Adds a call's item and makes it the one streamed; arguments it already has go as one delta. */
  private addCall(call: PendingCall): NamedSseEvent[] {
    const out = this.closeLive();
    const custom = this.options.customTools?.has(call.name) === true;
    const open: OpenCall = {
      index: call.index,
      outputIndex: this.output.length,
      itemId: newItemId(custom ? 'ctc' : 'fc'),
      call: { id: call.id, name: call.name, arguments: call.arguments },
      custom,
      ended: call.ended,
    };
    this.live = open;
    const item = (custom ? customCallItem : functionCallItem)(
      open.itemId,
      { ...open.call, arguments: '' },
      'in_progress',
      this.options.namespaces,
    );
    this.output.push(item);
    out.push(this.emit('response.output_item.added', { output_index: open.outputIndex, item: { ...item } }));
    if (!custom && call.arguments !== '')
      out.push(
        this.emit('response.function_call_arguments.delta', {
          item_id: open.itemId,
          output_index: open.outputIndex,
          delta: call.arguments,
        }),
      );
    return out;
  }

  /** The streamed call and every waiting one have ended. */
  private callsEnded(): boolean {
    if (this.live?.ended === false) return false;
    for (const call of this.pending.values()) if (!call.ended) return false;
    return true;
  }

  /** Finishes the streamed call, then writes each gathered one whole, one item after another. */
  private closeCalls(): NamedSseEvent[] {
    const out = this.closeLive();
    for (const call of [...this.pending.values()]) {
      // Out of `pending` before it is added, so closedStatus counts the items still to come.
      this.pending.delete(call.index);
      out.push(...this.addCall(call), ...this.closeLive());
    }
    return out;
  }
}
