// The price that applies to a route (the config's `price:` for the model, else the build-time table, else none) and
// the cost of a usage under it: USD, always an estimate, `null` when the price is unknown — never a guess.
import type { Config, Price, Route } from '../config/schema.ts';
import type { Usage } from '../providers/types.ts';
import { priceSnapshot } from './price-snapshot.ts';
import {
  pricesOn,
  tableModel,
  tableProvider,
  type PriceSnapshot,
  type TablePrice,
  type TablePrices,
} from './price-table.ts';

export interface RoutePrice {
  /** `config`: `providers.P.models.M.price`; `table`: the build-time snapshot. */
  source: 'config' | 'table';
  /** With `table`: the table's provider and model the route matched (`openai/gpt-4o`). */
  matched?: string;
  /** USD per million tokens. */
  prices: TablePrices;
}

function fromConfig(price: Price): RoutePrice {
  const prices: TablePrices = { input: price.input, output: price.output };
  if (price.cache_read !== undefined) prices.cache_read = price.cache_read;
  if (price.cache_write !== undefined) prices.cache_write = price.cache_write;
  return { source: 'config', prices };
}

/** The price of `route` under `config` on `day` (YYYY-MM-DD), or null when neither the config nor the table has one. */
export function lookUpPrice(
  config: Config,
  route: Route,
  day: string,
  snapshot: PriceSnapshot = priceSnapshot(),
): RoutePrice | null {
  const provider = config.providers[route.provider];
  const own = provider?.models[route.model]?.price;
  if (own !== undefined) return fromConfig(own);
  if (provider === undefined) return null;
  const tp = tableProvider(snapshot, { name: route.provider, baseUrl: provider.base_url });
  if (tp === undefined) return null;
  const tm = tableModel(snapshot, tp, route.model);
  const prices = tm === undefined ? undefined : pricesOn(tm, day);
  if (tm === undefined || prices === undefined || prices.input === undefined || prices.output === undefined)
    return null;
  return { source: 'table', matched: `${tp.id}/${tm.id}`, prices };
}

const DAY_MS = 86_400_000;

/** Looked up once per config, route and day: the table holds ~1,500 models matched by rules. */
export class PriceBook {
  private readonly cache = new Map<string, RoutePrice | null>();
  private day = '';
  /** The UTC day `day` spans, in epoch ms: a date string is made only when the clock leaves it. */
  private dayStart = 0;
  private dayEnd = 0;
  private readonly config: Config;
  private readonly now: () => number;

  constructor(config: Config, now: () => number = Date.now) {
    this.config = config;
    this.now = now;
  }

  priceOf(route: Route): RoutePrice | null {
    const now = this.now();
    if (now >= this.dayEnd || now < this.dayStart) {
      this.dayStart = now - (now % DAY_MS);
      this.dayEnd = this.dayStart + DAY_MS;
      this.day = new Date(this.dayStart).toISOString().slice(0, 10);
      this.cache.clear();
    }
    const day = this.day;
    const key = `${route.provider}\u0000${route.model}`;
    let price = this.cache.get(key);
    if (price === undefined) {
      price = lookUpPrice(this.config, route, day);
      this.cache.set(key, price);
    }
    return price;
  }
}

/** The per-million price of one token class, a tier chosen by the whole prompt's size. */
function perMillion(price: TablePrice, promptTokens: number): number {
  if (typeof price === 'number') return price;
  let applies = price.base;
  for (const tier of price.tiers) if (promptTokens > tier.start) applies = tier.price;
  return applies;
}

/** USD for `usage` under `price`; null when the price is unknown. Cache reads and writes without a price of their
 * own cost as input; reasoning is part of output (Usage says so) and costs as output. */
export function costOf(price: RoutePrice | null, usage: Usage): number | null {
  if (price === null) return null;
  const p = price.prices;
  if (p.input === undefined || p.output === undefined) return null;
  const prompt = usage.input_tokens;
  const input = perMillion(p.input, prompt);
  const cacheRead = usage.cache_read_tokens ?? 0;
  const cacheWrite = usage.cache_write_tokens ?? 0;
  const uncached = Math.max(0, prompt - cacheRead - cacheWrite);
  const micro =
    uncached * input +
    cacheRead * (p.cache_read === undefined ? input : perMillion(p.cache_read, prompt)) +
    cacheWrite * (p.cache_write === undefined ? input : perMillion(p.cache_write, prompt)) +
    usage.output_tokens * perMillion(p.output, prompt);
  return micro / 1_000_000;
}
