// Vertex AI's regional endpoints cost more than its global one for Claude Sonnet 4.5 and later (10 %: Anthropic's
// "Claude on Vertex AI", global vs regional endpoints). The price table carries Google's global prices only, keyed by
// model, since the region is in Vertex's endpoint, not the model's name. Bedrock needs nothing here: its region is in
// the model id (`us.`/`eu.`/bare vs `global.`), and the table's own `regional.*` entries carry the same 10 %.
import type { ProviderConfig } from '../config/schema.ts';
import type { TablePrice, TablePrices } from './price-table.ts';

export interface RegionalPremium {
  /** What the global price is multiplied by. */
  factor: number;
  /** Said beside the table's match (`usage prices`). */
  note: string;
}

const VERTEX_REGIONAL: RegionalPremium = { factor: 1.1, note: 'regional endpoint +10%' };

/** The table's (google) Claude models older than Sonnet 4.5, which cost the same on every endpoint — as the table's
 * Bedrock `regional.*` entries for them carry no premium. A model not listed (a newer one) is charged the premium. */
const ONE_PRICE_CLAUDE = /^claude-(?:3-|4-opus$|4-sonnet$)/;

/** The premium a route's table price takes, if any: a vertex provider outside `global`, for a Claude model of the
 * table's google provider that is Sonnet 4.5 or later. */
export function regionalPremium(
  provider: Pick<ProviderConfig, 'type' | 'region'>,
  tableProviderId: string,
  tableModelId: string,
): RegionalPremium | undefined {
  if (provider.type !== 'vertex' || provider.region === undefined || provider.region === 'global') return undefined;
  if (tableProviderId !== 'google' || !tableModelId.startsWith('claude-')) return undefined;
  return ONE_PRICE_CLAUDE.test(tableModelId) ? undefined : VERTEX_REGIONAL;
}

/** Rounded to a billionth of a dollar per million: 3 × 1.1 is 3.3, not 3.3000000000000003. */
function times(price: number, factor: number): number {
  return Math.round(price * factor * 1e9) / 1e9;
}

function scaled(price: TablePrice, factor: number): TablePrice {
  if (typeof price === 'number') return times(price, factor);
  return { base: times(price.base, factor), tiers: price.tiers.map((t) => ({ ...t, price: times(t.price, factor) })) };
}

/** Every price of `prices` (tiers included) times the premium's factor. */
export function withPremium(prices: TablePrices, premium: RegionalPremium): TablePrices {
  const out: TablePrices = {};
  for (const key of ['input', 'output', 'cache_read', 'cache_write'] as const) {
    const p = prices[key];
    if (p !== undefined) out[key] = scaled(p, premium.factor);
  }
  return out;
}
