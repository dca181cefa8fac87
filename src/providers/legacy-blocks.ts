// Block boundaries for an adapter a library user wrote (`createSwitchyard({ adapterFor })`) before stream events had
// them: its stream is read as the gateway's encoders once read every stream — a delta of another kind, or a thinking
// piece after a signature, opens a new block; a finish ends what is open — so what reads blocks (the AI SDK provider,
// resuming a cut answer) gets them. The built-in adapters' decoders say their blocks themselves and never pass here.
import type { ProviderAdapter, StreamEvent } from './types.ts';

type Kind = 'text' | 'thinking';

/** One stream's events with boundaries added, until the stream shows it has its own (an event with a block id). */
export class LegacyBlocks {
  #own = false;
  #open: { kind: Kind; id: string; signed: boolean } | undefined;
  readonly #tools = new Map<number, string>();
  #next = 0;

  map(e: StreamEvent): StreamEvent[] {
    if (this.#own || ('id' in e && e.id !== undefined && e.type !== 'start' && e.type !== 'tool_call_start')) {
      this.#own = true;
      return [e];
    }
    switch (e.type) {
      case 'text':
      case 'refusal':
        return this.#delta('text', e);
      case 'thinking':
        return this.#delta('thinking', e);
      case 'thinking_signature': {
        const out = this.#delta('thinking', e);
        this.#open!.signed = true;
        return out;
      }
      case 'redacted_thinking':
        return [...this.#close(), { ...e, id: `rsn-${this.#next++}` }];
      case 'tool_call_start': {
        const out = this.#closeBlock();
        this.#tools.set(e.index, e.id);
        out.push(e);
        return out;
      }
      case 'tool_call_delta': {
        const id = this.#tools.get(e.index);
        return [id === undefined ? e : { ...e, id }];
      }
      case 'finish':
        return [...this.#close(), e];
      default:
        return [e];
    }
  }

  /** A delta in the open block of its kind, opening one (and ending what is open) when there is none; a thinking
   * block that has its signature is done, so more thinking opens another. */
  #delta(
    kind: Kind,
    e: Extract<StreamEvent, { type: 'text' | 'refusal' | 'thinking' | 'thinking_signature' }>,
  ): StreamEvent[] {
    const open = this.#open;
    const out: StreamEvent[] = [];
    if (open === undefined || open.kind !== kind || open.signed) {
      out.push(...this.#close());
      const id = `${kind === 'text' ? 'txt' : 'rsn'}-${this.#next++}`;
      this.#open = { kind, id, signed: false };
      out.push(kind === 'text' ? { type: 'text_start', id } : { type: 'thinking_start', id });
    }
    out.push({ ...e, id: this.#open!.id });
    return out;
  }

  #closeBlock(): StreamEvent[] {
    const open = this.#open;
    this.#open = undefined;
    if (open === undefined) return [];
    return [open.kind === 'text' ? { type: 'text_end', id: open.id } : { type: 'thinking_end', id: open.id }];
  }

  #close(): StreamEvent[] {
    const out = this.#closeBlock();
    for (const [index, id] of this.#tools) out.push({ type: 'tool_call_end', index, id });
    this.#tools.clear();
    return out;
  }
}

async function* withBlocks(events: AsyncIterable<StreamEvent>): AsyncGenerator<StreamEvent> {
  const blocks = new LegacyBlocks();
  for await (const e of events) yield* blocks.map(e);
}

/** The adapter with boundaries added to its streams where it has none. */
export function withLegacyBlocks(adapter: ProviderAdapter): ProviderAdapter {
  return {
    type: adapter.type,
    send: (req, ctx) => adapter.send(req, ctx),
    stream: (req, ctx) => withBlocks(adapter.stream(req, ctx)),
    listModels: (ctx) => adapter.listModels(ctx),
  };
}
