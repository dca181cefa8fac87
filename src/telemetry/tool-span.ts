// The OpenTelemetry span of one MCP tool call through /mcp: `execute_tool {tool}` with the GenAI conventions' tool
// attributes and MCP's method name, made once the call's facts are known (docs/mcp.md#usage-and-observability-of-tool-calls). Never the
// arguments or the result.
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import type { ToolCallFacts } from '../calls/tool-call.ts';
import { VERSION } from '../version.ts';
import { tracingOn } from './active.ts';
import { SCOPE } from './semconv.ts';

export const TOOL_ATTR = {
  operation: 'gen_ai.operation.name',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  mcpMethod: 'mcp.method.name',
  errorType: 'error.type',
  clientKey: 'switchyard.client_key',
  endUser: 'enduser.id',
  server: 'switchyard.mcp.server',
  outcome: 'switchyard.mcp.outcome',
  requestBytes: 'switchyard.mcp.request_bytes',
  responseBytes: 'switchyard.mcp.response_bytes',
  credential: 'switchyard.mcp.credential',
} as const;

/** Records a finished tool call as a span under whatever context is active (the /mcp request's). */
export function recordToolSpan(facts: ToolCallFacts, toolName: string): void {
  if (!tracingOn()) return;
  const attributes: Attributes = {
    [TOOL_ATTR.operation]: 'execute_tool',
    [TOOL_ATTR.toolName]: toolName,
    [TOOL_ATTR.toolCallId]: facts.requestId,
    // An MCP server's tool runs outside the agent: the conventions' "extension".
    [TOOL_ATTR.toolType]: 'extension',
    [TOOL_ATTR.mcpMethod]: 'tools/call',
    [TOOL_ATTR.server]: facts.server,
    [TOOL_ATTR.outcome]: facts.outcome,
    [TOOL_ATTR.requestBytes]: facts.requestBytes,
    [TOOL_ATTR.responseBytes]: facts.responseBytes,
  };
  if (facts.keyName !== undefined) attributes[TOOL_ATTR.clientKey] = facts.keyName;
  if (facts.spanUser !== undefined) attributes[TOOL_ATTR.endUser] = facts.spanUser;
  if (facts.credential !== undefined) attributes[TOOL_ATTR.credential] = facts.credential;
  if (facts.outcome !== 'ok') attributes[TOOL_ATTR.errorType] = facts.outcome;
  const span = trace
    .getTracer(SCOPE, VERSION)
    .startSpan(
      `execute_tool ${toolName}`,
      { kind: SpanKind.INTERNAL, startTime: facts.startedAt, attributes },
      context.active(),
    );
  if (facts.outcome !== 'ok')
    span.setStatus({ code: SpanStatusCode.ERROR, ...(facts.error !== undefined ? { message: facts.error } : {}) });
  span.end(facts.startedAt + facts.latencyMs);
}
