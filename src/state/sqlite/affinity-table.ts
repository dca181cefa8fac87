// SQL for the affinity table: which key and route served a prompt prefix (by hash), shared between processes on one
// state file. Written in batches by the flush; read back by the poll (rows whose change sequence moved).
import type { DatabaseSync } from 'node:sqlite';
import type { AffinityRecord } from '../types.ts';
import { statement } from './statements.ts';
import { inTransaction } from './transaction.ts';

interface AffinityRow extends AffinityRecord {
  seq: number;
}

const COLUMNS = 'hash, provider, route, fingerprint, tokens, at, expires_at';

/** Writes the batch (the later `at` wins) and drops what has expired; returns the new change sequence. */
export function flushAffinity(db: DatabaseSync, batch: Iterable<AffinityRecord>, now: number): number {
  return inTransaction(db, () => {
    const { value: seq } = statement(
      db,
      "UPDATE meta SET value = value + 1 WHERE key = 'affinity_seq' RETURNING value",
    ).get() as { value: number };
    const upsert = statement(
      db,
      `INSERT INTO affinity (${COLUMNS}, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (hash) DO UPDATE SET provider = excluded.provider, route = excluded.route,
         fingerprint = excluded.fingerprint, tokens = excluded.tokens, at = excluded.at,
         expires_at = excluded.expires_at, seq = excluded.seq
       WHERE excluded.at >= affinity.at`,
    );
    for (const r of batch) upsert.run(r.hash, r.provider, r.route, r.fingerprint, r.tokens, r.at, r.expires_at, seq);
    statement(db, 'DELETE FROM affinity WHERE expires_at <= ?').run(now);
    return seq;
  });
}

/** Rows changed since `seq` that have not expired, oldest change first, at most `limit`. */
export function loadAffinitySince(
  db: DatabaseSync,
  seq: number,
  now: number,
  limit: number,
): { records: AffinityRecord[]; maxSeq: number } {
  const rows = statement(
    db,
    `SELECT ${COLUMNS}, seq FROM affinity WHERE seq > ? AND expires_at > ? ORDER BY seq DESC, at DESC LIMIT ?`,
  ).all(seq, now, limit) as unknown as AffinityRow[];
  let maxSeq = seq;
  const records: AffinityRecord[] = [];
  for (const { seq: s, ...record } of rows.reverse()) {
    maxSeq = Math.max(maxSeq, s);
    records.push(record);
  }
  const counter = statement(db, "SELECT value FROM meta WHERE key = 'affinity_seq'").get() as
    { value: number } | undefined;
  return { records, maxSeq: Math.max(maxSeq, counter?.value ?? 0) };
}
