// A Responses turn that ends with `compaction_trigger` (Codex's remote compaction), answered by a translated route:
// the model's summary is not a message but the one `compaction` output item the client expects (it refuses any other
// count). Its text is gathered instead of streamed, and the item is written, added and done, before the response's
// end, and in the ended response's `output`. A Responses route's own stream is relayed as it is: it compacted itself.
import type { StreamEvent } from '../../../providers/types.ts';
import type { NamedSseEvent } from '../../../providers/sse.ts';
import type { Obj } from '../../../providers/translate/obj.ts';
import { compactionItem } from './compaction-item.ts';

type Encode = (ev: StreamEvent) => NamedSseEvent[];

/** Events that are the model's content: gathered (text) or left out (the rest) on a compaction turn. */
const CONTENT = new Set<StreamEvent['type']>([
  'text_start',
  'refusal',
  'text_end',
  'thinking_start',
  'thinking',
  'thinking_signature',
  'thinking_end',
  'redacted_thinking',
  'tool_call_start',
  'tool_call_delta',
  'tool_call_end',
]);

export function compactionTurnEncoder(encode: Encode): Encode {
  let summary = '';
  let relayed = false;
  return (ev) => {
    if (ev.type === 'responses_event') relayed = true;
    if (relayed) return encode(ev);
    if (ev.type === 'text') {
      summary += ev.text;
      return [];
    }
    if (CONTENT.has(ev.type)) return [];
    if (ev.type !== 'finish') return encode(ev);
    return withCompactionItem(encode({ ...ev, finish_reason: 'stop' }), compactionItem(summary));
  };
}

/** The response's end with the item before it (added, then done) and in its `output`; sequence numbers run on. */
function withCompactionItem(end: NamedSseEvent[], item: Obj): NamedSseEvent[] {
  const first = Number(end[0]?.data['sequence_number'] ?? 0);
  const itemEvents: NamedSseEvent[] = ['response.output_item.added', 'response.output_item.done'].map((type, i) => ({
    event: type,
    data: { type, sequence_number: first + i, output_index: 0, item },
  }));
  const shifted = end.map((e) => {
    const data: Obj = { ...e.data, sequence_number: Number(e.data['sequence_number'] ?? 0) + 2 };
    const response = data['response'];
    if (response !== null && typeof response === 'object') data['response'] = { ...response, output: [item] };
    return { event: e.event, data };
  });
  return [...itemEvents, ...shifted];
}

/** A buffered compaction turn's response object: its output is the one compaction item. */
export function asCompactionResponse(response: Obj, summary: string): Obj {
  return { ...response, output: [compactionItem(summary)] };
}
