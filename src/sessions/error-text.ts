// Telling the user why something failed: the routing error's explanation when there is one, never a stack trace,
// never a secret. Not clipped: upstream messages are already bounded where they are read (src/errors/error-body.ts),
// and a reason cut mid-word ("…so Switchyard can skip routes tha…") is worse than a long line.
import { scrubSecrets } from '../log.ts';
import { leadFailure, SwitchyardError, type RouteFailure } from '../routing/errors.ts';
import { whatHappened } from '../errors/explanation.ts';

/** One line: the lead reason (for notices, and the `error` of `chat -m --json`). */
export function explainError(err: unknown): string {
  return oneLine(rawExplanation(err));
}

/** The explanation as lines: a headline, then one line per route tried, so the failure is not blamed on one route. */
export function explainErrorLines(err: unknown): string[] {
  if (!SwitchyardError.isInstance(err) || err.failures.length < 2) return [explainError(err)];
  return [
    `${err.task}: every route failed`,
    ...err.failures.map((f, i) => `  ${i + 1}. ${oneLine(`${f.route}: ${f.explanation}`)}`),
  ];
}

/** One line for a failed background task, naming every route tried, so a first route's timeout is not hidden behind
 * a fallback's key problem. Only the lead failure keeps its hint. */
export function explainErrorInline(err: unknown): string {
  if (!SwitchyardError.isInstance(err) || err.failures.length < 2) return explainError(err);
  const lead = leadFailure(err.failures);
  const routes = err.failures.map(
    (f, i) => `${i + 1}. ${atRoute(f, f === lead || !f.explained ? f.explanation : whatHappened(f.explained))}`,
  );
  return oneLine(`${err.task}: every route failed: ${routes.join('; ')}`);
}

/** `openai/gpt-4o-mini did not answer within 15s` rather than naming the route twice: the explanation's value says
 * whether its headline opens with the route. */
function atRoute(f: RouteFailure, text: string): string {
  return f.explained?.route === f.route ? text : `${f.route}: ${text}`;
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

function oneLine(text: string): string {
  const flat = text
    .replace(/\s*\n\s*/g, ' — ')
    .replace(/\s+/g, ' ')
    .trim();
  return scrubSecrets(flat.length > 0 ? flat : 'unknown error');
}

function rawExplanation(err: unknown): string {
  // A failed call's explanation leads with the most useful reason: its headline, before a line per route.
  if (SwitchyardError.isInstance(err)) return err.headline;
  if (err instanceof Error) return firstLine(err.message);
  return String(err);
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim().length > 0) ?? text;
}
