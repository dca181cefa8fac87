// Circuit breakers in SQLite, so gateway workers on one state file share them (the later `at` wins, as in Redis).
// A change counter in `meta` lets a poll skip the read when no process wrote a breaker.
import type { DatabaseSync } from 'node:sqlite';
import type { BreakerRecord } from '../types.ts';
import { inTransaction } from './transaction.ts';
import { statement } from './statements.ts';

const UPSERT = `INSERT INTO breakers (provider, state, at, opened_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (provider) DO UPDATE SET state = excluded.state, at = excluded.at, opened_at = excluded.opened_at
  WHERE excluded.at > breakers.at`;

/** Writes the records that are newer than the stored ones, and bumps `breakers_seq`. */
export function writeBreakers(db: DatabaseSync, records: Iterable<BreakerRecord>): void {
  inTransaction(db, () => {
    for (const r of records) statement(db, UPSERT).run(r.provider, r.state, r.at, r.opened_at ?? null);
    statement(db, "UPDATE meta SET value = value + 1 WHERE key = 'breakers_seq'").run();
  });
}

export function readBreakersSeq(db: DatabaseSync): number {
  const row = statement(db, "SELECT value FROM meta WHERE key = 'breakers_seq'").get() as { value: number } | undefined;
  return row?.value ?? 0;
}

type Row = { provider: string; state: string; at: number; opened_at: number | null };

/** Every stored breaker (one row per provider); rows a newer switchyard wrote in a shape this one does not know are
 * left out. */
export function loadBreakers(db: DatabaseSync): BreakerRecord[] {
  const rows = statement(db, 'SELECT provider, state, at, opened_at FROM breakers').all() as Row[];
  const records: BreakerRecord[] = [];
  for (const row of rows) {
    if (row.state !== 'open' && row.state !== 'closed') continue;
    const record: BreakerRecord = { provider: row.provider, state: row.state, at: row.at };
    if (row.opened_at !== null) record.opened_at = row.opened_at;
    records.push(record);
  }
  return records;
}
