// Circuit breaker records in memory, for the stores: the later `at` wins, whether it was set here or read from the
// shared store, and what was set here waits in `pending` until it has been written.
import { PendingWrites } from './pending-writes.ts';
import type { BreakerRecord } from './types.ts';

export function isNewerBreaker(current: BreakerRecord | undefined, next: BreakerRecord): boolean {
  return current === undefined || next.at > current.at;
}

function later(a: BreakerRecord, b: BreakerRecord): BreakerRecord {
  return isNewerBreaker(a, b) ? b : a;
}

export class BreakerCache {
  readonly records = new Map<string, BreakerRecord>();
  readonly pending = new PendingWrites<BreakerRecord>(later);

  /** Returns whether the record was newer (and so kept). */
  set(record: BreakerRecord): boolean {
    if (!isNewerBreaker(this.records.get(record.provider), record)) return false;
    this.records.set(record.provider, record);
    this.pending.add(record.provider, record);
    return true;
  }

  /** Records read from the shared store; returns the providers whose record changed. */
  absorb(rows: BreakerRecord[]): string[] {
    const changed: string[] = [];
    for (const row of rows) {
      if (!isNewerBreaker(this.records.get(row.provider), row)) continue;
      this.records.set(row.provider, row);
      changed.push(row.provider);
    }
    return changed;
  }
}
