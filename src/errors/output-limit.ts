// "max_tokens is above what this model may write": the one 400 a router can fix by itself, since the provider says
// the number it would accept. Claude Code asks for max_tokens 32000; a fallback to gpt-4o (16384) or DeepSeek (8192)
// would otherwise end the call. Each pattern is a real provider's wording (as quoted in public bug reports), and
// reads the largest max_tokens that provider would take. Lowercase, as classify.ts compares messages.
//   OpenAI     "max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you
//              provided 32000." (param max_tokens, code invalid_value; the same with max_completion_tokens)
//   Anthropic  "max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-…"
//              "input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000, decrease input length
//              or `max_tokens` and try again" (what is left of the window after the input)
//   DeepSeek   "Invalid max_tokens value, the valid range of max_tokens is [1, 8192]"
//   vLLM       "'max_tokens' or 'max_completion_tokens' is too large: 64000. This model's maximum context length is
//              64001 tokens and your request has 24235 input tokens (64000 > 64001 - 24235)."

interface OutputLimitPattern {
  wording: RegExp;
  /** The largest max_tokens the provider would accept, from the wording's numbers. */
  limit: (numbers: number[]) => number | undefined;
}

export const OUTPUT_LIMIT_PATTERNS: readonly OutputLimitPattern[] = [
  {
    wording: /max_(?:completion_)?tokens is too large: \d+\. this model supports at most (\d+) completion tokens/,
    limit: ([max]) => max,
  },
  { wording: /max_tokens: \d+ > (\d+), which is the maximum allowed number of output tokens/, limit: ([max]) => max },
  {
    wording: /input length and `?max_tokens`? exceed context limit: (\d+) \+ \d+ > (\d+)/,
    limit: ([input, window]) => left(window, input),
  },
  { wording: /invalid max_tokens value, the valid range of max_tokens is \[1, (\d+)\]/, limit: ([max]) => max },
  {
    wording:
      /'max_tokens' or 'max_completion_tokens' is too large: \d+\. this model's maximum context length is (\d+) tokens and your request has (\d+) input tokens/,
    limit: ([window, input]) => left(window, input),
  },
];

function left(window: number | undefined, input: number | undefined): number | undefined {
  return window === undefined || input === undefined ? undefined : window - input;
}

/** The largest max_tokens the provider says it would accept, when the message is one of the patterns above and the
 * number is a usable one (at least 1: an input that fills the window by itself is a context-length problem). */
export function outputLimitOf(message: string): number | undefined {
  const words = message.toLowerCase();
  for (const p of OUTPUT_LIMIT_PATTERNS) {
    const m = p.wording.exec(words);
    if (!m) continue;
    const limit = p.limit(m.slice(1).map(Number));
    return limit !== undefined && Number.isSafeInteger(limit) && limit >= 1 ? limit : undefined;
  }
  return undefined;
}
