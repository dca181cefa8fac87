// Token usage between the canonical shape and each API. Canonical `input_tokens` is the whole prompt, cache included
// (as OpenAI reports it); Anthropic's counts only the uncached rest, so it is summed in and split out.
import type { Usage } from '../types.ts';
import { type Obj, isObj } from './obj.ts';

const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;

function withCache(u: Usage, read: number | undefined, write: number | undefined): Usage {
  if (read !== undefined) u.cache_read_tokens = read;
  if (write !== undefined) u.cache_write_tokens = write;
  return u;
}

/** The reasoning count of an OpenAI usage: a reasoning model's hidden tokens, part of `completion_tokens`. */
function withReasoning(u: Usage, reasoning: number | undefined): Usage {
  if (reasoning !== undefined) u.reasoning_tokens = reasoning;
  return u;
}

export function usageFromOpenAI(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  const details = isObj(u['prompt_tokens_details']) ? u['prompt_tokens_details'] : {};
  const completion = isObj(u['completion_tokens_details']) ? u['completion_tokens_details'] : {};
  const usage = withCache(
    { input_tokens: count(u['prompt_tokens']) ?? 0, output_tokens: count(u['completion_tokens']) ?? 0 },
    count(details['cached_tokens']),
    undefined,
  );
  return withReasoning(usage, count(completion['reasoning_tokens']));
}

export function usageToOpenAI(u: Usage): Obj {
  const out: Obj = {
    prompt_tokens: u.input_tokens,
    completion_tokens: u.output_tokens,
    total_tokens: u.input_tokens + u.output_tokens,
  };
  if (u.cache_read_tokens !== undefined) out['prompt_tokens_details'] = { cached_tokens: u.cache_read_tokens };
  if (u.reasoning_tokens !== undefined) out['completion_tokens_details'] = { reasoning_tokens: u.reasoning_tokens };
  return out;
}

/** Also reads the partial usage of stream events (message_start, message_delta): absent fields stay absent. Its
 * `output_tokens_details.thinking_tokens` is the canonical reasoning count. */
export function usageFromAnthropic(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  const read = count(u['cache_read_input_tokens']);
  const write = count(u['cache_creation_input_tokens']);
  const input = (count(u['input_tokens']) ?? 0) + (read ?? 0) + (write ?? 0);
  const details = isObj(u['output_tokens_details']) ? u['output_tokens_details'] : {};
  return withReasoning(
    withCache({ input_tokens: input, output_tokens: count(u['output_tokens']) ?? 0 }, read, write),
    count(details['thinking_tokens']),
  );
}

export function usageToAnthropic(u: Usage | undefined): Obj {
  if (u === undefined) return { input_tokens: 0, output_tokens: 0 };
  const read = u.cache_read_tokens ?? 0;
  const write = u.cache_write_tokens ?? 0;
  const out: Obj = { input_tokens: Math.max(0, u.input_tokens - read - write), output_tokens: u.output_tokens };
  if (u.cache_read_tokens !== undefined || u.cache_write_tokens !== undefined) {
    out['cache_read_input_tokens'] = read;
    out['cache_creation_input_tokens'] = write;
  }
  if (u.reasoning_tokens !== undefined) out['output_tokens_details'] = { thinking_tokens: u.reasoning_tokens };
  return out;
}

export function usageToResponses(u: Usage): Obj {
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cache_read_tokens ?? 0 },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_tokens ?? 0 },
    total_tokens: u.input_tokens + u.output_tokens,
  };
}

/** Gemini's `usageMetadata`: `promptTokenCount` holds the cached part (`cachedContentTokenCount`);
 * `candidatesTokenCount` leaves out the thinking (`thoughtsTokenCount`), which is billed as output, so it is added. */
export function usageFromGemini(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  const thoughts = count(u['thoughtsTokenCount']);
  const usage = withCache(
    {
      input_tokens: count(u['promptTokenCount']) ?? 0,
      output_tokens: (count(u['candidatesTokenCount']) ?? 0) + (thoughts ?? 0),
    },
    count(u['cachedContentTokenCount']),
    undefined,
  );
  return withReasoning(usage, thoughts);
}
