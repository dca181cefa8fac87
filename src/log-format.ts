// How log lines look: `json` (for journald, pipes, shippers) or `pretty` (default on a terminal). Pretty only
// re-renders the redacted JSON, so it never shows more than JSON would.
import { batchedDestination, type BatchedDestination } from './log-destination.ts';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Pretty when the logs go to a terminal, JSON when they go anywhere else. */
export function defaultLogFormat(stream: { isTTY?: boolean }): LogFormat {
  return stream.isTTY === true ? 'pretty' : 'json';
}

/** Where a long-running process's lines go: stderr, in batches (log-destination.ts), rendered as `format` says. The
 * pretty renderer is loaded only when it is used. */
export async function stderrLogDestination(format: LogFormat): Promise<BatchedDestination> {
  const batched = batchedDestination({ dest: 2 });
  if (format !== 'pretty') return batched;
  const { prettyDestination } = await import('./log-pretty.ts');
  return prettyDestination(batched, { colorize: process.stderr.isTTY === true && !process.env['NO_COLOR'] });
}
