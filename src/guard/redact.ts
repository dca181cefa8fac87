// What a redacted secret becomes: a typed placeholder the model can still reason about (`[redacted aws_access_key
// …7Q2A]`), with the last four characters only for a long token whose tail gives nothing away.
import type { SecretHit } from './scan.ts';
import type { SecretRule } from './rules.ts';

/** A tail is shown only for a secret at least this long: four characters of it leave 2^80 and more to guess. */
const TAIL_MIN_LENGTH = 20;

/** The placeholder for `secret`: no quote or backslash, so it stands in a JSON string's raw text as it is. */
export function placeholder(rule: SecretRule, secret: string): string {
  const tail = rule.tail === 'last4' && secret.length >= TAIL_MIN_LENGTH ? secret.slice(-4) : '';
  return /^[A-Za-z0-9_-]{4}$/.test(tail) ? `[redacted ${rule.type} …${tail}]` : `[redacted ${rule.type}]`;
}

/** `bytes` with every hit (at byte offsets) replaced by its placeholder; the same Buffer when there is none. */
export function redactBytes(bytes: Buffer, hits: readonly SecretHit[]): Buffer {
  if (hits.length === 0) return bytes;
  const parts: Buffer[] = [];
  let at = 0;
  for (const hit of hits) {
    // A secret is ASCII (rules.ts), so its latin1 reading is its text.
    parts.push(
      bytes.subarray(at, hit.start),
      Buffer.from(placeholder(hit.rule, bytes.toString('latin1', hit.start, hit.end))),
    );
    at = hit.end;
  }
  parts.push(bytes.subarray(at));
  return Buffer.concat(parts);
}

/** `text` with every hit replaced by its placeholder. */
export function redactHits(text: string, hits: readonly SecretHit[]): string {
  let out = '';
  let at = 0;
  for (const hit of hits) {
    out += text.slice(at, hit.start) + placeholder(hit.rule, text.slice(hit.start, hit.end));
    at = hit.end;
  }
  return out + text.slice(at);
}
