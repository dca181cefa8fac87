// How log lines look: `json` (for journald, pipes, shippers) or `pretty` (default on a terminal). Pretty only
// re-renders the redacted JSON, so it never shows more than JSON would.
import { batchedDestination, type BatchedDestination } from './log-destination.ts';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Pretty when the logs go to a terminal, JSON when they go anywhere else. */
export function defaultLogFormat(stream: { isTTY?: boolean }): LogFormat {
  return stream.isTTY === true ? 'pretty' : 'json';
}

/** The stderr a command writes to (the process's, or a test's for a command run in-process), and its environment. */
export interface LogStderr {
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** Where a long-running process's lines go: stderr, in batches (log-destination.ts), rendered as `format` says. The
 * pretty renderer is loaded only when it is used. */
export async function stderrLogDestination(
  format: LogFormat,
  io: LogStderr = { stderr: process.stderr, env: process.env },
): Promise<BatchedDestination> {
  // The process's own stderr is written by descriptor (pino's writer); another stream through its write().
  const batched = batchedDestination({ dest: io.stderr === process.stderr ? 2 : io.stderr });
  if (format !== 'pretty') return batched;
  const { prettyDestination } = await import('./log-pretty.ts');
  return prettyDestination(batched, { colorize: io.stderr.isTTY === true && !io.env['NO_COLOR'] });
}
