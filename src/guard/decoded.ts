// The second look, for a body whose raw text could hide a secret from the byte scan: a JSON escape spelling a plain
// character (`\u0041KIA…`), a zero-width character inside a key, or a look-alike (fullwidth, mathematical letters)
// that NFKC folds to ASCII. Only such a body is parsed, and its string values scanned once decoded and normalized.
import { isAscii } from 'node:buffer';
import { scanSecrets, type SecretHit } from './scan.ts';
import { redactHits } from './redact.ts';

/** A raw body needs the second look: an escape of a letter or a digit, or of a character NFKC or the zero-width strip
 * changes (`ESCAPE`), or such a character itself (`LOOK_ALIKE`). Ordinary text (accents, CJK, emoji, `\n`) does not. */
const ESCAPE =
  /\\u(?:00(?:3[0-9]|4[1-9a-fA-F]|5[0-9aA]|6[1-9a-fA-F]|7[0-9aA])|00[aA][dD]|200[b-fB-F]|206[0-4]|[fF][eE][fF][fF]|[fF][fF][0-5][0-9a-fA-F]|[dD]835|24[6-9a-eA-E][0-9a-fA-F])/;
const LOOK_ALIKE = /[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF\uFF01-\uFF5E\u2460-\u24FF\uD835]/;

/** Characters with no width that a secret may carry inside it unseen. */
const INVISIBLE = /[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF]/g;
const INVISIBLE_ONE = /^[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF]$/;

/** A small string (an MCP result's value) needs the second look: `indexOf` and the UTF-8 length are native loops,
 * many times a regex's speed. */
export function stringNeedsDecodedLook(text: string): boolean {
  if (text.includes('\\u') && ESCAPE.test(text)) return true;
  return Buffer.byteLength(text, 'utf8') !== text.length && LOOK_ALIKE.test(text);
}

const BACKSLASH_U = Buffer.from('\\u');
/** The UTF-8 lead bytes of LOOK_ALIKE's characters (U+00AD, U+2000–U+207F, U+2440–U+24FF, U+FEC0–U+FF7F, the
 * mathematical letters' U+1Dxxx): only where one stands is a character decoded and tested. */
const LEADS = [
  [0xc2, 0xad],
  [0xe2, 0x80],
  [0xe2, 0x81],
  [0xe2, 0x91],
  [0xe2, 0x92],
  [0xe2, 0x93],
  [0xef, 0xbb],
  [0xef, 0xbc],
  [0xef, 0xbd],
  [0xf0, 0x9d],
].map((b) => Buffer.from(b));

/** A body's bytes need the second look: an ASCII body only for an escape, else also for a look-alike's lead bytes
 * where the character there is one. A leading byte-order mark is no look-alike (JSON parsing drops it). */
export function needsDecodedLook(bytes: Buffer): boolean {
  for (let i = bytes.indexOf(BACKSLASH_U); i >= 0; i = bytes.indexOf(BACKSLASH_U, i + 2))
    if (ESCAPE.test(bytes.toString('latin1', i, i + 6))) return true;
  if (isAscii(bytes)) return false;
  const from = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (const lead of LEADS)
    for (let i = bytes.indexOf(lead, from); i >= 0; i = bytes.indexOf(lead, i + 1))
      if (LOOK_ALIKE.test(bytes.toString('utf8', i, i + 4))) return true;
  return false;
}

/** An escape left in a decoded value (a tool call's arguments are JSON in a string: escaped twice in the body) of a
 * letter, a digit or an invisible or look-alike character; other escapes stay, so the value's own JSON stays whole. */
const INNER_ESCAPE = /\\+u([0-9a-fA-F]{4})/g;

function unescapeInner(value: string): string {
  return value.replace(INNER_ESCAPE, (all, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return /[0-9A-Za-z]/.test(ch) || INVISIBLE_ONE.test(ch) || /[\uFF01-\uFF5E]/.test(ch) ? ch : all;
  });
}

/** A string value as the scanner should read it. */
export function normalized(value: string): string {
  const plain = value.includes('\\u') ? unescapeInner(value) : value;
  return plain.replace(INVISIBLE, '').normalize('NFKC');
}

/** A secret found in a decoded string value. */
export interface DecodedHit {
  path: string;
  hit: SecretHit;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Each string value's secrets the raw scan could not see (those spelled the same in `raw` it did see); with
 * `redact`, the values are replaced in `value` (the parsed body) by their redacted, normalized text. */
export function decodedHits(raw: string, value: Json, redact: boolean): DecodedHit[] {
  const out: DecodedHit[] = [];
  walk(value, '', (text, path, replace) => {
    const seen = normalized(text);
    const hits = scanSecrets(seen).filter((h) => !raw.includes(seen.slice(h.start, h.end)));
    if (hits.length === 0) return;
    for (const hit of hits) out.push({ path: path === '' ? '$' : path, hit });
    if (redact) replace(redactHits(seen, scanSecrets(seen)));
  });
  return out;
}

type Visit = (text: string, path: string, replace: (next: string) => void) => void;

function walk(value: Json, path: string, visit: Visit): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === 'string') visit(item, `${path}[${i}]`, (next) => (value[i] = next));
      else walk(item, `${path}[${i}]`, visit);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const item = value[key]!;
      const at = `${path === '' ? '' : `${path}.`}${/^[A-Za-z0-9_-]{1,64}$/.test(key) ? key : '*'}`;
      if (typeof item === 'string') visit(item, at, (next) => (value[key] = next));
      else walk(item, at, visit);
    }
  }
}
