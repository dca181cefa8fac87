// A tool call's readers in one table, as a model call's are (library/call-readers.ts): the ledger row, the metric,
// the `execute_tool` span and the log line each read the call's facts through the queue model calls and gateway
// requests are read through (calls/record-queue.ts), each in its own `try`: one that throws is said once, and the
// call and the other readers go on. Read at once, not batched: the span's parent, the /mcp request's context, is
// active only on the call's own tick.
import type { Logger } from '../log.ts';
import type { ToolCallFacts } from '../calls/tool-call.ts';
import { BatchQueue, type Reader } from '../calls/record-queue.ts';
import { recordToolSpan } from '../telemetry/tool-span.ts';
import type { UsageRow } from '../usage/row.ts';
import { toolCallRow } from './tool-call-row.ts';

/** The readers of a tool call's facts, in this order. */
export const TOOL_CALL_READER_NAMES = ['ledger', 'metrics', 'telemetry', 'log'] as const;
export type ToolCallReaderName = (typeof TOOL_CALL_READER_NAMES)[number];

/** Where a tool call's facts go: the usage ledger's `record` when one is kept, Prometheus, the log. */
export interface ToolCallSinks {
  record?: ((row: UsageRow) => void) | undefined;
  /** The call's outcome, and its latency when it reached its server. */
  metric?: ((server: string, tool: string, outcome: string, seconds: number | undefined) => void) | undefined;
  logger: Logger;
}

/** Reached its server: neither refused by the allow-list nor by a budget. */
const reached = (facts: ToolCallFacts): boolean => facts.outcome !== 'refused' && facts.outcome !== 'budget';

function logLine(logger: Logger, facts: ToolCallFacts): void {
  logger.info(
    {
      request_id: facts.requestId,
      client_key: facts.keyName,
      mcp_server: facts.server,
      tool: facts.tool,
      outcome: facts.outcome,
      latency_ms: facts.latencyMs,
      request_bytes: facts.requestBytes,
      response_bytes: facts.responseBytes,
      ...(facts.credential !== undefined ? { credential: facts.credential } : {}),
      ...(facts.error !== undefined ? { error: facts.error } : {}),
    },
    'mcp tool call',
  );
}

/** The queue of tool calls for their readers; facts pushed carry the names as records keep them (names.ts). */
export function toolCallReaders(sinks: ToolCallSinks): BatchQueue<ToolCallFacts, ToolCallReaderName> {
  const readers: Record<ToolCallReaderName, Reader<ToolCallFacts, ToolCallReaderName>['read']> = {
    ledger: (f) => sinks.record?.(toolCallRow(f)),
    metrics: (f) => sinks.metric?.(f.server, f.tool, f.outcome, reached(f) ? f.latencyMs / 1000 : undefined),
    telemetry: (f) => recordToolSpan(f, `${f.server}__${f.tool}`),
    log: (f) => logLine(sinks.logger, f),
  };
  return new BatchQueue(
    TOOL_CALL_READER_NAMES.map((name) => ({ name, read: readers[name] })),
    (name, err) =>
      sinks.logger.error(
        { reader: name, error: err instanceof Error ? err.message : String(err) },
        `the MCP tool calls' ${name} reader failed (a bug: please report it); the calls and the other readers go on, and its later failures are not said again`,
      ),
    (read) => read(),
  );
}
