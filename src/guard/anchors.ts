// The prefilter: where in a body a rule could match, found with native searches (`Buffer.indexOf`, or a string's
// `indexOf` on the answer side) for literals of two to four characters, each starting with a character rare in code
// and prose (in a small body or a short string, with one pass over it instead), and a few character checks at each
// place found. Only these places are handed to the precise rules (scan.ts). Single letters were searched before: each
// of their thousands of places in a 200 KB body cost a call.
import { KEYWORD_END } from './rules.ts';
import { literal, type Literal, type Text } from './text.ts';

/** A place worth the precise rules: a character a match there must hold (`at`), and whether it may be a key block. */
export interface Anchor {
  at: number;
  block: boolean;
}

type Add = (at: number, block?: boolean) => void;
/** What to do at a place a literal was found (`i`, its first character). */
type Visit = (text: Text, i: number, add: Add) => void;

/** Whether `text` holds `s` (ASCII) at `i`. */
function has(text: Text, i: number, s: string): boolean {
  for (let k = 0; k < s.length; k++) if (text.at(i + k) !== s.charCodeAt(k)) return false;
  return true;
}

const here: Visit = (_text, i, add) => add(i);

/** `AKIA`, `ASIA`, `ABIA`, at their `IA`. */
const aws: Visit = (text, i, add) => {
  const c = text.at(i - 1);
  if (text.at(i - 2) === 65 && (c === 75 || c === 83 || c === 66)) add(i);
};

/** `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`. */
const github: Visit = (text, i, add) => {
  const c = text.at(i + 2);
  if (text.at(i + 3) === 95 && (c === 112 || c === 111 || c === 117 || c === 115 || c === 114)) add(i);
};

const GITLAB = ['glpat-', 'glptt-', 'gldt-', 'glrt-'];
const gitlab: Visit = (text, i, add) => {
  if (GITLAB.some((p) => has(text, i, p))) add(i);
};

/** `sk_live_`, `rk_test_`, …, at their `k_`. */
const stripe: Visit = (text, i, add) => {
  const c = text.at(i - 1);
  if ((c === 115 || c === 114) && (has(text, i + 2, 'live_') || has(text, i + 2, 'test_'))) add(i);
};

/** `eyJ` of a JWT, at its `yJ` (`e` is the commonest letter: each one is a stop of the native search). */
const jwt: Visit = (text, i, add) => {
  if (text.at(i - 1) === 101) add(i);
};

/** `github_pat_`, at its `_pat_` (a literal of seven and more characters is searched more slowly). */
const githubPat: Visit = (text, i, add) => {
  if (has(text, i - 6, 'github')) add(i);
};

/** `sk-` of OpenAI's and Anthropic's keys, at its `k-`. */
const skDash: Visit = (text, i, add) => {
  if (text.at(i - 1) === 115) add(i);
};

const isNameChar = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** The `=` or `:` of an assignment after a keyword's letters from `j` (a few more letters, a quote as it stands in
 * a raw body or in escaped text, spaces), or -1. */
function signAfter(text: Text, j: number): number {
  let k = j;
  for (let n = 0; n < 8 && isNameChar(text.at(k)); n++) k++;
  if (text.at(k) === 92) {
    let slashes = 0;
    while (slashes < 3 && text.at(k) === 92) {
      k++;
      slashes++;
    }
    if (text.at(k) !== 34) return -1;
    k++;
  } else if (text.at(k) === 34 || text.at(k) === 39) k++;
  while (isSpace(text.at(k))) k++;
  const c = text.at(k);
  return c === 61 || c === 58 ? k : -1;
}

/** A keyword's letters at `i`: when an assignment follows (`password=`, `"client_secret": `, `\"token\":`) and a
 * keyword the generic rule knows ends right before it, its `=` or `:` is the anchor. */
const keyword: Visit = (text, i, add) => {
  const sign = signAfter(text, i + 1);
  if (sign >= 0 && KEYWORD_END.test(text.slice(sign - 24, sign))) add(sign);
};

/** `key` in any case: a private key block's `PRIVATE KEY`, Azure's `AccountKey=`/`SharedAccessKey=`, a service
 * account's `private_key_id`, or a keyword. */
const key: Visit = (text, i, add) => {
  if (has(text, i - 8, 'PRIVATE ')) return add(i, true);
  if ((has(text, i - 7, 'Account') || has(text, i - 12, 'SharedAccess')) && text.at(i + 3) === 61) add(i);
  else if (has(text, i - 8, 'private_') && has(text, i + 3, '_id')) add(i);
  keyword(text, i, add);
};

