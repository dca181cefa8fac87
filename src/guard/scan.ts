// The secrets guard's scanner: the prefilter's anchors (anchors.ts), then the precise rules only in a window around
// each anchor found. A body with no anchor costs the prefilter's native searches and nothing else. One scanner for a
// request body's bytes and an answer's small strings (text.ts).
import { SECRET_RULES, type SecretRule } from './rules.ts';
import { findAnchors } from './anchors.ts';
import { bytesText, stringText, type Text } from './text.ts';

/** One secret found: where it is in what was scanned (the secret itself, not the key naming it); byte offsets in a
 * body's bytes, UTF-16 offsets in a string. */
export interface SecretHit {
  rule: SecretRule;
  start: number;
  end: number;
}

/** How far before an anchor a match may start (`aws_secret_access_key=` is anchored at its `access_key=`). */
const BEFORE = 64;
/** How far after an anchor a match may end: a token's length, or a private key block's (RSA 4096 with escapes). */
const AFTER = 600;
const AFTER_BLOCK = 16_384;

/** Each rule's pattern with the `g` flag, made once. */
const GLOBAL = new Map<SecretRule, RegExp>(
  SECRET_RULES.map((r) => [r, new RegExp(r.pattern.source, `${r.pattern.flags.replace('g', '')}g`)]),
);

/** Every secret in `bytes` (a request body as it came), at byte offsets. */
export function scanBytes(bytes: Buffer): SecretHit[] {
  return scanText(bytesText(bytes));
}

/** Every secret in `text` (an answer's piece, a decoded value), at string offsets. */
export function scanSecrets(text: string): SecretHit[] {
  return scanText(stringText(text));
}

/** Every secret in `text`, in order, none overlapping. A generic assignment's value (`GITHUB_TOKEN=ghp_…`) is named
 * by the specific rule that also finds it there. */
function scanText(text: Text): SecretHit[] {
  const hits: SecretHit[] = [];
  let covered = 0;
  for (const anchor of findAnchors(text)) {
    const last = hits[hits.length - 1];
    const inside = anchor.at < covered;
    if (inside && last?.rule.accept === undefined) continue;
    const found = secretAt(text, anchor.at, anchor.block);
    if (found === undefined) continue;
    if (inside) {
      if (found.rule.accept !== undefined) continue;
      hits.pop();
    }
    hits.push(found);
    covered = Math.max(covered, found.end);
  }
  return hits;
}

/** The first rule's secret whose match holds the anchor at `at`. */
function secretAt(text: Text, at: number, block: boolean): SecretHit | undefined {
  const from = Math.max(0, at - BEFORE);
  const to = Math.min(text.length, at + (block ? AFTER_BLOCK : AFTER));
  const window = text.slice(from, to);
  const rel = at - from;
  for (const rule of SECRET_RULES) {
    const hit = matchHolding(rule, window, rel);
    if (hit !== undefined) return { rule, start: from + hit.start, end: from + hit.end };
  }
  return undefined;
}

function matchHolding(rule: SecretRule, window: string, rel: number): { start: number; end: number } | undefined {
  const re = GLOBAL.get(rule)!;
  re.lastIndex = 0;
  for (let m = re.exec(window); m !== null; m = re.exec(window)) {
    if (m.index > rel) return undefined;
    const end = m.index + m[0].length;
    if (end <= rel) continue;
    const secret = m[1] ?? m[0];
    if (rule.accept !== undefined && !rule.accept(secret)) continue;
    const start = m[1] === undefined ? m.index : end - m[1].length;
    return { start, end };
  }
  return undefined;
}
