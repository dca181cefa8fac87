// The `most_headroom` strategy's data: each key's share of its rate limits left, as its last answer's headers said,
// kept in memory for the request path (docs/credentials.md#order).
import { headerGetter, type HeaderBag } from '../errors/headers.ts';
import { parseResetValue } from '../errors/retry-after.ts';

interface Family {
  limit: string;
  remaining: string;
  reset: string;
}

const FAMILIES: readonly Family[] = ['requests', 'tokens']
  .map((d) => ({
    limit: `x-ratelimit-limit-${d}`,
    remaining: `x-ratelimit-remaining-${d}`,
    reset: `x-ratelimit-reset-${d}`,
  }))
  .concat(
    ['requests', 'tokens', 'input-tokens', 'output-tokens'].map((d) => ({
      limit: `anthropic-ratelimit-${d}-limit`,
      remaining: `anthropic-ratelimit-${d}-remaining`,
      reset: `anthropic-ratelimit-${d}-reset`,
    })),
  );

export interface Headroom {
  /** Remaining ÷ limit of the tightest limit, 0…1. */
  share: number;
  /** When that limit resets (epoch ms), when said. */
  resetAt?: number;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

/** The headroom the headers state, or undefined when they state none. */
export function headroomOf(headers: HeaderBag, now: number): Headroom | undefined {
  const get = headerGetter(headers);
  let tightest: Headroom | undefined;
  for (const f of FAMILIES) {
    const remaining = count(get(f.remaining));
    const limit = count(get(f.limit));
    if (remaining === undefined || limit === undefined || limit <= 0) continue;
    const share = Math.max(0, Math.min(1, remaining / limit));
    if (tightest !== undefined && share >= tightest.share) continue;
    const raw = get(f.reset);
    const resetAt = raw === undefined ? undefined : parseResetValue(raw, now);
    tightest = resetAt === undefined ? { share } : { share, resetAt };
  }
  return tightest;
}

/** Most keys remembered: a gateway with more keys than this forgets the oldest news first. */
const MAX_KEYS = 10_000;

export class HeadroomBook {
  readonly #byKey = new Map<string, Headroom>();

  record(fingerprint: string, headers: HeaderBag, now: number): void {
    const h = headroomOf(headers, now);
    if (h === undefined) return;
    this.#byKey.delete(fingerprint);
    if (this.#byKey.size >= MAX_KEYS) this.#byKey.delete(this.#byKey.keys().next().value!);
    this.#byKey.set(fingerprint, h);
  }

  /** The key's share left, 1 when nothing is known or its limit has reset since. */
  share(fingerprint: string, now: number): number {
    const h = this.#byKey.get(fingerprint);
    if (h === undefined || (h.resetAt !== undefined && now >= h.resetAt)) return 1;
    return h.share;
  }
}
