// A ledger row's `charges` column. Most requests are answered by their first attempt, and that one charge repeats
// the row's own route, credential, tokens and cost: as JSON it was ~60% of the row's bytes and a fifth of the
// instructions a row cost to write. Such a row keeps `[{}]`, "the row itself, answered", and reads back whole.
// An older gateway sharing the ledger reads it as one charge with no fields: blank in its dashboard, not an error.
import type { Charge, UsageRow } from './row.ts';

/** The text of a row whose one charge is the row itself. */
export const SELF_CHARGED = '[{}]';

/** The column's text for `row`'s charges. */
export function chargesText(row: UsageRow): string {
  const { charges } = row;
  return charges.length === 1 && isSelf(charges[0]!, row) ? SELF_CHARGED : JSON.stringify(charges);
}

/** The charges a column's text holds, for the row read with it (whose other fields are filled in). */
export function chargesFrom(text: string, row: UsageRow): Charge[] {
  return text === SELF_CHARGED ? [selfCharge(row)] : (JSON.parse(text) as Charge[]);
}

/** Whether the charge says nothing the row does not: the attempt that answered, on the row's route and key. */
function isSelf(c: Charge, row: UsageRow): boolean {
  return (
    c.outcome === 'ok' &&
    c.route === row.route &&
    c.credential === row.credential &&
    c.input_tokens === row.input_tokens &&
    c.output_tokens === row.output_tokens &&
    c.cache_read_tokens === row.cache_read_tokens &&
    c.cache_write_tokens === row.cache_write_tokens &&
    c.reasoning_tokens === row.reasoning_tokens &&
    c.estimated === row.estimated &&
    c.cost_usd === row.cost_usd
  );
}

/** The row's one charge, its fields in the order the ledger makes them (request-row.ts). */
function selfCharge(row: UsageRow): Charge {
  return {
    route: row.route,
    credential: row.credential,
    outcome: 'ok',
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cache_read_tokens: row.cache_read_tokens,
    cache_write_tokens: row.cache_write_tokens,
    reasoning_tokens: row.reasoning_tokens,
    estimated: row.estimated,
    cost_usd: row.cost_usd,
  };
}