/** Each literal and what to check where it is found. The keywords' literals cover their usual spellings (lower,
 * UPPER, Capitalized inside camelCase): `password`/`passwd`/`pwd` by `wor`/`wd`, `secret` by `cret`, `token` by
 * `ken`, `key` (and `api_key`, `access_key`, …) by `key`. */
const ANCHORS: readonly (readonly [Literal, Visit])[] = (
  [
    ['IA', aws],
    ['ACCA', here],
    ['A3T', here],
    ['AIza', here],
    ['xox', here],
    ['_pat_', githubPat],
    ['yJ', jwt],
    ['gh', github],
    ['gl', gitlab],
    ['k_', stripe],
    ['k-', skDash],
    ['wor', keyword],
    ['wd', keyword],
    ['Wor', keyword],
    ['Wd', keyword],
    ['WOR', keyword],
    ['WD', keyword],
    ['cret', keyword],
    ['CRET', keyword],
    ['ken', keyword],
    ['KEN', keyword],
    ['key', key],
    ['Key', key],
    ['KEY', key],
  ] as const
).map(([s, visit]) => [literal(s), visit] as const);

/** Below this length one pass in JS over a body's bytes costs less than a native search per literal: each of the ~24
 * `Buffer.indexOf` calls costs about a thousand instructions before it reads a byte (bench/README.md, the guard). */
export const ONE_PASS_BELOW = 768;
/** The same for a string, whose pass reads ~4 ns a character of prose against ~300 ns and ~1.4 ns a character for
 * the searches: even at about 110 characters. */
export const STRING_PASS_BELOW = 112;

/** Every anchor in `text`, in order. */
export function findAnchors(text: Text): Anchor[] {
  return text.length < (text.bytes !== undefined ? ONE_PASS_BELOW : STRING_PASS_BELOW)
    ? anchorsByPass(text)
    : anchorsBySearch(text);
}

/** A native search per literal, each place visited: for a text of any length. */
export function anchorsBySearch(text: Text): Anchor[] {
  const out: Anchor[] = [];
  const add: Add = (at, block = false) => void out.push({ at, block });
  for (const [lit, visit] of ANCHORS)
    for (let i = text.find(lit, 0); i >= 0; i = text.find(lit, i + 1)) visit(text, i, add);
  return out.sort((a, b) => a.at - b.at);
}

/** Which literals (their index in ANCHORS) start with each ASCII character. */
const BY_FIRST: readonly (readonly number[] | undefined)[] = (() => {
  const table: number[][] = [];
  ANCHORS.forEach(([lit], k) => (table[lit.text.charCodeAt(0)] ??= []).push(k));
  return table;
})();

/** An anchor found by the pass, with the literal that found it: the order anchorsBySearch gives is by place, then
 * literal, then where the literal was found. */
interface Found extends Anchor {
  lit: number;
}

/** The same anchors as anchorsBySearch, in the same order, from one pass over a body's bytes or a string's
 * characters. */
export function anchorsByPass(text: Text): Anchor[] {
  const bytes = text.bytes;
  const chars = text.chars ?? '';
  const length = text.length;
  const out: Found[] = [];
  let lit = 0;
  const add: Add = (at, block = false) => void out.push({ at, block, lit });
  for (let i = 0; i < length; i++) {
    const c = bytes !== undefined ? bytes[i]! : chars.charCodeAt(i);
    // A literal is ASCII: a string's other characters start none (and would read past the table).
    const candidates = c < 128 ? BY_FIRST[c] : undefined;
    if (candidates === undefined) continue;
    for (let k = 0; k < candidates.length; k++) {
      const index = candidates[k]!;
      const anchor = ANCHORS[index]!;
      if (!startsAt(bytes, chars, length, i, anchor[0].bytes)) continue;
      lit = index;
      anchor[1](text, i, add);
    }
  }
  return out.sort((a, b) => a.at - b.at || a.lit - b.lit);
}

/** Whether the bytes (or else the characters) hold `lit` at `i`, its first one already compared. */
function startsAt(bytes: Uint8Array | undefined, chars: string, length: number, i: number, lit: Uint8Array): boolean {
  if (i + lit.length > length) return false;
  for (let k = 1; k < lit.length; k++)
    if ((bytes !== undefined ? bytes[i + k] : chars.charCodeAt(i + k)) !== lit[k]) return false;
  return true;
}
