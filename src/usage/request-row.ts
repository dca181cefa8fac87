// A request's ledger row from what the gateway (or a library caller) knows when it ends: its trail, whose attempts
// carry their own usage, priced per attempt by the route it went to.
import { RESENT_OUTCOMES, type Attempt } from '../calls/types.ts';
import { costOf, type PriceBook } from './prices.ts';
import type { Charge, UsageRow } from './row.ts';

/** Optional fields may be given as undefined: the gateway passes what its request state holds as it is. */
export interface RequestFacts {
  id: string;
  /** Epoch ms the request arrived. */
  at: number;
  clientKey?: string | undefined;
  /** The end user, as its key keeps it. */
  user?: string | undefined;
  task: string;
  model?: string | undefined;
  alias?: string | undefined;
  route?: string | undefined;
  credential?: string | undefined;
  /** `ok`, or what the caller was told. */
  status: string;
  latencyMs: number;
  ttftMs?: number | undefined;
  streamEnd?: string | undefined;
  trail: readonly Attempt[];
}

const NOT_FAILURES = new Set<string>(['ok', 'skipped', ...RESENT_OUTCOMES]);

/** The tokens spelt out, not spread from another object: a spread amid other fields is a runtime call and a temporary
 * object per charge. The attempt is its own route for the price book (it reads only provider and model). */
function charge(a: Attempt, prices: PriceBook): Charge | undefined {
  const u = a.usage;
  if (u === undefined || a.credential === undefined) return undefined;
  return {
    route: a.route,
    credential: a.credential.fingerprint,
    outcome: a.outcome,
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    cache_read_tokens: u.cache_read_tokens ?? 0,
    cache_write_tokens: u.cache_write_tokens ?? 0,
    reasoning_tokens: u.reasoning_tokens ?? 0,
    estimated: u.estimated === true,
    cost_usd: costOf(prices.priceOf(a), u),
  };
}

/** Milliseconds as the ledger keeps them: to the hundredth. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function usageRow(facts: RequestFacts, prices: PriceBook): UsageRow {
  const charges: Charge[] = [];
  let failure = '';
  let attempts = 0;
  // The totals are summed first and the row made whole in one literal: a spread of zeros amid its fields, then adding
  // to them, was a runtime call (CopyDataProperties) and a field store per token kind per request.
  let input = 0;
  let output = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let reasoning = 0;
  let estimated = false;
  let cost: number | null = 0;
  for (const a of facts.trail) {
    if (!NOT_FAILURES.has(a.outcome)) failure = a.outcome;
    if (a.credential !== undefined) attempts++;
    const c = charge(a, prices);
    if (c === undefined) continue;
    charges.push(c);
    input += c.input_tokens;
    output += c.output_tokens;
    cacheRead += c.cache_read_tokens;
    cacheWrite += c.cache_write_tokens;
    reasoning += c.reasoning_tokens;
    if (c.estimated) estimated = true;
    cost = c.cost_usd === null || cost === null ? null : cost + c.cost_usd;
  }
  const row: UsageRow = {
    id: facts.id,
    at: Math.round(facts.at),
    client_key: facts.clientKey ?? '',
    task: facts.task,
    model: facts.model ?? '',
    alias: facts.alias ?? '',
    route: facts.route ?? '',
    credential: facts.credential ?? '',
    attempts,
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    reasoning_tokens: reasoning,
    estimated,
    cost_usd: cost,
    status: facts.status,
    failure_kind: failure,
    latency_ms: roundMs(facts.latencyMs),
    ttft_ms: facts.ttftMs === undefined ? null : roundMs(facts.ttftMs),
    stream_end: facts.streamEnd ?? '',
    charges,
  };
  if (facts.user !== undefined) row.user = facts.user;
  return row;
}

/** `x-switchyard-usage`: the request's tokens over all its attempts and their cost, e.g.
 * `input=812; output=64; cache_read=512; cache_write=0; reasoning=0; cost_usd=0.000931; estimated`. The cost is
 * always an estimate from the price table; `cost_usd=unknown` when a route has no price; `estimated` when some
 * tokens were counted by us rather than reported. */
export function usageHeader(row: UsageRow): string {
  const cost = row.cost_usd === null ? 'unknown' : String(Number(row.cost_usd.toPrecision(6)));
  return (
    `input=${row.input_tokens}; output=${row.output_tokens}; cache_read=${row.cache_read_tokens}; ` +
    `cache_write=${row.cache_write_tokens}; reasoning=${row.reasoning_tokens}; cost_usd=${cost}` +
    (row.estimated ? '; estimated' : '')
  );
}
