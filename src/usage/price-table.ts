// The shape of the build-time price table (price-snapshot.ts, made by scripts/update-prices.ts from
// @pydantic/genai-prices) and how a provider and model are looked up in it, by that package's own matching rules.

/** A name rule, as genai-prices writes them (case-insensitive but for `regex`). */
export type MatchRule =
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string }
  | { or: MatchRule[] }
  | { and: MatchRule[] };

/** USD per million tokens; a tiered price costs `tiers[i].price` once the prompt has more than `start` tokens. */
export type TablePrice = number | { base: number; tiers: { start: number; price: number }[] };

export interface TablePrices {
  input?: TablePrice;
  output?: TablePrice;
  cache_read?: TablePrice;
  cache_write?: TablePrice;
}

export interface TableModel {
  id: string;
  match: MatchRule;
  /** Prices by the date they took effect (`from`, YYYY-MM-DD; the first has none), oldest first. */
  prices: { from?: string; prices: TablePrices }[];
}

export interface TableProvider {
  id: string;
  /** A regular expression matched at the start of the provider's base URL. */
  api_pattern: string;
  provider_match?: MatchRule;
  /** Providers whose models this one also serves at their prices (Azure serves OpenAI's). */
  fallback_model_providers?: string[];
  models: TableModel[];
}

export interface PriceSnapshot {
  source: string;
  version: string;
  generated_at: string;
  providers: TableProvider[];
}

export function matches(rule: MatchRule, text: string): boolean {
  const t = text.toLowerCase();
  if ('or' in rule) return rule.or.some((r) => matches(r, text));
  if ('and' in rule) return rule.and.every((r) => matches(r, text));
  if ('equals' in rule) return t === rule.equals.toLowerCase();
  if ('starts_with' in rule) return t.startsWith(rule.starts_with.toLowerCase());
  if ('ends_with' in rule) return t.endsWith(rule.ends_with.toLowerCase());
  if ('contains' in rule) return t.includes(rule.contains.toLowerCase());
  return new RegExp(rule.regex).test(text);
}

/** The table's provider for a configured provider: by its base URL first (an `openai`-named provider pointed at
 * DeepSeek is DeepSeek), then by its name. */
export function tableProvider(
  snapshot: PriceSnapshot,
  provider: { name: string; baseUrl: string },
): TableProvider | undefined {
  const byUrl = snapshot.providers.find((p) => new RegExp(`^(?:${p.api_pattern})`).test(provider.baseUrl));
  if (byUrl !== undefined) return byUrl;
  const name = provider.name.toLowerCase();
  return snapshot.providers.find(
    (p) => p.id === name || (p.provider_match !== undefined && matches(p.provider_match, name)),
  );
}

/** Dated model names (`-20250514`) are also tried as `-2025-05-14`, as genai-prices does. */
const COMPACT_DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

export function tableModel(snapshot: PriceSnapshot, provider: TableProvider, model: string): TableModel | undefined {
  const id = model.toLowerCase().trim();
  const found = findModel(snapshot, provider, id, new Set());
  if (found !== undefined) return found;
  const dashed = id.replace(COMPACT_DATE, '$1$2-$3-$4');
  return dashed === id ? undefined : findModel(snapshot, provider, dashed, new Set());
}

function findModel(
  snapshot: PriceSnapshot,
  provider: TableProvider,
  id: string,
  seen: Set<string>,
): TableModel | undefined {
  seen.add(provider.id);
  const own = provider.models.find((m) => matches(m.match, id));
  if (own !== undefined) return own;
  for (const other of provider.fallback_model_providers ?? []) {
    const p = snapshot.providers.find((x) => x.id === other);
    if (p === undefined || seen.has(other)) continue;
    const found = findModel(snapshot, p, id, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The prices in effect on `day` (YYYY-MM-DD). */
export function pricesOn(model: TableModel, day: string): TablePrices | undefined {
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const entry = model.prices[i]!;
    if (entry.from === undefined || entry.from <= day) return entry.prices;
  }
  return model.prices[0]?.prices;
}
