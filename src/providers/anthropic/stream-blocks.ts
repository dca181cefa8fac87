// The content blocks of an Anthropic Messages stream as canonical blocks (stream.ts reads the message around them):
// each block's start, deltas and stop, one for one. Anthropic numbers blocks (text and tool_use together) while
// canonical numbers tool calls only, so this maps one to the other. A class, so each step is a method of its own.
import type { StreamEvent } from '../types.ts';
import { toolCallIdOf } from '../translate/ids.ts';
import { type Obj, isObj } from '../translate/obj.ts';

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** An open content block, by Anthropic's block index: a text block's start waits for its first text (an empty text
 * block is not passed on: Anthropic refuses one sent back in the history). */
type OpenBlock =
  | { kind: 'text'; id: string; started: boolean }
  | { kind: 'thinking'; id: string }
  | { kind: 'tool'; index: number; id: string }
  /** Server-side compaction: its summary gathered from its deltas, passed on whole at its stop. */
  | { kind: 'compaction'; content: string; fields: Obj };

/** A whole compaction block, its fields (CompactionPart.fields) only when it has any set. */
function compactionEvent(content: string, fields: Obj): StreamEvent {
  for (const k of Object.keys(fields)) if (fields[k] == null) delete fields[k];
  return Object.keys(fields).length > 0 ? { type: 'compaction', content, fields } : { type: 'compaction', content };
}

export class AnthropicBlocks {
  private readonly open = new Map<number, OpenBlock>();
  /** Tool calls that have had arguments: a call without any (no input_json_delta) is `{}`, as non-streamed. */
  private readonly withArguments = new Set<number>();
  /** Tool calls so far: the next one's canonical index. */
  tools = 0;
  /** Text and thinking blocks so far, for their ids (`txt-N`, `rsn-N`). */
  private numbered = 0;

  /** Anthropic's blocks never interleave: one that starts (or a delta for a block never started) ends any left open,
   * so canonical blocks never overlap even when an upstream forgot a stop. */
  private endOthers(at: number, out: StreamEvent[]): void {
    if (this.open.size === 0) return;
    for (const other of [...this.open.keys()]) if (other !== at) this.stop(other, out);
  }

  /** Text for block `at`: its start first when this is its first text (a delta for a block never started opens one). */
  text(at: number, piece: string, out: StreamEvent[]): void {
    let block = this.open.get(at);
    if (block?.kind !== 'text') {
      if (block !== undefined) this.stop(at, out);
      this.endOthers(at, out);
      block = { kind: 'text', id: '', started: false };
      this.open.set(at, block);
    }
    if (!block.started) {
      block.started = true;
      block.id = `txt-${this.numbered++}`;
      out.push({ type: 'text_start', id: block.id });
    }
    out.push({ type: 'text', text: piece, id: block.id });
  }

  /** The thinking block `at`, opened when no start came for it. */
  private thinkingBlock(at: number, out: StreamEvent[]): string {
    const block = this.open.get(at);
    if (block?.kind === 'thinking') return block.id;
    if (block !== undefined) this.stop(at, out);
    this.endOthers(at, out);
    const id = `rsn-${this.numbered++}`;
    this.open.set(at, { kind: 'thinking', id });
    out.push({ type: 'thinking_start', id });
    return id;
  }

  /** A `content_block_start`. */
  start(d: Obj): StreamEvent[] {
    const block = isObj(d['content_block']) ? d['content_block'] : {};
    const at = num(d['index']) ?? 0;
    const out: StreamEvent[] = [];
    this.stop(at, out);
    this.endOthers(at, out);
    if (block['type'] === 'tool_use') {
      const index = this.tools++;
      const id = toolCallIdOf(block['id'], 'toolu_');
      this.open.set(at, { kind: 'tool', index, id });
      out.push({ type: 'tool_call_start', index, id, name: str(block['name']) ?? '' });
      if (isObj(block['input']) && Object.keys(block['input']).length > 0) {
        out.push({ type: 'tool_call_delta', index, arguments: JSON.stringify(block['input']), id });
        this.withArguments.add(index);
      }
    } else if (block['type'] === 'thinking') {
      // Opened even when empty: a block may hold only a signature.
      const id = this.thinkingBlock(at, out);
      const thinking = str(block['thinking']);
      if (thinking) out.push({ type: 'thinking', thinking, id });
      const signature = str(block['signature']);
      if (signature) out.push({ type: 'thinking_signature', signature, id });
    } else if (block['type'] === 'redacted_thinking') {
      out.push({ type: 'redacted_thinking', data: str(block['data']) ?? '', id: `rsn-${this.numbered++}` });
    } else if (block['type'] === 'compaction') {
      const { type: _type, content, ...fields } = block;
      this.open.set(at, { kind: 'compaction', content: str(content) ?? '', fields });
    } else if (block['type'] === 'text') {
      this.open.set(at, { kind: 'text', id: '', started: false });
      const first = str(block['text']);
      if (first) this.text(at, first, out);
    }
    return out;
  }

  /** A `content_block_delta`. */
  delta(d: Obj): StreamEvent[] {
    const delta = isObj(d['delta']) ? d['delta'] : {};
    const at = num(d['index']) ?? -1;
    const out: StreamEvent[] = [];
    if (delta['type'] === 'text_delta') {
      const piece = str(delta['text']);
      if (piece) this.text(at, piece, out);
    } else if (delta['type'] === 'input_json_delta') {
      const block = this.open.get(at);
      const args = str(delta['partial_json']);
      if (block?.kind !== 'tool' || !args) return out;
      this.withArguments.add(block.index);
      out.push({ type: 'tool_call_delta', index: block.index, arguments: args, id: block.id });
    } else if (delta['type'] === 'thinking_delta') {
      const thinking = str(delta['thinking']);
      if (thinking) {
        const id = this.thinkingBlock(at, out);
        out.push({ type: 'thinking', thinking, id });
      }
    } else if (delta['type'] === 'compaction_delta') {
      const block = this.open.get(at);
      if (block?.kind === 'compaction') {
        block.content += str(delta['content']) ?? '';
        if (delta['encrypted_content'] != null) block.fields['encrypted_content'] = delta['encrypted_content'];
      }
    } else if (delta['type'] === 'signature_delta') {
      const id = this.thinkingBlock(at, out);
      out.push({ type: 'thinking_signature', signature: str(delta['signature']) ?? '', id });
    }
    return out; // citations: not carried by the canonical shape.
  }

  /** The end of block `at`: a tool call without arguments has `{}`. */
  stop(at: number, out: StreamEvent[]): void {
    const block = this.open.get(at);
    if (block === undefined) return;
    this.open.delete(at);
    if (block.kind === 'tool') {
      if (!this.withArguments.has(block.index)) {
        this.withArguments.add(block.index);
        out.push({ type: 'tool_call_delta', index: block.index, arguments: '{}', id: block.id });
      }
      out.push({ type: 'tool_call_end', index: block.index, id: block.id });
    } else if (block.kind === 'thinking') out.push({ type: 'thinking_end', id: block.id });
    else if (block.kind === 'compaction') out.push(compactionEvent(block.content, block.fields));
    else if (block.started) out.push({ type: 'text_end', id: block.id });
  }

  /** Blocks the upstream never stopped end with the message. */
  stopAll(out: StreamEvent[]): void {
    for (const at of [...this.open.keys()]) this.stop(at, out);
  }
}
