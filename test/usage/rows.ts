// A plain ledger row for the tests that write rows through a ledger or its spool and read back only which ones
// came through (prune, spool, a full spool): one model request, no charges, a few tokens.
import type { UsageRow } from '../../src/usage/row.ts';

export function ledgerRow(id: string, over: Partial<UsageRow> = {}): UsageRow {
  return {
    id,
    at: 1_700_000_000_000,
    client_key: '',
    task: 'main',
    model: 'm',
    alias: '',
    route: 'p/m',
    credential: 'c',
    attempts: 1,
    input_tokens: 10,
    output_tokens: 5,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    estimated: false,
    cost_usd: 0.001,
    status: 'ok',
    failure_kind: '',
    latency_ms: 1,
    ttft_ms: null,
    stream_end: '',
    charges: [],
    ...over,
  };
}
