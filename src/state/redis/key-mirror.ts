// The client keys a replica last read from Redis, mirrored to a file so a replica started during an outage still
// knows them (docs/replicas.md#several-replicas-shared-state-in-redis). Hashes only, 0600, written whole.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { GatewayKeyRecord } from '../types.ts';
import { hasGatewayKeyFields } from './shared-state.ts';

export const KEY_MIRROR_FILE = 'shared-client-keys.json';

function isRecord(v: unknown): v is GatewayKeyRecord {
  return (
    typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' && hasGatewayKeyFields(v)
  );
}

/** The mirrored records, or undefined when there is none usable, including one from another Redis than `source`
 * (a cloned repository's config must not leave its keys behind). */
export function readKeyMirror(path: string, source: string): GatewayKeyRecord[] | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { source?: unknown; keys?: unknown };
    if (parsed.source !== source) return undefined;
    return Array.isArray(parsed.keys) ? parsed.keys.filter(isRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** What a mirror must change for: a key added or revoked, or its MCP allow-list set. `last_used_at` moves every minute and is no reason. */
export function mirrorSignature(records: Iterable<GatewayKeyRecord>): string {
  return [...records]
    .map((k) => `${k.id}:${k.revoked_at ?? ''}:${k.mcp_updated_at ?? ''}`)
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
