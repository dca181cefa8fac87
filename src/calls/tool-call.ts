// What one MCP `tools/call` was, as the ledger, metrics, log and span read it: a call's facts, like a model call's
// record, kept below mcp/ and telemetry/ so both read them without importing each other.
export type ToolCallOutcome = 'ok' | 'tool_error' | 'refused' | 'budget' | 'timeout' | 'upstream_error';

/** One `tools/call`, as the ledger, metrics, log and span read it. Arguments and results are never in it. */
export interface ToolCallFacts {
  readonly requestId: string;
  readonly keyName: string | undefined;
  /** The end user behind the key, as the ledger keeps it. */
  readonly user?: string | undefined;
  /** The end user the call's span may name (`enduser.id`): only where the operator allows it. */
  readonly spanUser?: string | undefined;
  readonly server: string;
  /** The tool's name on its server (not namespaced). */
  readonly tool: string;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly latencyMs: number;
  readonly outcome: ToolCallOutcome;
  readonly requestBytes: number;
  readonly responseBytes: number;
  /** The credential used, by its label (never the secret). */
  readonly credential?: string;
  /** A short reason for a failed call (scrubbed of secrets). */
  readonly error?: string;
}
