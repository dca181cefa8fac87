// An attempt's usage when the upstream reported none, or only part of it (docs/usage.md#what-is-billed): the prompt as
// sent and the output as received, counted with the tokenizer, marked `estimated`. A stream's events pass through a
// tally as they arrive, so a stream cut or cancelled part-way is billed for what was delivered. A count is awaited, made
// on the count worker: the event loop serves other requests meanwhile (count-off-thread.ts).
import type { ChatMessage, ChatResponse, StreamEvent, Usage } from '../providers/types.ts';
import type { AttemptUsage } from './types.ts';
import { countOutputTokensLater } from './count-tokens.ts';
import { promptTokensLater } from './prompt-tokens.ts';

export function estimateResponseTokens(res: ChatResponse): Promise<number> {
  let thinking = '';
  for (const t of res.thinking ?? []) if (t.type === 'thinking') thinking += t.thinking;
  let args = '';
  for (const c of res.tool_calls) args += c.arguments;
  return countOutputTokensLater({ text: res.content, refusal: res.refusal ?? '', thinking, args });
}

/** A whole answer's usage when the upstream reported none: estimated. */
export async function estimatedResponseUsage(
  res: ChatResponse,
  messages: readonly ChatMessage[],
): Promise<AttemptUsage> {
  const [input, output] = await Promise.all([promptTokensLater(messages), estimateResponseTokens(res)]);
  return { input_tokens: input, output_tokens: output, estimated: true };
}

/** A prompt the upstream took but never answered (cancelled before the answer): its tokens, estimated. */
export async function promptOnlyUsage(messages: readonly ChatMessage[]): Promise<AttemptUsage> {
  return { input_tokens: await promptTokensLater(messages), output_tokens: 0, estimated: true };
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

  /** The finish's usage, when it reported one: the attempt's, known without a count. */
  reported(): Usage | undefined {
    return this.#final ? this.#reported : undefined;
  }

  /** The attempt's usage: the finish's as reported; otherwise the prompt as reported at the start (or estimated)
   * and the output delivered so far, estimated. */
  async usage(messages: readonly ChatMessage[]): Promise<AttemptUsage> {
    const reported = this.reported();
    if (reported !== undefined) return reported;
    const start = this.#reported;
    const [input, output] = await Promise.all([
      start?.input_tokens ?? promptTokensLater(messages),
      countOutputTokensLater({ text: this.#text, refusal: this.#refusal, thinking: this.#thinking, args: this.#args }),
    ]);
    if (start !== undefined) return { ...start, output_tokens: output, estimated: true };
    return { input_tokens: input, output_tokens: output, estimated: true };
  }
}
