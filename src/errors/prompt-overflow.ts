// "The prompt is over the model's context window" with the numbers the provider gave, read once from its answer where
// the answer is classified (classify.ts): an Anthropic-shaped gateway error leads with Anthropic's own wording built
// from them (gateway/answer/api-error.ts), whichever provider type answered. Each pattern is a real provider's wording.

/** The prompt's tokens and the most the model takes, as the provider counted them. */
export interface PromptOverflow {
  tokens: number;
  maximum: number;
}

interface OverflowPattern {
  wording: RegExp;
  overflow: (numbers: readonly number[]) => PromptOverflow;
}

export const PROMPT_OVERFLOW_PATTERNS: readonly OverflowPattern[] = [
  // Anthropic: "prompt is too long: 210118 tokens > 200000 maximum".
  {
    wording: /prompt is too long: (\d+) tokens > (\d+) maximum/,
    overflow: ([tokens = 0, maximum = 0]) => ({ tokens, maximum }),
  },
  // OpenAI: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130001 tokens."
  {
    wording: /maximum context length is (\d+) tokens\. However, your messages resulted in (\d+) tokens/,
    overflow: ([maximum = 0, tokens = 0]) => ({ tokens, maximum }),
  },
];

/** The numbers of a provider's context-length message, when it is one of the wordings above. */
export function promptOverflowOf(message: string): PromptOverflow | undefined {
  for (const p of PROMPT_OVERFLOW_PATTERNS) {
    const m = p.wording.exec(message);
    if (m) return p.overflow(m.slice(1).map(Number));
  }
  return undefined;
}
