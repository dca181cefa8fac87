// Telling the user why something failed: the routing error's explanation when there is one, never a stack trace,
// never a secret. Not clipped: upstream messages are already bounded where they are read (src/errors/error-body.ts),
// and a reason cut mid-word ("…so Switchyard can skip routes tha…") is worse than a long line.
import { scrubSecrets } from '../log.ts';
import { SwitchyardError } from '../routing/errors.ts';

/** One line: the lead reason (for notices, titles kept, compression markers). */
export function explainError(err: unknown): string {
  return oneLine(rawExplanation(err));
}

/**
 * The explanation as lines: when several routes failed, a headline and then one line per route in the order
 * tried, each with its own reason, so the failure is not blamed on the one route a lead line would name.
 */
export function explainErrorLines(err: unknown): string[] {
  if (!SwitchyardError.isInstance(err) || err.failures.length < 2) return [explainError(err)];
  return [`${err.task}: every route failed`, ...err.failures.map((f, i) => `  ${i + 1}. ${oneLine(`${f.route}: ${f.explanation}`)}`)];
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' — ').replace(/\s+/g, ' ').trim();
  return scrubSecrets(flat.length > 0 ? flat : 'unknown error');
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
