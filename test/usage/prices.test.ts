// Which price applies to a route (the config's, else the build-time table's, else none) and what a usage costs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../src/config/schema.ts';
import { costOf, dailyPrices, lookUpPrice, PriceBook } from '../../src/usage/prices.ts';
import { pricesAt, type TableModel } from '../../src/usage/price-table.ts';
import { priceSnapshot } from '../../src/usage/price-snapshot.ts';

const config = configSchema.parse({
  providers: {
    openai: {
      type: 'openai',
      base_url: 'https://api.openai.com/v1',
      models: { 'gpt-own': { price: { input: 2, output: 8 } } },
    },
    // Named "openai" by the user but pointed at DeepSeek: DeepSeek's prices apply.
    ds: { type: 'openai', base_url: 'https://api.deepseek.com/v1' },
    anthropic: { type: 'anthropic', base_url: 'https://api.anthropic.com' },
    az: { type: 'azure', base_url: 'https://team.openai.azure.com' },
    // Azure behind a private endpoint whose host names no cloud: its type still finds Azure's prices.
    azprivate: { type: 'azure', base_url: 'http://127.0.0.1:9998', api_version: '2024-10-21' },
    local: {
      type: 'openai',
      base_url: 'http://127.0.0.1:9999/v1',
      models: { m: { price: { input: 1, output: 2, cache_read: 0.1 } } },
    },
  },
});
const DAY = Date.parse('2026-11-23T18:00:00Z');

test('a price in the config wins over the table, and a route nobody prices has none', () => {
  assert.deepEqual(lookUpPrice(config, { provider: 'openai', model: 'gpt-own' }, DAY), {
    source: 'config',
    prices: { input: 2, output: 8 },
  });
  assert.equal(lookUpPrice(config, { provider: 'local', model: 'unknown' }, DAY), null);
  assert.equal(lookUpPrice(config, { provider: 'nope', model: 'x' }, DAY), null);
});

