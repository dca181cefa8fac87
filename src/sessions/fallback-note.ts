// When another route than the first answered, one line says which was set aside and why, naming the key as the error
// explanations do, so the user learns what to fix instead of never hearing of it.
import { describeKey } from '../credentials/describe.ts';
import { RESENT_OUTCOMES, type Attempt, type UnusableKey } from '../calls/types.ts';

/** A route set aside, in words: what it met, what to do about it, and its provider (for `auth explain`). */
interface SetAside {
  what: string;
  hint: string;
  provider: string;
}

type Words = (a: Attempt, key: string) => { what: string; hint: string };

const authExplain = (a: Attempt): string => `\`switchyard auth explain ${a.provider}\``;

/** Skipped without a call because no key of the provider is usable (known rejected, cooling): a key problem seen
 * from a later call. */
const skippedUnusable = (a: Attempt): boolean => a.outcome === 'skipped' && a.skip === 'no_usable_key';

/** A skipped route's keys with their real state (`rate-limited until 10:32:10`, `out of quota until …`, `rejected
 * (never accepted)`), as the trail recorded them: "rejected or cooling" left the user to guess which, and until when. */
function unusableKeys(a: Attempt): string {
  const keys = a.unusable_keys ?? [];
  // A key's parts joined with "; " ("…; next probe at …") would read as the start of the next route's reason.
  const why = (k: UnusableKey): string => k.why_parts.join(', ');
  const [only] = keys;
  if (only === undefined) return `every key for ${a.provider} is set aside`;
  if (keys.length === 1)
    return `${a.provider} key ${describeKey({ masked: only.masked, sources: only.from })} is set aside: ${why(only)}`;
  return `every key for ${a.provider} is set aside: ${keys.map((k) => `${describeKey({ masked: k.masked, sources: k.from })} ${why(k)}`).join(', ')}`;
}

/** What set a route aside; the first row that applies gives its words. Timeouts and server errors get no note: the
 * next call may not meet them. */
export const SET_ASIDE_REASONS: readonly { applies: (a: Attempt) => boolean; words: Words }[] = [
  {
    applies: (a) => a.outcome === 'auth_rejected',
    words: (a, key) => ({ what: `${a.provider} rejected ${key}`, hint: authExplain(a) }),
  },
  {
    applies: (a) => a.outcome === 'quota',
    words: (a, key) => ({ what: `${a.provider} ${key} is out of quota`, hint: authExplain(a) }),
  },
  {
    applies: (a) => a.outcome === 'auth_missing',
    words: (a) => ({ what: `no API key for ${a.provider}`, hint: authExplain(a) }),
  },
  { applies: skippedUnusable, words: (a) => ({ what: unusableKeys(a), hint: authExplain(a) }) },
  {
    applies: (a) => a.outcome === 'not_found' && a.refusal === 'model_access',
    words: (a, key) => ({
      what: `${a.provider} does not allow ${key} to use model "${a.model}"`,
      hint: `the key stays in use for its other models; give its organisation or project access to the model with ${a.provider}, or name another model — \`switchyard auth test ${a.provider}\``,
    }),
  },
  {
    applies: (a) => a.outcome === 'not_found' && a.refusal === 'region',
    words: (a) => ({
      what: `${a.provider} does not serve the country or region this request comes from`,
      hint: `the key was not judged; send from a region ${a.provider} supports (a server there, or a proxy there set as providers.${a.provider}.proxy), or put another provider first`,
    }),
  },
  {
    applies: (a) => a.outcome === 'not_found' && a.refusal === undefined && a.credential !== undefined,
    words: (a) => ({
      what: `${a.provider} does not know model "${a.model}"`,
      hint: `check the model name; \`switchyard doctor\` lists the models ${a.provider} offers`,
    }),
  },
];

/** The first attempt of another route than the one that answered that a reason describes, in words. */
function setAside(trail: readonly Attempt[], answeredBy: string): SetAside | undefined {
  for (const a of trail) {
    if (a.route === answeredBy) continue;
    const aside = inWords(a);
    if (aside) return aside;
  }
  return undefined;
}

function inWords(a: Attempt): SetAside | undefined {
  const reason = SET_ASIDE_REASONS.find((r) => r.applies(a));
  if (!reason) return undefined;
  const key = a.credential
    ? `key ${describeKey({ masked: a.credential.masked, sources: a.credential.from })}`
    : 'its key';
  return { ...reason.words(a, key), provider: a.provider };
}

/** On the route that answered, a key given up for another one — a task's own key rejected, then the provider's
 * answering: the answer came, but not from the key the config meant for it (which may be billed elsewhere). */
function rotatedAway(trail: readonly Attempt[], answeredBy: string): SetAside | undefined {
  const answered = trail.findLast((a) => a.route === answeredBy && a.outcome === 'ok')?.credential?.fingerprint;
  for (const a of trail) {
    if (a.route !== answeredBy || a.credential === undefined || a.credential.fingerprint === answered) continue;
    const aside = inWords(a);
    if (aside) return { ...aside, what: `${aside.what}, and another key of ${a.provider} answered` };
  }
  return undefined;
}

/** Why an answer came from a later route: the words, and the provider they are about (a note said about a provider
 * once is not repeated for a background task that met the same thing). */
export interface FallbackReason {
  text: string;
  provider: string;
}

/** The chat's answer came from a fallback because a route was set aside (its key, a model it may not use, a region
 * the provider refuses, a model it does not know): said once per session. */
export function setAsideNote(trail: readonly Attempt[], answeredBy: string): FallbackReason | undefined {
  const aside = setAside(trail, answeredBy);
  return (
    aside && { text: `note: ${aside.what}; answering from ${answeredBy} — ${aside.hint}`, provider: aside.provider }
  );
}

/** Why the first route or key did not answer a background task that succeeded later; undefined when it did. */
export function fallbackReason(trail: readonly Attempt[], answeredBy: string): FallbackReason | undefined {
  // Every route tried before the one that answered, each once, in the order tried: a title provider and the
  // fallback behind it may both be broken, and naming the first alone left the second unnoticed.
  const said: FallbackReason[] = [];
  for (const route of new Set(trail.map((a) => a.route))) {
    if (route === answeredBy) continue;
    const reason = routeReason(trail, route, said.length === 0);
    if (reason !== undefined) said.push(reason);
  }
  const rotated = rotatedAway(trail, answeredBy);
  if (rotated) said.push({ text: `${rotated.what} — ${rotated.hint}`, provider: rotated.provider });
  const [first] = said;
  return first && { text: said.map((r) => r.text).join('; '), provider: first.provider };
}

/** Attempts that are not why a route failed: answered, not sent, cancelled, or the route carrying on (RESENT_OUTCOMES). */
const NOT_WHY = new Set<string>(['ok', 'skipped', 'cancelled', ...RESENT_OUTCOMES]);

/** Why one route did not answer: what set it aside, or else the first thing that went wrong there. */
function routeReason(trail: readonly Attempt[], route: string, first: boolean): FallbackReason | undefined {
  const attempts = trail.filter((a) => a.route === route);
  for (const a of attempts) {
    const aside = inWords(a);
    if (aside) return { text: `${aside.what} — ${aside.hint}`, provider: aside.provider };
  }
  const failed = attempts.find((a) => !NOT_WHY.has(a.outcome));
  return (
    failed && {
      text: `${failed.route} failed${first ? ' first' : ''}: ${failed.message ?? failed.outcome.replace(/_/g, ' ')}`,
      provider: failed.provider,
    }
  );
}
