// The headers a 429 carries to say when to come back, in each provider's own convention.
import type { ResetHeader } from './scenario.ts';

/** OpenAI's `x-ratelimit-reset-*` spelling: `250ms`, `30s`, `1m30s`, `6.5s`. */
export function openAiResetText(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms - minutes * 60_000) / 10) / 100;
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

const WRITERS: Record<ResetHeader, (ms: number, now: number) => [string, string]> = {
  'retry-after': (ms) => ['retry-after', String(Math.max(1, Math.ceil(ms / 1000)))],
  'retry-after-ms': (ms) => ['retry-after-ms', String(Math.max(0, Math.round(ms)))],
  // An HTTP date is only precise to the second: round up so a client that honours it is never early.
  'retry-after-date': (ms, now) => ['retry-after', new Date(Math.ceil((now + ms) / 1000) * 1000).toUTCString()],
  'x-ratelimit-reset-requests': (ms) => ['x-ratelimit-reset-requests', openAiResetText(ms)],
  'x-ratelimit-reset-tokens': (ms) => ['x-ratelimit-reset-tokens', openAiResetText(ms)],
  'anthropic-ratelimit-requests-reset': (ms, now) => [
    'anthropic-ratelimit-requests-reset',
    new Date(now + ms).toISOString(),
  ],
};

export function resetHeaders(names: readonly ResetHeader[], remainingMs: number, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const [header, value] = WRITERS[name](remainingMs, now);
    headers[header] = value;
  }
  return headers;
}
