// Our stream events → the SDK's stream parts, with the ids that tie a block's start, deltas and end together. One
// per stream: it knows which block is open, closes it when another kind starts, and finishes tool calls at the end.
import type { StreamEvent, Usage as OurUsage } from '../providers/types.ts';
import { OWN_KEY } from './prompt.ts';
import { finishReason, sdkUsage } from './results.ts';
import type { ProviderRecord, StreamPart } from './spec-types.ts';

interface OpenTool {
  id: string;
  name: string;
  input: string;
}

export class StreamParts {
  #block: { kind: 'text' | 'reasoning'; id: string } | undefined;
  #next = 0;
  readonly #tools = new Map<number, OpenTool>();
  #usage: OurUsage | undefined;
  #sawMetadata = false;

  /** The parts one event makes. `finish` is left to the caller (finishParts), which adds the trail. */
  parts(e: StreamEvent, route: { model: string }): StreamPart[] {
    const out: StreamPart[] = [];
    // The response metadata comes first, once: from the upstream's start, or made up at the first other event.
    if (!this.#sawMetadata) {
      this.#sawMetadata = true;
      out.push(
        e.type === 'start'
          ? { type: 'response-metadata', id: e.id, modelId: e.model, timestamp: new Date() }
          : { type: 'response-metadata', modelId: route.model, timestamp: new Date() },
      );
    }
    switch (e.type) {
      case 'start':
        if (e.usage) this.#usage = e.usage;
        break;
      case 'text':
      case 'refusal':
        if (e.text !== '') out.push(...this.#delta('text', e.text));
        break;
      case 'thinking':
        out.push(...this.#delta('reasoning', e.thinking));
        break;
      case 'thinking_signature':
        out.push(...this.#signed({ signature: e.signature }));
        break;
      case 'redacted_thinking':
        out.push(...this.#signed({ redactedData: e.data }));
        break;
      case 'tool_call_start':
        out.push(...this.#close());
        this.#tools.set(e.index, { id: e.id, name: e.name, input: '' });
        out.push({ type: 'tool-input-start', id: e.id, toolName: e.name });
        break;
      case 'tool_call_delta': {
        const tool = this.#tools.get(e.index);
        if (tool && e.arguments !== '') {
          tool.input += e.arguments;
          out.push({ type: 'tool-input-delta', id: tool.id, delta: e.arguments });
        }
        break;
      }
      case 'finish':
      case 'responses_event':
        break;
    }
    return out;
  }

  /** Closes what is open and ends with `finish` (from our finish event, or `error` when the stream broke). */
  finishParts(
    finish: Extract<StreamEvent, { type: 'finish' }> | undefined,
    providerMetadata: ProviderRecord,
  ): StreamPart[] {
    const out = [...this.#close(), ...this.#endTools(finish !== undefined)];
    if (finish?.usage) this.#usage = { ...this.#usage, ...finish.usage };
    out.push({
      type: 'finish',
      usage: sdkUsage(this.#usage),
      finishReason: finish ? finishReason(finish.finish_reason) : { unified: 'error', raw: undefined },
      providerMetadata,
    });
    return out;
  }

  #delta(kind: 'text' | 'reasoning', delta: string): StreamPart[] {
    const out: StreamPart[] = [];
    if (this.#block?.kind !== kind) {
      out.push(...this.#close());
      this.#block = { kind, id: `${kind === 'text' ? 'txt' : 'rsn'}-${this.#next++}` };
      out.push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id: this.#block.id });
    }
    out.push({ type: kind === 'text' ? 'text-delta' : 'reasoning-delta', id: this.#block.id, delta });
    return out;
  }

  /** A thinking block's signature ends it, carried as the block's metadata so the SDK keeps it with the reasoning. */
  #signed(own: { signature: string } | { redactedData: string }): StreamPart[] {
    const out: StreamPart[] = [];
    let id = this.#block?.kind === 'reasoning' && !('redactedData' in own) ? this.#block.id : undefined;
    if (id === undefined) {
      out.push(...this.#close());
      id = `rsn-${this.#next++}`;
      out.push({ type: 'reasoning-start', id });
    }
    const providerMetadata = { [OWN_KEY]: own };
    out.push({ type: 'reasoning-delta', id, delta: '', providerMetadata });
    out.push({ type: 'reasoning-end', id, providerMetadata });
    this.#block = undefined;
    return out;
  }

  #close(): StreamPart[] {
    const block = this.#block;
    if (block === undefined) return [];
    this.#block = undefined;
    return [{ type: block.kind === 'text' ? 'text-end' : 'reasoning-end', id: block.id }];
  }

  /** Tool calls end with the answer: their input is whole only then. A broken stream ends their input without a
   * call (the SDK would run a tool on half its arguments otherwise). */
  #endTools(whole: boolean): StreamPart[] {
    const out: StreamPart[] = [];
    for (const t of this.#tools.values()) {
      out.push({ type: 'tool-input-end', id: t.id });
      if (whole) out.push({ type: 'tool-call', toolCallId: t.id, toolName: t.name, input: t.input || '{}' });
    }
    this.#tools.clear();
    return out;
  }
}
