// "max_tokens is above what this model may write": the one 400 a router can fix itself, since the provider states the
// largest it takes. Each pattern is a real provider's wording (docs/routing.md#classification-which-kind).

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
