// How a long-running process's log lines look: `json` (one pino object per line: what journald, a pipe or a log
// shipper reads) or `pretty` (pino-pretty's coloured one-line form, for a person at a terminal). Pretty is the
// default on a terminal, JSON elsewhere (systemd, pipes, files). Lines are made, redacted and scrubbed as JSON first
// (log.ts); pretty (log-pretty.ts) only re-renders that JSON, so what it shows is what JSON would have held.
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Pretty when the logs go to a terminal, JSON when they go anywhere else. */
export function defaultLogFormat(stream: { isTTY?: boolean }): LogFormat {
  return stream.isTTY === true ? 'pretty' : 'json';
}