test('the table is found by base URL first, then by name, with dated model names matched', () => {
  const gpt = lookUpPrice(config, { provider: 'openai', model: 'gpt-4o' }, DAY);
  assert.equal(gpt?.source, 'table');
  assert.match(gpt!.matched!, /^openai\/gpt-4o/);
  assert.match(lookUpPrice(config, { provider: 'ds', model: 'deepseek-chat' }, DAY)?.matched ?? '', /^deepseek\//);
  const claude = lookUpPrice(config, { provider: 'anthropic', model: 'claude-3-5-haiku-20241022' }, DAY);
  assert.equal(claude?.matched, 'anthropic/claude-3-5-haiku-latest');
  assert.deepEqual(claude?.prices, { input: 0.8, output: 4, cache_read: 0.08, cache_write: 1 });
});

test("a cloud's provider is priced by its base URL, or by its type behind a private endpoint", () => {
  assert.match(lookUpPrice(config, { provider: 'az', model: 'gpt-4o' }, DAY)?.matched ?? '', /^azure\/gpt-4o/);
  assert.match(lookUpPrice(config, { provider: 'azprivate', model: 'gpt-4o' }, DAY)?.matched ?? '', /^azure\/gpt-4o/);
});

test('a cost counts cached tokens at their price, uncached input at input, and is null without a price', () => {
  const price = lookUpPrice(config, { provider: 'local', model: 'm' }, DAY);
  // 1000 prompt tokens of which 400 read from cache: 600 × $1 + 400 × $0.1 + 500 output × $2, per million.
  const cost = costOf(price, { input_tokens: 1000, output_tokens: 500, cache_read_tokens: 400 });
  assert.equal(cost, (600 * 1 + 400 * 0.1 + 500 * 2) / 1e6);
  // No cache_write price: written tokens cost as input.
  assert.equal(costOf(price, { input_tokens: 100, output_tokens: 0, cache_write_tokens: 100 }), 100 / 1e6);
  assert.equal(costOf(null, { input_tokens: 1, output_tokens: 1 }), null);
});

test('a tiered price applies the tier the whole prompt falls in', () => {
  const price = {
    source: 'table' as const,
    prices: { input: { base: 1, tiers: [{ start: 1000, price: 2 }] }, output: 10 },
  };
  assert.equal(costOf(price, { input_tokens: 1000, output_tokens: 0 }), 1000 / 1e6);
  assert.equal(costOf(price, { input_tokens: 1001, output_tokens: 0 }), 2002 / 1e6);
});

test('the price book looks a route up once per day', () => {
  let now = Date.parse('2026-11-23T10:00:00Z');
  const book = new PriceBook(config, () => now);
  const a = book.priceOf({ provider: 'openai', model: 'gpt-4o' });
  assert.equal(book.priceOf({ provider: 'openai', model: 'gpt-4o' }), a);
  now += 86_400_000;
  assert.notEqual(book.priceOf({ provider: 'openai', model: 'gpt-4o' }), a);
  assert.ok(priceSnapshot().providers.length > 10);
});

const at = (iso: string) => Date.parse(iso);

test('DeepSeek is priced in full from 00:30 to 16:30 UTC and at its discount the rest of the day', () => {
  const chat = { provider: 'ds', model: 'deepseek-chat' };
  assert.deepEqual(lookUpPrice(config, chat, at('2026-11-23T12:00:00Z'))?.prices, {
    input: 0.27,
    output: 1.1,
    cache_read: 0.07,
  });
  assert.equal(lookUpPrice(config, chat, at('2026-11-23T00:30:00Z'))?.prices.output, 1.1);
  assert.equal(lookUpPrice(config, chat, at('2026-11-23T16:29:59Z'))?.prices.output, 1.1);
  assert.equal(lookUpPrice(config, chat, at('2026-11-23T16:30:00Z'))?.prices.output, 0.55);
  assert.equal(lookUpPrice(config, chat, at('2026-11-23T00:29:00Z'))?.prices.output, 0.55);
  assert.equal(
    lookUpPrice(config, { provider: 'ds', model: 'deepseek-reasoner' }, at('2026-11-23T09:00:00Z'))?.prices.output,
    2.19,
  );
  // V4's windows are peak surcharges on top of its dated off-peak price.
  const flash = { provider: 'ds', model: 'deepseek-v4-flash' };
  assert.equal(lookUpPrice(config, flash, at('2026-11-23T02:00:00Z'))?.prices.input, 0.44);
  assert.equal(lookUpPrice(config, flash, at('2026-11-23T05:00:00Z'))?.prices.input, 0.22);
  assert.equal(lookUpPrice(config, flash, at('2026-11-23T07:00:00Z'))?.prices.input, 0.44);
  assert.deepEqual(
    dailyPrices(config, chat, DAY).map((p) => [p.hours?.start, p.hours?.end, p.prices.output]),
    [
      ['00:30', '16:30', 1.1],
      ['16:30', '00:30', 0.55],
    ],
  );
});

test('every model of the snapshot with time-of-day prices is priced by the hour, each window at its own price', () => {
  const timed: [string, TableModel][] = priceSnapshot().providers.flatMap((p) =>
    p.models.filter((m) => m.prices.some((e) => e.hours !== undefined)).map((m) => [p.id, m] as [string, TableModel]),
  );
  assert.ok(timed.length >= 4, 'DeepSeek has four such models in the snapshot');
  for (const [provider, model] of timed)
    for (const entry of model.prices) {
      if (entry.hours === undefined) continue;
      const inside = at(`2026-11-23T${entry.hours.start}Z`);
      assert.deepEqual(pricesAt(model, inside), entry.prices, `${provider}/${model.id} at ${entry.hours.start} UTC`);
    }
});

test('the price book asks again when a time-of-day window opens or closes', () => {
  let now = at('2026-11-23T16:29:00Z');
  const book = new PriceBook(config, () => now);
  const route = { provider: 'ds', model: 'deepseek-chat' };
  assert.equal(book.priceOf(route)?.prices.output, 1.1);
  now = at('2026-11-23T16:30:00Z');
  assert.equal(book.priceOf(route)?.prices.output, 0.55);
  now = at('2026-11-24T00:30:00Z');
  assert.equal(book.priceOf(route)?.prices.output, 1.1);
});

test("Vertex's regional endpoints cost 10% over global for Claude Sonnet 4.5 and later, as Bedrock's regional ids do", () => {
  const vertex = (region: string) => ({
    type: 'vertex',
    base_url: `https://${region === 'global' ? '' : `${region}-`}aiplatform.googleapis.com`,
    project: 'my-project-123',
    region,
  });
  const cfg = configSchema.parse({
    providers: {
      regional: vertex('us-east5'),
      global: vertex('global'),
      bedrock: { type: 'bedrock', base_url: 'https://bedrock-runtime.us-east-1.amazonaws.com', region: 'us-east-1' },
    },
  });
  const price = (provider: string, model: string) => lookUpPrice(cfg, { provider, model }, DAY);

  const sonnet = price('regional', 'claude-sonnet-4-6')!;
  assert.deepEqual(sonnet.prices, { input: 3.3, output: 16.5, cache_read: 0.33, cache_write: 4.125 });
  assert.equal(sonnet.matched, 'google/claude-sonnet-4-6 (regional endpoint +10%)');
  assert.deepEqual(
    price('regional', 'claude-haiku-4-5@20251001')!.prices,
    price('bedrock', 'us.anthropic.claude-haiku-4-5-20251001-v1:0')!.prices,
    "the same as Bedrock's regional price in the table",
  );
  const tiered = price('regional', 'claude-sonnet-4-5@20250929')!.prices.input;
  assert.deepEqual(tiered, { base: 3.3, tiers: [{ start: 200000, price: 6.6 }] }, 'long-prompt tiers too');

  assert.deepEqual(price('global', 'claude-sonnet-4-6')!.prices.input, 3, 'the global endpoint has no premium');
  assert.equal(price('global', 'claude-sonnet-4-6')!.matched, 'google/claude-sonnet-4-6');
  assert.equal(price('regional', 'claude-sonnet-4@20250514')!.prices.input, 3, 'older models keep one price');
  assert.equal(price('regional', 'claude-opus-4-1@20250805')!.prices.input, 15);
  assert.deepEqual(
    price('regional', 'gemini-3.5-flash')!.prices,
    price('global', 'gemini-3.5-flash')!.prices,
    'Gemini: no premium in the table or in what we checked',
  );
  assert.equal(dailyPrices(cfg, { provider: 'regional', model: 'claude-opus-4-7' }, DAY)[0]!.prices.input, 5.5);
});
