// "Did you mean …?" for unknown keys and provider names: the nearest valid spelling by edit distance.

/** Levenshtein distance with adjacent transpositions counting as one edit (`fallbakc` → `fallback`). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `input` if it is a plausible typo (edits up to a third of the longer word), ignoring case
 * and `-`/`_`. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const score = norm(candidate) === norm(input) ? 0 : editDistance(input.toLowerCase(), candidate.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(input.length, candidate.length) / 3));
    if (score <= limit && score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best ?? byPrefix(input, candidates);
}

/** `fallback_chain` where only `fallback` exists, `context` for `context_window`: one word is the other's stem. */
function byPrefix(input: string, candidates: readonly string[]): string | undefined {
  const a = input.toLowerCase();
  for (const candidate of candidates) {
    const b = candidate.toLowerCase();
    const [short, long] = a.length < b.length ? [a, b] : [b, a];
    if (short.length >= 4 && short !== long && (long.startsWith(`${short}_`) || long.startsWith(`${short}-`)))
      return candidate;
  }
  return undefined;
}

/** ` (did you mean `x`?)` or an empty string. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const hit = closest(input, candidates);
  return hit === undefined ? '' : ` (did you mean \`${hit}\`?)`;
}
