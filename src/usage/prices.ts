// The price that applies to a route (the config's `price:` for the model, else the build-time table, else none) and
// the cost of a usage under it: USD, always an estimate, `null` when the price is unknown — never a guess.
import type { Config, Price, Route } from '../config/schema.ts';
import type { Usage } from '../providers/types.ts';
import { priceSnapshot } from './price-snapshot.ts';
import {
  dailyPeriods,
  pricesAt,
  pricesHoldUntil,
  tableModel,
  tableProvider,
  type PricePeriod,
  type PriceSnapshot,
  type TablePrice,
  type TablePrices,
} from './price-table.ts';
import { regionalPremium, withPremium } from './regional-premium.ts';

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

/** A route's price and until when it holds (epoch ms): a time-of-day price changes within the day. */
interface HeldPrice {
  price: RoutePrice | null;
  until: number;
}

function tableEntry(config: Config, route: Route, snapshot: PriceSnapshot) {
  const provider = config.providers[route.provider];
  if (provider === undefined) return undefined;
  const tp = tableProvider(snapshot, { name: route.provider, baseUrl: provider.base_url, type: provider.type });
  const tm = tp === undefined ? undefined : tableModel(snapshot, tp, route.model);
  return tp === undefined || tm === undefined ? undefined : { tp, tm };
}

function priceHeld(config: Config, route: Route, at: number, snapshot: PriceSnapshot): HeldPrice {
  const own = config.providers[route.provider]?.models[route.model]?.price;
  if (own !== undefined) return { price: fromConfig(own), until: Infinity };
  const found = tableEntry(config, route, snapshot);
  if (found === undefined) return { price: null, until: Infinity };
  const until = pricesHoldUntil(found.tm, at);
  const prices = pricesAt(found.tm, at);
  if (prices === undefined || prices.input === undefined || prices.output === undefined) return { price: null, until };
  const matched = `${found.tp.id}/${found.tm.id}`;
  const premium = regionalPremium(config.providers[route.provider]!, found.tp.id, found.tm.id);
  if (premium === undefined) return { price: { source: 'table', matched, prices }, until };
  return {
    price: { source: 'table', matched: `${matched} (${premium.note})`, prices: withPremium(prices, premium) },
    until,
  };
}

/** The price of `route` under `config` at `at` (epoch ms: the table has dated and time-of-day prices), or null when
 * neither the config nor the table has one. */
export function lookUpPrice(
  config: Config,
  route: Route,
  at: number,
  snapshot: PriceSnapshot = priceSnapshot(),
): RoutePrice | null {
  return priceHeld(config, route, at, snapshot).price;
}

/** A route's prices over the UTC day of `at`, by hours where they change within it (DeepSeek's peak hours). */
export function dailyPrices(
  config: Config,
  route: Route,
  at: number,
  snapshot: PriceSnapshot = priceSnapshot(),
): PricePeriod[] {
  const found =
    config.providers[route.provider]?.models[route.model]?.price === undefined
      ? tableEntry(config, route, snapshot)
      : undefined;
  if (found === undefined) return [];
  const periods = dailyPeriods(found.tm, new Date(at).toISOString().slice(0, 10));
  const premium = regionalPremium(config.providers[route.provider]!, found.tp.id, found.tm.id);
  return premium === undefined ? periods : periods.map((p) => ({ ...p, prices: withPremium(p.prices, premium) }));
}

/** Looked up once per config and route while its price holds: the table holds ~1,500 models matched by rules. Kept
 * by provider, then model: no key string per call. */
export class PriceBook {
  private readonly cache = new Map<string, Map<string, HeldPrice & { since: number }>>();
  private readonly config: Config;
  private readonly now: () => number;

  constructor(config: Config, now: () => number = Date.now) {
    this.config = config;
    this.now = now;
  }

  priceOf(route: Route): RoutePrice | null {
    const now = this.now();
    let byModel = this.cache.get(route.provider);
    if (byModel === undefined) this.cache.set(route.provider, (byModel = new Map()));
    const hit = byModel.get(route.model);
    if (hit !== undefined && now < hit.until && now >= hit.since) return hit.price;
    const held = priceHeld(this.config, route, now, priceSnapshot());
    byModel.set(route.model, { ...held, since: now });
    return held.price;
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
