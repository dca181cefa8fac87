// The client keys a replica last read from Redis, kept in a file beside its state.db, so that a replica started
// while Redis is unreachable still knows them (docs/gateway.md: an outage degrades to local state, never to failed
// requests) — exactly as a replica that was running when Redis went away keeps the keys it last read. The records
// hold each key's sha256 (as Redis does), never a key; the file is written 0600 all the same, and whole (a temp file
// renamed into place), so a crash cannot leave half of it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { GatewayKeyRecord } from '../types.ts';
import { hasGatewayKeyFields } from './shared-state.ts';

export const KEY_MIRROR_FILE = 'shared-client-keys.json';

function isRecord(v: unknown): v is GatewayKeyRecord {
  return (
    typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' && hasGatewayKeyFields(v)
  );
}

/** The mirrored records, or undefined when there is no usable mirror: never written, damaged, or read from another
 * Redis than `source` (the Redis a ./switchyard.yaml of a cloned repository named must not leave keys behind for the
 * user's own). Then nothing is known, as before there was a mirror. */
export function readKeyMirror(path: string, source: string): GatewayKeyRecord[] | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { source?: unknown; keys?: unknown };
    if (parsed.source !== source) return undefined;
    return Array.isArray(parsed.keys) ? parsed.keys.filter(isRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** What a mirror must change for: a key added or revoked. `last_used_at` moves every minute and is no reason. */
export function mirrorSignature(records: Iterable<GatewayKeyRecord>): string {
  return [...records]
    .map((k) => `${k.id}:${k.revoked_at ?? ''}`)
    .sort()
    .join(',');
}

/** Writes the mirror; a failure (a read-only state directory) is reported to `warn` and changes nothing else. */
/** `source`: which Redis (and key prefix) the records were read from, the password masked. */
export function writeKeyMirror(
  path: string,
  source: string,
  records: Iterable<GatewayKeyRecord>,
  warn: (message: string) => void,
): void {
  try {
    writeFileSync(`${path}.tmp`, `${JSON.stringify({ source, keys: [...records] })}\n`, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  } catch (err) {
    warn(
      `could not keep a copy of the client keys read from Redis in ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); a replica restarted while Redis is unreachable will not know them`,
    );
  }
}
