// One short line that tells the user why something failed: the routing error's explanation when there is one,
// never a stack trace, never a secret.
import { scrubSecrets } from '../log.ts';
import { SwitchyardError } from '../routing/errors.ts';

/** Longest explanation we print on one line; the full trail is in `--json` and debug logs. */
const MAX_LINE = 400;

export function explainError(err: unknown): string {
  const text = rawExplanation(err);
  const oneLine = text.replace(/\s*\n\s*/g, ' — ').replace(/\s+/g, ' ').trim();
  const clipped = oneLine.length > MAX_LINE ? `${oneLine.slice(0, MAX_LINE - 1)}…` : oneLine;
  return scrubSecrets(clipped.length > 0 ? clipped : 'unknown error');
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

function rawExplanation(err: unknown): string {
  // A failed call's explanation leads with the most useful reason; its first line is that reason.
  if (SwitchyardError.isInstance(err)) return firstLine(err.explanation);
  if (err instanceof Error) return firstLine(err.message);
  return String(err);
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim().length > 0) ?? text;
}
