// The in-memory side of health, shared by the SQLite and Redis stores: the records the request path reads, and the
// writes queued for the next flush. Records read back from the backing store (after a flush, or another process's
// change) have our still-queued writes folded back on top, so memory never goes back in time.
import type { HealthRecord } from '../credentials/types.ts';
import { coalescePatches } from './coalesce.ts';
import { mergeHealth } from './merge.ts';
import type { HealthPatch } from './types.ts';

/** An `auth reset` waiting to be written, back to ok as of `at`: every record written under the provider's name, or
 * the record of one fingerprint — whichever provider's name it was written under (see resetApplies). */
export interface PendingReset {
  provider: string;
  fingerprint?: string;
  at: number;
}

/** Writes waiting for the backing store: resets first, then patches per fingerprint (mergeHealth makes the order
 * between a reset and a patch irrelevant: both are ordered by their `at`). */
export interface HealthBatch {
  resets: PendingReset[];
  patches: Map<string, HealthPatch[]>;
}

function emptyBatch(): HealthBatch {
  return { resets: [], patches: new Map() };
}

function batchSize(batch: HealthBatch | undefined): number {
  if (batch === undefined) return 0;
  let n = batch.resets.length;
  for (const list of batch.patches.values()) n += list.length;
  return n;
}

export class HealthCache {
  readonly records = new Map<string, HealthRecord>();
  private queued: HealthBatch = emptyBatch();
  /** Taken by a write that has not finished (Redis answers asynchronously): until it has, records read back from
   * the store still need it folded in, or memory would go back in time. */
  private inFlight: HealthBatch | undefined;

  apply(fingerprint: string, patch: HealthPatch): HealthRecord {
    const record = mergeHealth(this.records.get(fingerprint), fingerprint, patch);
    this.records.set(fingerprint, record);
    const list = this.queued.patches.get(fingerprint);
    if (list) queue(list, patch);
    else this.queued.patches.set(fingerprint, [patch]);
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
    this.queued.resets.push(reset);
    return touched;
  }

  pendingCount(): number {
    return batchSize(this.queued) + batchSize(this.inFlight);
  }

  /** Drops records unchanged since `since` with nothing queued for them; returns the fingerprints dropped. */
  forget(fingerprints: readonly string[], since: number): string[] {
    const dropped: string[] = [];
    for (const fp of fingerprints) {
      const record = this.records.get(fp);
      if (
        record === undefined ||
        record.updated_at >= since ||
        this.queued.patches.has(fp) ||
        this.inFlight?.patches.has(fp)
      )
        continue;
      this.records.delete(fp);
      dropped.push(fp);
    }
    return dropped;
  }

  /** Detaches the queue for one write; what is applied meanwhile queues anew. Answer with committed() or failed(). */
  take(): HealthBatch {
    const batch = this.queued;
    this.queued = emptyBatch();
    this.inFlight = batch;
    return batch;
  }

  /** The taken batch is written; these are the records as written (with other processes' changes), and what was
   * queued since is folded back on top. */
  committed(written: HealthRecord[]): void {
    this.inFlight = undefined;
    for (const record of written) this.records.set(record.fingerprint, this.withPending(record));
  }

  /** The write failed: the taken batch goes back in front of the queue, to be tried again. */
  failed(batch: HealthBatch): void {
    this.inFlight = undefined;
    this.queued.resets = [...batch.resets, ...this.queued.resets];
    for (const [fingerprint, list] of batch.patches)
      this.queued.patches.set(fingerprint, [...list, ...(this.queued.patches.get(fingerprint) ?? [])]);
  }

  /** Records changed in the store by someone else. */
  absorb(rows: HealthRecord[]): void {
    for (const row of rows) this.records.set(row.fingerprint, this.withPending(row));
  }

  private withPending(row: HealthRecord): HealthRecord {
    let record = row;
    for (const batch of this.inFlight ? [this.inFlight, this.queued] : [this.queued]) {
      for (const reset of batch.resets)
        if (resetApplies(reset, record)) record = mergeHealth(record, record.fingerprint, resetPatch(reset));
      for (const patch of batch.patches.get(row.fingerprint) ?? [])
        record = mergeHealth(record, row.fingerprint, patch);
    }
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

/** One key's record as a flush writes it: its queued patches, then the batch's resets that apply to it. The resets
 * go after the patches too, because a key whose first failure flushes with its reset had no record to reset before. */
export function foldQueued(
  record: HealthRecord | undefined,
  fingerprint: string,
  patches: readonly HealthPatch[],
  resets: readonly PendingReset[],
): HealthRecord | undefined {
  let folded = record;
  for (const patch of patches) folded = mergeHealth(folded, fingerprint, patch);
  for (const reset of resets)
    if (folded !== undefined && resetApplies(reset, folded))
      folded = mergeHealth(folded, fingerprint, resetPatch(reset));
  return folded;
}

export function resetPatch(reset: PendingReset): HealthPatch {
  return { provider: reset.provider, at: reset.at, reset: true };
}

/** Health is per key, read by every provider holding it, so a key's reset matches by fingerprint alone; a provider's
 * reset goes by name. */
export function resetApplies(reset: PendingReset, record: HealthRecord): boolean {
  return reset.fingerprint !== undefined
    ? reset.fingerprint === record.fingerprint
    : record.provider === reset.provider;
}
