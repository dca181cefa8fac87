// The answer options in force for one call: the key's own setting, else the model's, else off (as latency is
// resolved). See docs/simulator.md, "Answer options".
import type { KeyBehaviour, ModelSpec, ToolCallIds } from './scenario.ts';

export interface AnswerOptions {
  promptCache: boolean;
  /** How long a cached prefix lives after its last write or read, in ms. */
  promptCacheTtl: number;
  stopSequences: boolean;
  toolCallIds: ToolCallIds;
  tokenCount: 'chars' | 'o200k';
  omitUsage: boolean;
  cutAfter: number | undefined;
}

/** Anthropic's default cache lifetime; OpenAI's is "5 to 10 minutes of inactivity". */
export const DEFAULT_PROMPT_CACHE_TTL = 300_000;

export function answerOptions(key: KeyBehaviour | undefined, model: ModelSpec | undefined): AnswerOptions {
  return {
    promptCache: key?.prompt_cache ?? model?.prompt_cache ?? false,
    promptCacheTtl: key?.prompt_cache_ttl ?? model?.prompt_cache_ttl ?? DEFAULT_PROMPT_CACHE_TTL,
    stopSequences: key?.stop_sequences ?? model?.stop_sequences ?? false,
    toolCallIds: key?.tool_call_ids ?? model?.tool_call_ids ?? 'present',
    tokenCount: key?.token_count ?? model?.token_count ?? 'chars',
    omitUsage: (key?.usage ?? model?.usage) === 'omitted',
    cutAfter: key?.cut_after ?? model?.cut_after,
  };
}
