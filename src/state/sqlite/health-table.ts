// SQL for the health table. A flush reads, merges and writes in one BEGIN IMMEDIATE transaction, so counters add up
// across processes (docs/architecture.md#state-stores-across-processes).
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { CoolingReason, HealthRecord, HealthState } from '../../credentials/types.ts';
import type { ErrorKind } from '../../errors/kinds.ts';
import type { HealthPatch } from '../types.ts';
import { statement } from './statements.ts';
import { inTransaction } from './transaction.ts';
import { foldQueued, type PendingReset } from '../health-cache.ts';

interface HealthRow {
  fingerprint: string;
  provider: string;
  state: string;
  reason: string | null;
  until: number | null;
  probe_at: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_failure_kind: string | null;
  last_failure_message: string | null;
  successes: number;
  failures: number;
  uses: number;
  state_at: number;
  updated_at: number;
  seq: number;
}

export function rowToHealth(row: HealthRow): HealthRecord {
  const r: HealthRecord = {
    fingerprint: row.fingerprint,
    provider: row.provider,
    state: row.state as HealthState,
    successes: row.successes,
    failures: row.failures,
    uses: row.uses,
    updated_at: row.updated_at,
    state_at: row.state_at,
  };
  if (row.reason !== null) r.reason = row.reason as CoolingReason;
  if (row.until !== null) r.until = row.until;
  if (row.probe_at !== null) r.probe_at = row.probe_at;
  if (row.last_success_at !== null) r.last_success_at = row.last_success_at;
  if (row.last_failure_at !== null) r.last_failure_at = row.last_failure_at;
  if (row.last_failure_kind !== null) r.last_failure_kind = row.last_failure_kind as ErrorKind;
  if (row.last_failure_message !== null) r.last_failure_message = row.last_failure_message;
  return r;
}

export function loadHealthSince(db: DatabaseSync, seq: number): { records: HealthRecord[]; maxSeq: number } {
  const rows = statement(db, 'SELECT * FROM health WHERE seq > ? ORDER BY seq').all(seq) as unknown as HealthRow[];
  let maxSeq = seq;
  for (const row of rows) maxSeq = Math.max(maxSeq, row.seq);
  return { records: rows.map(rowToHealth), maxSeq };
}

/** Bumps the global change counter inside the current transaction and returns the new value. */
export function nextSeq(db: DatabaseSync): number {
  const row = statement(db, "UPDATE meta SET value = value + 1 WHERE key = 'seq' RETURNING value").get() as {
    value: number;
  };
  return row.value;
}

const UPSERT = `INSERT INTO health (fingerprint, provider, state, reason, until, probe_at, last_success_at, last_failure_at,
  last_failure_kind, last_failure_message, successes, failures, uses, state_at, updated_at, seq)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (fingerprint) DO UPDATE SET provider = excluded.provider, state = excluded.state,
  reason = excluded.reason, until = excluded.until, probe_at = excluded.probe_at, last_success_at = excluded.last_success_at,
  last_failure_at = excluded.last_failure_at, last_failure_kind = excluded.last_failure_kind,
  last_failure_message = excluded.last_failure_message, successes = excluded.successes,
  failures = excluded.failures, uses = excluded.uses, state_at = excluded.state_at,
  updated_at = excluded.updated_at, seq = excluded.seq`;

function healthValues(r: HealthRecord, seq: number): SQLInputValue[] {
  return [
    r.fingerprint,
    r.provider,
    r.state,
    r.reason ?? null,
    r.until ?? null,
    r.probe_at ?? null,
    r.last_success_at ?? null,
    r.last_failure_at ?? null,
    r.last_failure_kind ?? null,
    r.last_failure_message ?? null,
    r.successes,
    r.failures,
    r.uses,
    r.state_at ?? 0,
    r.updated_at,
    seq,
  ];
}

/** Writes resets and patches in one transaction; returns the records as they now are in the database. */
export function flushHealth(
  db: DatabaseSync,
  resets: PendingReset[],
  patches: Map<string, HealthPatch[]>,
): HealthRecord[] {
  return inTransaction(db, () => {
    const seq = nextSeq(db);
    for (const reset of resets) applyResetRow(db, reset, seq);
    const select = statement(db, 'SELECT * FROM health WHERE fingerprint = ?');
    const upsert = statement(db, UPSERT);
    const written: HealthRecord[] = [];
    for (const [fingerprint, list] of patches) {
      const row = select.get(fingerprint) as HealthRow | undefined;
      const record = foldQueued(row ? rowToHealth(row) : undefined, fingerprint, list, resets);
      if (!record) continue;
      upsert.run(...healthValues(record, seq));
      written.push(record);
    }
    return written;
  });
}

/** Deletes the rows of these fingerprints still unchanged since `since` (another process may have written since). */
export function deleteStaleHealth(db: DatabaseSync, fingerprints: string[], since: number): void {
  const del = statement(db, 'DELETE FROM health WHERE fingerprint = ? AND updated_at < ?');
  inTransaction(db, () => {
    for (const fp of fingerprints) del.run(fp, since);
  });
}

/** A reset clears state only where nothing newer was recorded (state_at <= the reset's time). One key's reset matches
 * its fingerprint whatever provider name the row carries, a provider's its name (resetApplies says why). */
function applyResetRow(db: DatabaseSync, reset: PendingReset, seq: number): void {
  const byFingerprint = reset.fingerprint !== undefined;
  const sql = `UPDATE health SET state = 'ok', reason = NULL, until = NULL, probe_at = NULL, state_at = ?1,
    updated_at = MAX(updated_at, ?1), seq = ?2
    WHERE state_at <= ?1 AND ${byFingerprint ? 'fingerprint' : 'provider'} = ?3`;
  statement(db, sql).run(reset.at, seq, reset.fingerprint ?? reset.provider);
}
