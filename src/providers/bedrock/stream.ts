// Bedrock's ConverseStream events (each a binary event-stream message, event-stream.ts) → canonical StreamEvents:
// messageStart, contentBlockStart (a tool call's id and name), contentBlockDelta (text, a tool call's input JSON in
// pieces, reasoning), contentBlockStop, messageStop (the stop reason), metadata (usage). Text blocks start at their
// first delta: Converse opens only tool blocks.
import type { FinishReason, StreamEvent, Usage } from '../types.ts';
import { isObj } from '../translate/obj.ts';
import { finishFromConverse, usageFromConverse } from './answer.ts';
import { finishWithTools } from '../translate/answer-check.ts';

export interface ConverseDecoder {
  push(event: string, data: unknown): StreamEvent[];
  end(): StreamEvent[];
  readonly complete: boolean;
  /** The metadata event (usage) came: it is the last. */
  readonly usageSeen: boolean;
}

export function createConverseDecoder(id: string, model: string): ConverseDecoder {
  let started = false;
  /** Open blocks by Converse index: a text block's id, or a tool call's. */
  const open = new Map<number, { kind: 'text' | 'tool' | 'thinking'; id: string; index: number }>();
  let calls = 0;
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;
  let metadata = false;

  const start = (out: StreamEvent[]): void => {
    if (started) return;
    started = true;
    out.push({ type: 'start', id, model });
  };
  const close = (at: number, out: StreamEvent[]): void => {
    const b = open.get(at);
    if (b === undefined) return;
    open.delete(at);
    out.push(
      b.kind === 'text'
        ? { type: 'text_end', id: b.id }
        : b.kind === 'thinking'
          ? { type: 'thinking_end', id: b.id }
          : { type: 'tool_call_end', index: b.index, id: b.id },
    );
  };

  /** Claude's thinking, in its own block: text pieces, then the signature; a redacted block comes whole. */
  const thinkingDelta = (at: number, r: Record<string, unknown>, out: StreamEvent[]): void => {
    if (typeof r['redactedContent'] === 'string') {
      out.push({ type: 'redacted_thinking', data: r['redactedContent'], id: `rsn_${at}` });
      return;
    }
    let b = open.get(at);
    if (b === undefined) {
      b = { kind: 'thinking', id: `rsn_${at}`, index: -1 };
      open.set(at, b);
      out.push({ type: 'thinking_start', id: b.id });
    }
    if (typeof r['text'] === 'string' && r['text'] !== '')
      out.push({ type: 'thinking', thinking: r['text'], id: b.id });
    if (typeof r['signature'] === 'string')
      out.push({ type: 'thinking_signature', signature: r['signature'], id: b.id });
  };

  return {
    push(event, data) {
      const out: StreamEvent[] = [];
      if (!isObj(data)) return out;
      start(out);
      const at = typeof data['contentBlockIndex'] === 'number' ? data['contentBlockIndex'] : 0;
      if (event === 'contentBlockStart') {
        const s = isObj(data['start']) ? data['start']['toolUse'] : undefined;
        if (isObj(s) && typeof s['toolUseId'] === 'string' && typeof s['name'] === 'string') {
          const index = calls++;
          open.set(at, { kind: 'tool', id: s['toolUseId'], index });
          out.push({ type: 'tool_call_start', index, id: s['toolUseId'], name: s['name'] });
        }
      } else if (event === 'contentBlockDelta') {
        const delta = isObj(data['delta']) ? data['delta'] : {};
        if (typeof delta['text'] === 'string' && delta['text'] !== '') {
          let b = open.get(at);
          if (b === undefined) {
            b = { kind: 'text', id: `text_${at}`, index: -1 };
            open.set(at, b);
            out.push({ type: 'text_start', id: b.id });
          }
          out.push({ type: 'text', text: delta['text'], id: b.id });
        }
        const reasoning = delta['reasoningContent'];
        if (isObj(reasoning)) thinkingDelta(at, reasoning, out);
        const tool = delta['toolUse'];
        const b = open.get(at);
        if (isObj(tool) && typeof tool['input'] === 'string' && b?.kind === 'tool')
          out.push({ type: 'tool_call_delta', index: b.index, arguments: tool['input'], id: b.id });
      } else if (event === 'contentBlockStop') close(at, out);
      else if (event === 'messageStop') finish = finishFromConverse(data['stopReason']);
      else if (event === 'metadata') {
        metadata = true;
        usage = usageFromConverse(data['usage']) ?? usage;
      }
      return out;
    },
    end() {
      if (finish === undefined) return [];
      const out: StreamEvent[] = [];
      for (const at of [...open.keys()]) close(at, out);
      const finish_reason = finishWithTools(finish, calls);
      out.push(usage ? { type: 'finish', finish_reason, usage } : { type: 'finish', finish_reason });
      return out;
    },
    get complete() {
      return finish !== undefined;
    },
    get usageSeen() {
      return metadata;
    },
  };
}
