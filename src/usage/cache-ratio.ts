// The prompt-cache hit ratio of usage totals: the share of the prompt tokens read from a provider's cache. Derived when
// totals are shown, never stored (a ratio does not add up across rollups); docs/usage.md#prompt-cache-hit-ratio.
import type { Totals } from './row.ts';

/** cache_read ÷ input (input counts the whole prompt, cached parts included); null when there was no input. */
type Counted = Pick<Totals, 'input_tokens' | 'cache_read_tokens'>;

export function cacheHitRatio(t: Counted): number | null {
  return t.input_tokens > 0 ? t.cache_read_tokens / t.input_tokens : null;
}

/** The totals with their ratio, rounded to 4 places, for JSON. */
export function withHitRatio<T extends Totals>(t: T): T & { cache_hit_ratio: number | null } {
  const ratio = cacheHitRatio(t);
  return { ...t, cache_hit_ratio: ratio === null ? null : Math.round(ratio * 10_000) / 10_000 };
}

/** `92.5%`, or `-` without input. */
export function hitRatioText(t: Counted): string {
  const ratio = cacheHitRatio(t);
  return ratio === null ? '-' : `${(ratio * 100).toFixed(1)}%`;
}
