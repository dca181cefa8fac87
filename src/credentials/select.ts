// Credential strategies (`credentials.strategy`) over the usable candidates, which arrive in use order.
import type { Strategy } from '../config/schema.ts';

export interface Selectable {
  fingerprint: string;
  /** Position in the provider's full candidate order. */
  order: number;
  uses: number;
}

export interface SelectContext {
  /** Order position of the credential picked last time (round_robin continues after it). */
  lastOrder?: number;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  random: () => number;
  /** For most_headroom: the share of a key's rate limits left (headroom.ts), 1 when unknown. */
  headroom?: (fingerprint: string) => number;
}

type Selector = (usable: readonly Selectable[], ctx: SelectContext) => Selectable;

export const STRATEGIES: Record<Strategy, Selector> = {
  /** Always the first usable one: the others are spares. */
  fill_first: (usable) => usable[0]!,
  /** The next usable one after the last pick, wrapping around. */
  round_robin: (usable, ctx) =>
    (ctx.lastOrder === undefined ? undefined : usable.find((c) => c.order > ctx.lastOrder!)) ?? usable[0]!,
  /** Fewest recorded uses; ties go to the earlier one in order. */
  least_used: (usable) => usable.reduce((best, c) => (c.uses < best.uses ? c : best)),
  random: (usable, ctx) => usable[Math.min(usable.length - 1, Math.floor(ctx.random() * usable.length))]!,
  /** The largest share of its rate limits left; ties (keys never heard from count as full) go to the fewest uses,
   * then the earlier in order. */
  most_headroom: (usable, ctx) => {
    const share = (c: Selectable): number => ctx.headroom?.(c.fingerprint) ?? 1;
    return usable.reduce((best, c) => {
      const a = share(c);
      const b = share(best);
      return a > b || (a === b && c.uses < best.uses) ? c : best;
    });
  },
};

/** Picks among a non-empty list of usable candidates. */
export function selectCandidate<T extends Selectable>(strategy: Strategy, usable: readonly T[], ctx: SelectContext): T {
  if (usable.length === 0) throw new Error('selectCandidate: no usable candidates');
  return STRATEGIES[strategy](usable, ctx) as T;
}

export const STRATEGY_TEXT: Record<Strategy, string> = {
  fill_first: 'fill_first: the first usable credential in order is used; the rest are spares',
  round_robin: 'round_robin: usable credentials take turns, in order',
  least_used: 'least_used: the usable credential with the fewest recorded uses is used',
  random: 'random: a usable credential is chosen at random for each request',
  most_headroom:
    "most_headroom: the usable credential with the most of its rate limits left (by the last answer's rate-limit headers) is used; keys not heard from yet count as full",
};
