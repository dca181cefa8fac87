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

/** A daily window in UTC (`HH:MM:SS`), its end excluded; an end before the start runs past midnight. */
export interface DailyHours {
  start: string;
  end: string;
}

export interface TableEntry {
  /** The date (YYYY-MM-DD) the prices took effect; the first entry has none. */
  from?: string;
  /** Hours of every day these prices hold in (DeepSeek's peak and off-peak prices). */
  hours?: DailyHours;
  prices: TablePrices;
}

export interface TableModel {
  id: string;
  match: MatchRule;
  /** In the package's order: the last entry whose date and hours hold is the price (so a window listed last wins). */
  prices: TableEntry[];
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

/** The table's provider of a cloud's own provider type, whatever its base URL (a private endpoint, a proxy). */
const TYPE_TABLE_IDS: Readonly<Record<string, string>> = {
  azure: 'azure',
  gemini: 'google',
  vertex: 'google',
  bedrock: 'aws',
};

/** The table's provider for a configured provider: by its base URL first (an `openai`-named provider pointed at
 * DeepSeek is DeepSeek), then by its name, then by a cloud's type. */
export function tableProvider(
  snapshot: PriceSnapshot,
  provider: { name: string; baseUrl: string; type?: string },
): TableProvider | undefined {
  const byUrl = snapshot.providers.find((p) => new RegExp(`^(?:${p.api_pattern})`).test(provider.baseUrl));
  if (byUrl !== undefined) return byUrl;
  const name = provider.name.toLowerCase();
  const byName = snapshot.providers.find(
    (p) => p.id === name || (p.provider_match !== undefined && matches(p.provider_match, name)),
  );
  if (byName !== undefined) return byName;
  const typeId = provider.type === undefined ? undefined : TYPE_TABLE_IDS[provider.type];
  return typeId === undefined ? undefined : snapshot.providers.find((p) => p.id === typeId);
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

const DAY_MS = 86_400_000;

function msOfDay(time: string): number {
  const [h = 0, m = 0, sec = 0] = time.split(':').map((x) => Number.parseInt(x, 10));
  return ((h * 60 + m) * 60 + sec) * 1000;
}

function within(hours: DailyHours, ms: number): boolean {
  const start = msOfDay(hours.start);
  const end = msOfDay(hours.end);
  return start <= end ? ms >= start && ms < end : ms >= start || ms < end;
}

function holds(entry: TableEntry, day: string, ms: number): boolean {
  return (entry.from === undefined || entry.from <= day) && (entry.hours === undefined || within(entry.hours, ms));
}

/** The prices in effect at `at` (epoch ms): the last entry whose date and daily hours both hold. */
export function pricesAt(model: TableModel, at: number): TablePrices | undefined {
  const day = new Date(at).toISOString().slice(0, 10);
  const ms = ((at % DAY_MS) + DAY_MS) % DAY_MS;
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const entry = model.prices[i]!;
    if (holds(entry, day, ms)) return entry.prices;
  }
  return model.prices[0]?.prices;
}

/** Until when `pricesAt(model, at)` stays the same: the next edge of a daily window, else the next UTC midnight. */
export function pricesHoldUntil(model: TableModel, at: number): number {
  const dayStart = at - (((at % DAY_MS) + DAY_MS) % DAY_MS);
  let next = dayStart + DAY_MS;
  for (const entry of model.prices) {
    if (entry.hours === undefined) continue;
    for (const edge of [entry.hours.start, entry.hours.end]) {
      const t = dayStart + msOfDay(edge);
      if (t > at && t < next) next = t;
    }
  }
  return next;
}

/** A day's prices by hours (`HH:MM` UTC), for the reader: one period without hours when they never change. */
export interface PricePeriod {
  hours?: { start: string; end: string };
  prices: TablePrices;
}

export function dailyPeriods(model: TableModel, day: string): PricePeriod[] {
  const dayStart = Date.parse(`${day}T00:00:00.000Z`);
  const edges = new Set<number>([0]);
  for (const entry of model.prices)
    if (entry.hours !== undefined) {
      edges.add(msOfDay(entry.hours.start) % DAY_MS);
      edges.add(msOfDay(entry.hours.end) % DAY_MS);
    }
  const starts = [...edges].sort((a, b) => a - b);
  const runs: { start: number; end: number; prices: TablePrices }[] = [];
  for (const [i, start] of starts.entries()) {
    const prices = pricesAt(model, dayStart + start);
    if (prices === undefined) continue;
    const end = starts[i + 1] ?? DAY_MS;
    const last = runs.at(-1);
    if (last !== undefined && samePrices(last.prices, prices)) last.end = end;
    else runs.push({ start, end, prices });
  }
  // A period that runs past midnight is one period, not two.
  if (runs.length > 1 && samePrices(runs[0]!.prices, runs.at(-1)!.prices)) runs[0]!.start = runs.pop()!.start;
  if (runs.length === 1) return [{ prices: runs[0]!.prices }];
  runs.sort((a, b) => a.start - b.start);
  return runs.map((r) => ({ hours: { start: clock(r.start), end: clock(r.end) }, prices: r.prices }));
}

function samePrices(a: TablePrices, b: TablePrices): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function clock(ms: number): string {
  return new Date(ms % DAY_MS).toISOString().slice(11, 16);
}
