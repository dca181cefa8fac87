// Prompt-cache affinity records in memory, for the stores: a bounded LRU of prefix hashes (never the prompt's text),
// each forgotten at its expiry, with what was set here queued for the store's flush (docs/credentials.md#cache-affinity).
import { PendingWrites } from './pending-writes.ts';
import type { AffinityRecord } from './types.ts';

/** The default bound until the config sets one (`credentials.affinity_entries`). */
export const DEFAULT_AFFINITY_ENTRIES = 10_000;

const later = (a: AffinityRecord, b: AffinityRecord): AffinityRecord => (b.at >= a.at ? b : a);

export class AffinityCache {
  /** Insertion order is use order: the first entry is the least recently used. */
  private readonly records = new Map<string, AffinityRecord>();
  readonly pending = new PendingWrites<AffinityRecord>(later);
  private max = DEFAULT_AFFINITY_ENTRIES;

  get size(): number {
    return this.records.size;
  }

  limit(max: number): void {
    this.max = Math.max(1, Math.floor(max));
    this.trim();
  }

  /** The record for `hash` unless it has expired by `now`; a hit counts as a use. */
  get(hash: string, now: number): AffinityRecord | undefined {
    const r = this.records.get(hash);
    if (r === undefined) return undefined;
    this.records.delete(hash);
    if (r.expires_at <= now) return undefined;
    this.records.set(hash, r);
    return r;
  }

  /** Every record not expired by `now`, least recently used first; reading them is not a use. */
  list(now: number): AffinityRecord[] {
    const out: AffinityRecord[] = [];
    for (const r of this.records.values()) if (r.expires_at > now) out.push(r);
    return out;
  }

  /** Set here: kept and queued for the store. */
  set(record: AffinityRecord): void {
    this.keep(record);
    this.pending.add(record.hash, record);
  }

  /** Read from the store (another process's): kept when newer than what is held. Returns whether it was. */
  absorb(record: AffinityRecord): boolean {
    const held = this.records.get(record.hash);
    if (held !== undefined && held.at >= record.at) return false;
    this.keep(record);
    return true;
  }

  private keep(record: AffinityRecord): void {
    this.records.delete(record.hash);
    this.records.set(record.hash, record);
    this.trim();
  }

  private trim(): void {
    for (const oldest of this.records.keys()) {
      if (this.records.size <= this.max) break;
      this.records.delete(oldest);
    }
  }
}

/** A record read back from JSON or a row: undefined unless every field has its type. */
export function parseAffinity(value: unknown): AffinityRecord | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const r = value as Partial<Record<keyof AffinityRecord, unknown>>;
  if (
    typeof r.hash !== 'string' ||
    typeof r.provider !== 'string' ||
    typeof r.route !== 'string' ||
    typeof r.fingerprint !== 'string' ||
    typeof r.tokens !== 'number' ||
    typeof r.at !== 'number' ||
    typeof r.expires_at !== 'number'
  )
    return undefined;
  return {
    hash: r.hash,
    provider: r.provider,
    route: r.route,
    fingerprint: r.fingerprint,
    tokens: r.tokens,
    at: r.at,
    expires_at: r.expires_at,
  };
}
