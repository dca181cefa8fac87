// SQL for stored credentials (`switchyard auth add`) and gateway client keys (stored as hashes). Both are small
// tables written rarely (CLI) and read on the request path, so the store caches them and reloads them when their
// change counter moves.
import { GUARD_MODES, type GuardMode } from '../../config/guard.ts';
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { GatewayKeyMcp, GatewayKeyRecord, StoredCredential } from '../types.ts';
import { nextSeq } from './health-table.ts';
import { statement } from './statements.ts';
import { inTransaction } from './transaction.ts';

interface CredentialRow {
  provider: string;
  id: string;
  secret: string;
  label: string | null;
  priority: number;
  created_at: number;
  origin: string | null;
}

interface GatewayKeyRow {
  id: string;
  name: string;
  hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
  mcp: string | null;
  mcp_updated_at: number | null;
  user_from: string | null;
  user_hash: number | null;
  guard: string | null;
}

export function readCounter(db: DatabaseSync, key: 'seq' | 'credentials_seq' | 'gateway_keys_seq'): number {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number } | undefined;
  return row?.value ?? 0;
}

/** Runs a write in a transaction that also marks `counter` as changed, so other processes reload. */
export function writeMarked<T>(db: DatabaseSync, counter: 'credentials_seq' | 'gateway_keys_seq', fn: () => T): T {
  return inTransaction(db, () => {
    const result = fn();
    const seq = nextSeq(db);
    db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(seq, counter);
    return result;
  });
}

function rowToCredential(row: CredentialRow): StoredCredential {
  const c: StoredCredential = {
    id: row.id,
    provider: row.provider,
    secret: row.secret,
    priority: row.priority,
    created_at: row.created_at,
  };
  if (row.label !== null) c.label = row.label;
  if (row.origin !== null) c.origin = row.origin;
  return c;
}

/** All stored credentials, in use order within a provider: priority ascending, then oldest first. */
export function loadCredentials(db: DatabaseSync): StoredCredential[] {
  const rows = db
    .prepare('SELECT * FROM credentials ORDER BY provider, priority, created_at, id')
    .all() as unknown as CredentialRow[];
  return rows.map(rowToCredential);
}

export function insertCredential(db: DatabaseSync, c: StoredCredential): void {
  db.prepare(
    'INSERT INTO credentials (provider, id, secret, label, priority, created_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(c.provider, c.id, c.secret, c.label ?? null, c.priority, c.created_at, c.origin ?? null);
}

export function updateCredentialOrigin(db: DatabaseSync, provider: string, id: string, origin: string): void {
  db.prepare('UPDATE credentials SET origin = ? WHERE provider = ? AND id = ?').run(origin, provider, id);
}

export function deleteCredential(db: DatabaseSync, provider: string, id: string): void {
  db.prepare('DELETE FROM credentials WHERE provider = ? AND id = ?').run(provider, id);
}

/** What `user_from` may hold; anything else stored reads as no end user (the header is then refused). */
const USER_FROM = ['header', 'body', 'both'] as const;

function rowToGatewayKey(row: GatewayKeyRow): GatewayKeyRecord {
  const k: GatewayKeyRecord = {
    id: row.id,
    name: row.name,
    hash: row.hash,
    prefix: row.prefix,
    created_at: row.created_at,
  };
  if (row.revoked_at !== null) k.revoked_at = row.revoked_at;
  if (row.last_used_at !== null) k.last_used_at = row.last_used_at;
  const mcp = row.mcp === null ? undefined : parseMcp(row.mcp);
  if (mcp !== undefined) k.mcp = mcp;
  if (row.mcp_updated_at !== null) k.mcp_updated_at = row.mcp_updated_at;
  const from = USER_FROM.find((f) => f === row.user_from);
  if (from !== undefined) k.user_from = from;
  if (row.user_hash === 1) k.user_hash = true;
  // A mode this version does not know is left out: the config's mode applies rather than none.
  if (row.guard !== null && (GUARD_MODES as readonly string[]).includes(row.guard)) k.guard = row.guard as GuardMode;
  return k;
}

export function loadGatewayKeys(db: DatabaseSync): GatewayKeyRecord[] {
  const rows = db.prepare('SELECT * FROM gateway_keys ORDER BY created_at, id').all() as unknown as GatewayKeyRow[];
  return rows.map(rowToGatewayKey);
}

export function insertGatewayKey(db: DatabaseSync, k: GatewayKeyRecord): void {
  const values: SQLInputValue[] = [
    k.id,
    k.name,
    k.hash,
    k.prefix,
    k.created_at,
    k.revoked_at ?? null,
    k.last_used_at ?? null,
    k.mcp === undefined ? null : JSON.stringify(k.mcp),
    k.mcp_updated_at ?? null,
    k.user_from ?? null,
    k.user_hash === true ? 1 : null,
    k.guard ?? null,
  ];
  db.prepare(
    'INSERT INTO gateway_keys (id, name, hash, prefix, created_at, revoked_at, last_used_at, mcp, mcp_updated_at, user_from, user_hash, guard) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(...values);
}

/** Replaces the key's allow-list whole: an update never merges with what was there (docs/mcp.md#allow-lists). */
export function writeGatewayKeyMcp(db: DatabaseSync, id: string, mcp: GatewayKeyMcp | undefined, at: number): void {
  db.prepare('UPDATE gateway_keys SET mcp = ?, mcp_updated_at = ? WHERE id = ? AND revoked_at IS NULL').run(
    mcp === undefined ? null : JSON.stringify(mcp),
    at,
    id,
  );
}

/** A stored list that is not the expected shape denies everything rather than allowing everything. */
function parseMcp(text: string): GatewayKeyMcp {
  try {
    const v = JSON.parse(text) as { servers?: unknown; tools?: unknown };
    const strings = (a: unknown): string[] | undefined =>
      Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : undefined;
    const out: GatewayKeyMcp = {};
    const servers = strings(v.servers);
    const tools = strings(v.tools);
    if (servers !== undefined) out.servers = servers;
    if (tools !== undefined) out.tools = tools;
    return out;
  } catch {
    return { servers: [] };
  }
}

export function markGatewayKeyRevoked(db: DatabaseSync, id: string, at: number): void {
  db.prepare('UPDATE gateway_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
}

/** last_used_at only moves forward; written in batches, not marked as a change (nobody needs it within 1s). */
export function touchGatewayKeys(db: DatabaseSync, touches: Map<string, number>): void {
  const stmt = statement(db, 'UPDATE gateway_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?');
  for (const [id, at] of touches) stmt.run(at, id);
}
