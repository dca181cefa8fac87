// Finding one record by what a user typed: an exact ID, an exact label/name, or a unique prefix of the ID (IDs are
// fingerprints, and nobody wants to type twelve hex digits). An ambiguous prefix is a usage error, not a guess.
import { UserError } from '../user-error.ts';

export const MIN_PREFIX = 4;

export function matchOne<T extends { id: string }>(
  items: T[],
  query: string,
  labelOf: (item: T) => string | undefined,
  what: string,
): T | undefined {
  const exact = items.find((i) => i.id === query) ?? items.find((i) => labelOf(i) === query);
  if (exact) return exact;
  if (query.length < MIN_PREFIX) return undefined;
  const byPrefix = items.filter((i) => i.id.startsWith(query));
  if (byPrefix.length > 1) {
    throw new UserError(
      `"${query}" matches ${byPrefix.length} of ${what}s (${byPrefix.map((i) => i.id).join(', ')}); type more of the ID`,
    );
  }
  return byPrefix[0];
}

/** Why a short query matched nothing although IDs start with it: prefixes shorter than MIN_PREFIX are not tried
 * (two characters would pick a key almost at random). Empty when that is not the reason. */
export function shortPrefixHint(ids: readonly string[], query: string): string {
  if (query.length >= MIN_PREFIX || !ids.some((id) => id.startsWith(query))) return '';
  return ` (an ID prefix needs ${MIN_PREFIX} or more characters)`;
}
