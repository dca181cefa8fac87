// What the simulator bills a call (docs/simulator.md#usage-and-billing), kept in its call log so tests can hold a
// ledger to it: an answer the client got whole, what it reported; a stream cut, stalled, failed or left by the
// client part-way, its prompt and the output it delivered; a call the client left before any answer, or that never
// answered, its prompt; an error status or a reset, nothing.
import { countOutputTokens } from '../calls/count-tokens.ts';
import type { SimReply } from './reply.ts';
import { estimateTokens } from './reply.ts';
import type { FrameContent, SseFrame } from './sse.ts';

export interface SimBilled {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
}

export type TokenCount = 'chars' | 'o200k';

/** The whole answer, as its usage reports it. */
export function wholeBill(reply: SimReply): SimBilled {
  return {
    input_tokens: reply.inputTokens,
    output_tokens: reply.outputTokens,
    cache_read_tokens: reply.cache?.read ?? 0,
    cache_write_tokens: reply.cache?.creation ?? 0,
  };
}

/** The prompt alone: the model read it, nothing came back. */
export function promptBill(promptTokens: number): SimBilled {
  return { input_tokens: Math.max(1, promptTokens), output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
}

/** The prompt as the answer's usage counts it, and the output of the frames delivered. */
export function partialBill(reply: SimReply, delivered: readonly SseFrame[], count: TokenCount): SimBilled {
  const parts = { text: '', refusal: '', thinking: '', args: '' };
  for (const f of delivered) {
    const c: FrameContent | undefined = f.content;
    if (c === undefined) continue;
    if (c.text !== undefined) parts.text += c.text;
    if (c.args !== undefined) parts.args += c.args;
    if (c.thinking !== undefined) parts.thinking += c.thinking;
  }
  const output =
    count === 'o200k'
      ? countOutputTokens(parts)
      : [parts.text, parts.thinking, parts.args].reduce((n, t) => n + (t === '' ? 0 : estimateTokens(t)), 0);
  return { ...wholeBill(reply), output_tokens: output };
}
