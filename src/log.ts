// Structured logs (pino) with redaction on. Secrets never reach a log line: known secret-bearing keys are
// redacted by path, and every line is scrubbed of any string that looks like an API key.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'apiKey', 'api_key', 'secret', 'authorization', 'Authorization', '*.apiKey', '*.api_key', '*.secret',
  '*.authorization', '*.Authorization', 'req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization',
  'headers["x-api-key"]',
];

/** Replaces things shaped like API keys with a masked form. Last line of defence, not the first. */
export function scrubSecrets(text: string): string {
  return text.replace(/\b((?:sk|pk|rk|key|sy)[-_][A-Za-z0-9_-]{4,})([A-Za-z0-9]{4})\b/g, (_m, _head: string, tail: string) => `…${tail}`);
}

export function createLogger(options: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'switchyard',
      level: options.level ?? process.env['SWITCHYARD_LOG_LEVEL'] ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        streamWrite: (line: string) => scrubSecrets(line),
      },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that writes nothing: for library use without logging. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
