// Our stream events → the SDK's stream parts. Our blocks are the SDK's (a start, deltas and an end under one id), so
// each event maps to its part directly; this only carries a thinking block's signature to the block's end, makes the
// tool call when a call's input ends, and closes what a broken stream left open.
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
  /** Text and reasoning blocks open now, by id: a stream that breaks ends them. */
  readonly #open = new Map<string, 'text' | 'reasoning'>();
  /** The open thinking block's signature, as metadata: the SDK keeps it with the reasoning from the block's end. */
  #signed: ProviderRecord | undefined;
  /** Tool calls whose input is still coming, by index. */
  readonly #tools = new Map<number, OpenTool>();
  #redacted = 0;
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
      case 'text_start':
        this.#open.set(e.id, 'text');
        out.push({ type: 'text-start', id: e.id });
        break;
      case 'text':
      case 'refusal':
        if (e.text !== '') out.push({ type: 'text-delta', id: e.id ?? '', delta: e.text });
        break;
      case 'text_end':
        this.#open.delete(e.id);
        out.push({ type: 'text-end', id: e.id });
        break;
      case 'thinking_start':
        this.#open.set(e.id, 'reasoning');
        this.#signed = undefined;
        out.push({ type: 'reasoning-start', id: e.id });
        break;
      case 'thinking':
        if (e.thinking !== '') out.push({ type: 'reasoning-delta', id: e.id ?? '', delta: e.thinking });
        break;
      case 'thinking_signature':
        this.#signed = { [OWN_KEY]: { signature: e.signature } };
        out.push({ type: 'reasoning-delta', id: e.id ?? '', delta: '', providerMetadata: this.#signed });
        break;
      case 'thinking_end':
        this.#open.delete(e.id);
        out.push(
          this.#signed === undefined
            ? { type: 'reasoning-end', id: e.id }
            : { type: 'reasoning-end', id: e.id, providerMetadata: this.#signed },
        );
        this.#signed = undefined;
        break;
      case 'redacted_thinking': {
        // A whole block: its data is the block's metadata, as a signature is.
        const id = e.id ?? `rsn-redacted-${this.#redacted++}`;
        const providerMetadata = { [OWN_KEY]: { redactedData: e.data } };
        out.push(
          { type: 'reasoning-start', id },
          { type: 'reasoning-delta', id, delta: '', providerMetadata },
          { type: 'reasoning-end', id, providerMetadata },
        );
        break;
      }
      case 'tool_call_start':
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
      case 'tool_call_end': {
        const tool = this.#tools.get(e.index);
        if (tool === undefined) break;
        this.#tools.delete(e.index);
        out.push(...this.#endTool(tool, true));
        break;
      }
      // Only an Anthropic caller asks for server-side compaction (context_management): no compaction comes here.
      case 'compaction':
      case 'finish':
      case 'responses_event':
        break;
      default: {
        // Every event type has its case: a new one is a type error here until it says what part it makes.
        const unhandled: never = e;
        return unhandled;
      }
    }
    return out;
  }

  /** Closes what is open and ends with `finish` (from our finish event, or `error` when the stream broke). */
  finishParts(
    finish: Extract<StreamEvent, { type: 'finish' }> | undefined,
    providerMetadata: ProviderRecord,
  ): StreamPart[] {
    const out: StreamPart[] = [];
    for (const [id, kind] of this.#open) out.push({ type: kind === 'text' ? 'text-end' : 'reasoning-end', id });
    this.#open.clear();
    // A call left open by a broken stream ends its input without a call: the SDK would run a tool on half its
    // arguments otherwise.
    for (const tool of this.#tools.values()) out.push(...this.#endTool(tool, finish !== undefined));
    this.#tools.clear();
    if (finish?.usage) this.#usage = { ...this.#usage, ...finish.usage };
    out.push({
      type: 'finish',
      usage: sdkUsage(this.#usage),
      finishReason: finish ? finishReason(finish.finish_reason) : { unified: 'error', raw: undefined },
      providerMetadata,
    });
    return out;
  }

  /** A call's input ends; the call itself when its input is whole. */
  #endTool(t: OpenTool, whole: boolean): StreamPart[] {
    const end: StreamPart = { type: 'tool-input-end', id: t.id };
    return whole ? [end, { type: 'tool-call', toolCallId: t.id, toolName: t.name, input: t.input || '{}' }] : [end];
  }
}
