// Gateway client keys: `sy-<random>`, shown once at creation, stored only as a sha256 hash (docs/security.md).
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { GatewayKeyRecord } from '../../state/types.ts';

export const KEY_PREFIX = 'sy-';

/** A new client key: 40 hex characters of randomness (160 bits) after `sy-`. Hex keeps it shell- and log-safe. */
export function generateKey(): string {
  return `${KEY_PREFIX}${randomBytes(20).toString('hex')}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh record for `key`; the key itself is not in it. `prefix` lets `keys list` show which key is which. */
export function newKeyRecord(key: string, name: string, now: number = Date.now()): GatewayKeyRecord {
  return {
    id: randomBytes(4).toString('hex'),
    name,
    hash: hashKey(key),
    prefix: key.slice(0, KEY_PREFIX.length + 6),
    created_at: now,
  };
}

/** Compares against every active key without stopping at a match, so timing reveals nothing. */
export function matchKey(
  presented: string,
  records: readonly { hash: Buffer; record: GatewayKeyRecord }[],
): GatewayKeyRecord | undefined {
  // One-shot hash: half the cost of a Hash object, and this runs on every API request.
  const digest = hash('sha256', presented, 'buffer');
  let found: GatewayKeyRecord | undefined;
  for (const entry of records) {
    if (timingSafeEqual(digest, entry.hash) && !found) found = entry.record;
  }
  return found;
}

/** Constant-time equality of two secrets of any length (compares their sha256 digests). */
export function secretsEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** Reads the key a client presented: `Authorization: Bearer …` (OpenAI SDK) or `x-api-key` (Anthropic SDK). */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1]) return m[1];
  }
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.trim() !== '') return x.trim();
  return undefined;
}
