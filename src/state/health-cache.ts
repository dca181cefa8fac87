// The in-memory side of health, shared by the SQLite and Redis stores: the records the request path reads, and the
// writes queued for the next flush. Records read back from the backing store (after a flush, or another process's
// change) have our still-queued writes folded back on top, so memory never goes back in time.
import type { HealthRecord } from '../credentials/types.ts';
import { coalescePatches } from './coalesce.ts';
import { mergeHealth } from './merge.ts';
import type { HealthPatch } from './types.ts';

/** An `auth reset` waiting to be written: every record of the provider, or one fingerprint, back to ok as of `at`. */
export interface PendingReset {
  provider: string;
  fingerprint?: string;
  at: number;
}

export class HealthCache {
  readonly records = new Map<string, HealthRecord>();
  private patches = new Map<string, HealthPatch[]>();
  private resets: PendingReset[] = [];

  apply(fingerprint: string, patch: HealthPatch): HealthRecord {
    const record = mergeHealth(this.records.get(fingerprint), fingerprint, patch);
    this.records.set(fingerprint, record);
    const list = this.patches.get(fingerprint);
    if (list) queue(list, patch);
    else this.patches.set(fingerprint, [patch]);
    return record;
  }

  /** Applies a reset to the records we know and queues it for the database; returns the fingerprints touched. */
  reset(reset: PendingReset): string[] {
    const touched: string[] = [];
    for (const record of this.records.values()) {
      if (!resetApplies(reset, record)) continue;
      this.records.set(record.fingerprint, mergeHealth(record, record.fingerprint, resetPatch(reset)));
      touched.push(record.fingerprint);
    }
    this.resets.push(reset);
    return touched;
  }

  pendingCount(): number {
    let n = this.resets.length;
    for (const list of this.patches.values()) n += list.length;
    return n;
  }

  batch(): { resets: PendingReset[]; patches: Map<string, HealthPatch[]> } {
    return { resets: this.resets, patches: this.patches };
  }

  /** The batch is in the database; these are the rows as written (they include other processes' changes). */
  committed(written: HealthRecord[]): void {
    this.resets = [];
    this.patches = new Map();
    for (const record of written) this.records.set(record.fingerprint, record);
  }

  /** Rows changed in the database by someone else. */
  absorb(rows: HealthRecord[]): void {
    for (const row of rows) this.records.set(row.fingerprint, this.withPending(row));
  }

  private withPending(row: HealthRecord): HealthRecord {
    let record = row;
    for (const reset of this.resets) if (resetApplies(reset, record)) record = mergeHealth(record, record.fingerprint, resetPatch(reset));
    for (const patch of this.patches.get(row.fingerprint) ?? []) record = mergeHealth(record, row.fingerprint, patch);
    return record;
  }
}

/** Appends `patch`, folding it (and then the tail) into the patch before when that changes nothing, so a steady
 * stream of uses and successes queues one or two patches per credential rather than two per request. */
function queue(list: HealthPatch[], patch: HealthPatch): void {
  list.push(patch);
  while (list.length >= 2) {
    const folded = coalescePatches(list[list.length - 2]!, list[list.length - 1]!);
    if (!folded) return;
    list.splice(list.length - 2, 2, folded);
  }
}

export function resetPatch(reset: PendingReset): HealthPatch {
  return { provider: reset.provider, at: reset.at, reset: true };
}

export function resetApplies(reset: PendingReset, record: HealthRecord): boolean {
  return record.provider === reset.provider && (reset.fingerprint === undefined || reset.fingerprint === record.fingerprint);
}
