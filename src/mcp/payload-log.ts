// A tool call's arguments and result in the log, only when `mcp.log_arguments: true` (docs/mcp.md): scrubbed of key
// shapes and cut to a bound, on a line of their own so that the call's usual line never carries them.
import type { Logger } from '../log.ts';
import { scrubSecrets } from '../log.ts';

/** Characters of each of the arguments and the result kept in the line. */
const MAX_CHARS = 4_096;

function bounded(value: unknown): string {
  const text = scrubSecrets(JSON.stringify(value) ?? '');
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}… (${text.length} characters)` : text;
}

export function logToolPayload(
  logger: Logger,
  enabled: boolean,
  call: { requestId: string; server: string; tool: string },
  args: unknown,
  result: unknown,
): void {
  if (!enabled) return;
  logger.info(
    {
      request_id: call.requestId,
      mcp_server: call.server,
      tool: call.tool,
      arguments: bounded(args ?? {}),
      result: bounded(result),
    },
    'mcp tool call arguments (mcp.log_arguments)',
  );
}
