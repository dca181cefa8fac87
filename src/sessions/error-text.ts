// Telling the user why something failed: the routing error's explanation when there is one, never a stack trace,
// never a secret. Not clipped: upstream messages are already bounded where they are read (src/errors/error-body.ts),
// and a reason cut mid-word ("…so Switchyard can skip routes tha…") is worse than a long line.
import { scrubSecrets } from '../log.ts';
import { leadFailure, SwitchyardError } from '../routing/errors.ts';

/** One line: the lead reason (for notices, and the `error` of `chat -m --json`). */
export function explainError(err: unknown): string {
  return oneLine(rawExplanation(err));
}

/**
 * The explanation as lines: when several routes failed, a headline and then one line per route in the order
 * tried, each with its own reason, so the failure is not blamed on the one route a lead line would name.
 */
export function explainErrorLines(err: unknown): string[] {
  if (!SwitchyardError.isInstance(err) || err.failures.length < 2) return [explainError(err)];
  return [
    `${err.task}: every route failed`,
    ...err.failures.map((f, i) => `  ${i + 1}. ${oneLine(`${f.route}: ${f.explanation}`)}`),
  ];
}

/**
 * One line for a background task that failed (the title, a summary), where there is room for one line only: every
 * route in the order tried with what happened there, so a timeout on the first route is not hidden behind the
 * fallback's key problem that leads the explanation. The lead failure (the most useful, see EXPLANATION_RANK) keeps
 * its whole explanation, hint included; the others say what happened and leave out their hint.
 */
export function explainErrorInline(err: unknown): string {
  if (!SwitchyardError.isInstance(err) || err.failures.length < 2) return explainError(err);
  const lead = leadFailure(err.failures);
  const routes = err.failures.map(
    (f, i) => `${i + 1}. ${atRoute(f.route, f === lead ? f.explanation : whatHappened(f.explanation))}`,
  );
  return oneLine(`${err.task}: every route failed: ${routes.join('; ')}`);
}

/** `openai/gpt-4o-mini did not answer within 15s` rather than naming the route twice. */
function atRoute(route: string, text: string): string {
  return text.startsWith(`${route} `) ? text : `${route}: ${text}`;
}

/**
 * An explanation without its hint: they read "what happened — what to do" (src/errors/messages.ts), so this is the
 * text before the first " — " that is not inside a quoted provider message in parentheses.
 */
function whatHappened(explanation: string): string {
  let depth = 0;
  for (let i = 0; i < explanation.length; i++) {
    const c = explanation[i];
    if (c === '(') depth += 1;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && explanation.startsWith(' — ', i)) return explanation.slice(0, i);
  }
  return explanation;
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
  // A failed call's explanation leads with the most useful reason; its first line is that reason.
  if (SwitchyardError.isInstance(err)) return firstLine(err.explanation);
  if (err instanceof Error) return firstLine(err.message);
  return String(err);
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim().length > 0) ?? text;
}
