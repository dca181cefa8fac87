// One MCP tool call as a usage ledger row (docs/usage.md#tool-calls): the client key, the server and tool, the
// outcome as its status, latency and bytes. Nothing of the arguments or the result.
import { randomUUID } from 'node:crypto';
import { NO_TOKENS, type UsageRow } from '../usage/row.ts';
import type { ToolCallFacts } from '../calls/tool-call.ts';
import { recordedName } from './names.ts';

export function toolCallRow(facts: ToolCallFacts): UsageRow {
  // A name a caller typed is kept, but bounded and printable: a refused call's tool may be anything.
  const tool = recordedName(facts.tool) || '-';
  const row: UsageRow = {
    id: facts.requestId === '' ? randomUUID() : `${facts.requestId}.${randomUUID().slice(0, 8)}`,
    at: facts.startedAt,
    client_key: facts.keyName ?? '',
    task: '',
    model: '',
    alias: '',
    route: '',
    credential: facts.credential ?? '',
    attempts: facts.outcome === 'refused' || facts.outcome === 'budget' ? 0 : 1,
    ...NO_TOKENS,
    estimated: false,
    cost_usd: null,
    status: facts.outcome,
    failure_kind: '',
    latency_ms: facts.latencyMs,
    ttft_ms: null,
    stream_end: '',
    charges: [],
    mcp_server: recordedName(facts.server),
    tool,
    request_bytes: facts.requestBytes,
    response_bytes: facts.responseBytes,
  };
  if (facts.user !== undefined) row.user = facts.user;
  return row;
}
