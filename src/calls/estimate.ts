// An attempt's usage when the upstream reported none, or only part of it (docs/usage.md#what-is-billed): the prompt as
// sent and the output as received, counted with the tokenizer, marked `estimated`. A stream's events pass through a
// tally as they arrive, so a stream cut or cancelled part-way is billed for what was delivered.
import type { ChatMessage, ChatResponse, StreamEvent, Usage } from '../providers/types.ts';
import type { AttemptUsage } from './types.ts';
import { countOutputTokens, countTextTokens } from './count-tokens.ts';
import { madeOncePerShared } from '../shared-value.ts';

export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) if (m.content !== null) n += textTokens(m, m.content);
  return Math.max(1, n);
}

/** A message's text's tokens, counted once for a shared message (an earlier turn's, shared-value.ts): a caller that
 * hangs up, or an upstream that reports no usage, would otherwise have its whole conversation tokenized every turn. */
const textTokens = madeOncePerShared((_m: ChatMessage, text: string): number => countTextTokens(text));

export function estimateResponseTokens(res: ChatResponse): number {
  let thinking = '';
  for (const t of res.thinking ?? []) if (t.type === 'thinking') thinking += t.thinking;
  let args = '';
  for (const c of res.tool_calls) args += c.arguments;
  return countOutputTokens({ text: res.content, refusal: res.refusal ?? '', thinking, args });
}

/** A whole answer's usage: as reported, else estimated. */
export function responseUsage(res: ChatResponse, messages: readonly ChatMessage[]): AttemptUsage {
  if (res.usage !== undefined) return res.usage;
  return { input_tokens: estimatePromptTokens(messages), output_tokens: estimateResponseTokens(res), estimated: true };
}

/** A prompt the upstream took but never answered (cancelled before the answer): its tokens, estimated. */
export function promptOnlyUsage(messages: readonly ChatMessage[]): AttemptUsage {
  return { input_tokens: estimatePromptTokens(messages), output_tokens: 0, estimated: true };
}

/** What one streamed attempt delivered: the usage the upstream reported (the finish's, else the start's prompt) and
 * the content, kept only until a finish with usage makes it unneeded. */
export class StreamTally {
  #reported: Usage | undefined;
  #final = false;
  #text = '';
  #refusal = '';
  #thinking = '';
  #args = '';

  see(e: StreamEvent): void {
    if (this.#final) return;
    switch (e.type) {
      case 'text':
        this.#text += e.text;
        return;
      case 'refusal':
        this.#refusal += e.text;
        return;
      case 'thinking':
        this.#thinking += e.thinking;
        return;
      case 'tool_call_delta':
        this.#args += e.arguments;
        return;
      case 'start':
        if (e.usage !== undefined) this.#reported = e.usage;
        return;
      case 'finish':
        if (e.usage !== undefined) {
          this.#reported = e.usage;
          this.#final = true;
          this.#text = this.#refusal = this.#thinking = this.#args = '';
        }
        return;
      default:
    }
  }

  /** The attempt's usage: the finish's as reported; otherwise the prompt as reported at the start (or estimated)
   * and the output delivered so far, estimated. */
  usage(messages: readonly ChatMessage[]): AttemptUsage {
    if (this.#final && this.#reported !== undefined) return this.#reported;
    const output = countOutputTokens({
      text: this.#text,
      refusal: this.#refusal,
      thinking: this.#thinking,
      args: this.#args,
    });
    const start = this.#reported;
    if (start !== undefined) return { ...start, output_tokens: output, estimated: true };
    return { input_tokens: estimatePromptTokens(messages), output_tokens: output, estimated: true };
  }
}
