// When an answer came from another route than the first one tried, the user would otherwise never learn that the
// first is broken: a main key that is dead, a title provider whose model is gone. One line says which route was
// set aside and why, the route that answered, and where to look. The key is named as the error explanations name it
// (masked, and where it is set: `sk-…a1b2 (from .env MIMO_API_KEY)`, `(stored "backup")`), so the line points at
// the variable or store entry to fix, not just its kind.
import { describeKey } from '../errors/explain-format.ts';
import type { Attempt } from '../routing/types.ts';

/** The first route set aside for its key, in words, and its provider (for `auth explain`). */
function keyProblem(trail: readonly Attempt[], answeredBy: string): { what: string; provider: string } | undefined {
  const aside = trail.find((a) => a.route !== answeredBy && isKeyProblem(a));
  if (!aside) return undefined;
  const key = aside.credential ? `key ${describeKey({ masked: aside.credential.masked, sources: aside.credential.from })}` : 'its key';
  const what =
    aside.outcome === 'auth_rejected' ? `${aside.provider} rejected ${key}`
    : aside.outcome === 'quota' ? `${aside.provider} ${key} is out of quota`
    : aside.outcome === 'auth_missing' ? `no API key for ${aside.provider}`
    : `every key for ${aside.provider} is set aside (rejected or cooling)`;
  return { what, provider: aside.provider };
}

function isKeyProblem(a: Attempt): boolean {
  if (a.outcome === 'auth_rejected' || a.outcome === 'quota' || a.outcome === 'auth_missing') return true;
  // Skipped without a call because no key of the provider is usable (known rejected, cooling): the same problem,
  // seen from a later call.
  return a.outcome === 'skipped' && a.credential === undefined && /unusable/.test(a.message ?? '');
}

/** Why an answer came from a later route: the words, and the provider they are about (a note said about a provider
 * once is not repeated for a background task that met the same thing). */
export interface FallbackReason {
  text: string;
  provider: string;
}

/** The chat's answer came from a fallback because a key was set aside: said once per session. */
export function setAsideNote(trail: readonly Attempt[], answeredBy: string): FallbackReason | undefined {
  const problem = keyProblem(trail, answeredBy);
  return problem && { text: `note: ${problem.what}; answering from ${answeredBy} — \`switchyard auth explain ${problem.provider}\``, provider: problem.provider };
}

/**
 * A background task (title, summary) succeeded from a later route: why the earlier one did not answer — its key
 * problem, or what went wrong there (a timeout, a model the provider does not have). Undefined when the first route
 * answered.
 */
export function fallbackReason(trail: readonly Attempt[], answeredBy: string): FallbackReason | undefined {
  const problem = keyProblem(trail, answeredBy);
  if (problem) return { text: `${problem.what} — \`switchyard auth explain ${problem.provider}\``, provider: problem.provider };
  // A lowered max_tokens is the route carrying on, not why it failed.
  const failed = trail.find((a) => a.route !== answeredBy && !['ok', 'skipped', 'cancelled', 'max_tokens_clamped'].includes(a.outcome));
  if (!failed) return undefined;
  return { text: `${failed.route} failed first: ${failed.message ?? failed.outcome.replace(/_/g, ' ')}`, provider: failed.provider };
}
