// How a long-running process's log lines look: `json` (one pino object per line: what journald, a pipe or a log
// shipper reads) or `pretty` (pino-pretty's coloured one-line form, for a person at a terminal). Pretty is the
// default on a terminal, JSON elsewhere (systemd, pipes, files). Lines are made, redacted and scrubbed as JSON first
// (log.ts); pretty (log-pretty.ts) only re-renders that JSON, so what it shows is what JSON would have held.
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
