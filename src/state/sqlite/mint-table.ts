// Leases and mint records in SQLite. A lease is taken by one conditional upsert, so two processes cannot both hold
// it; records are re-read each time, since another process may have rotated the refresh token.
import type { DatabaseSync } from 'node:sqlite';
import type { MintPatch, MintRecord } from '../types.ts';
import { statement } from './statements.ts';

const TAKE = `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
  WHERE leases.expires_at <= ? OR leases.holder = excluded.holder`;

export function acquireLease(db: DatabaseSync, name: string, holder: string, ttlMs: number, now: number): boolean {
  const result = statement(db, TAKE).run(name, holder, now + ttlMs, now);
  return Number(result.changes) > 0;
}

export function releaseLease(db: DatabaseSync, name: string, holder: string): void {
  statement(db, 'DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
}

type Row = Record<string, string | number | null>;

const FIELDS = [
  'refresh_token',
  'refresh_seed',
  'minted_at',
  'mint_reason',
  'expires_at',
  'error',
  'error_at',
  'refresh_requested_at',
  'token',
  'token_version',
] as const;
const TEXT_FIELDS: ReadonlySet<string> = new Set([
  'refresh_token',
  'refresh_seed',
  'mint_reason',
  'error',
  'token',
  'token_version',
]);

function fromRow(row: Row): MintRecord {
  const r: Record<string, unknown> = {
    id: String(row['id']),
    provider: String(row['provider']),
    updated_at: Number(row['updated_at']),
  };
  for (const f of FIELDS) {
    const v = row[f];
    if (v !== null && v !== undefined) r[f] = TEXT_FIELDS.has(f) ? String(v) : Number(v);
  }
  return r as unknown as MintRecord;
}

export function refreshTokenMints(db: DatabaseSync): MintRecord[] {
  const rows = statement(db, 'SELECT * FROM mints WHERE refresh_token IS NOT NULL').all() as Row[];
  return rows.map(fromRow);
}

export function readMint(db: DatabaseSync, id: string): MintRecord | undefined {
  const row = statement(db, 'SELECT * FROM mints WHERE id = ?').get(id) as Row | undefined;
  return row === undefined ? undefined : fromRow(row);
}

/** The record with the patch applied: given fields set, null ones cleared. */
export function applyMintPatch(before: MintRecord | undefined, id: string, patch: MintPatch): MintRecord {
  const next: Record<string, unknown> = { ...(before ?? {}), id, provider: patch.provider, updated_at: patch.at };
  for (const f of FIELDS) {
    const v = patch[f];
    if (v === null) delete next[f];
    else if (v !== undefined) next[f] = v;
  }
  return next as unknown as MintRecord;
}

export function writeMint(db: DatabaseSync, id: string, patch: MintPatch): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const r = applyMintPatch(readMint(db, id), id, patch);
    statement(
      db,
      `INSERT OR REPLACE INTO mints (id, provider, refresh_token, refresh_seed, minted_at, mint_reason, expires_at, error, error_at, refresh_requested_at, token, token_version, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      r.id,
      r.provider,
      r.refresh_token ?? null,
      r.refresh_seed ?? null,
      r.minted_at ?? null,
      r.mint_reason ?? null,
      r.expires_at ?? null,
      r.error ?? null,
      r.error_at ?? null,
      r.refresh_requested_at ?? null,
      r.token ?? null,
      r.token_version ?? null,
      r.updated_at,
    );
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
