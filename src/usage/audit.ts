// The audit: who changed what through the dashboard or the admin API, one row per action, kept in the usage ledger's
// database (SQLite or PostgreSQL) beside the requests so every replica's actions are in one place and
// `switchyard usage audit` reads them. A row names a person and an action, never a secret, cookie or token.
// It imports nothing of the ledger's: store.ts names these types, and sql.ts imports store.ts.

/** A statement as sql-store.ts runs it (`?` placeholders). */
interface Statement {
  sql: string;
  values: (string | number)[];
}

export interface AuditEntry {
  /** Epoch ms. */
  at: number;
  /** Who did it: the SSO user's name claim, or `admin key`. */
  who: string;
  role: string;
  /** `sso`, `admin_key` (a dashboard login with the key) or `admin_api` (the key as a Bearer). */
  via: string;
  /** `reset`, `refresh`, … (src/gateway/ui/roles.ts). */
  action: string;
  /** What it acted on: `provider` or `provider/credential`. */
  target: string;
  /** `ok`, or why it failed. */
  outcome: string;
}

export interface AuditQuery {
  since: number;
  limit: number;
}

const COLUMNS = ['at', 'who', 'role', 'via', 'action', 'target', 'outcome'] as const satisfies (keyof AuditEntry)[];

export function auditSchema(d: 'sqlite' | 'postgres'): string[] {
  const int = d === 'postgres' ? 'BIGINT' : 'INTEGER';
  return [
    `CREATE TABLE IF NOT EXISTS usage_audit (at ${int} NOT NULL, who TEXT NOT NULL, role TEXT NOT NULL, ` +
      'via TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL)',
    'CREATE INDEX IF NOT EXISTS usage_audit_at ON usage_audit (at)',
  ];
}

export function insertAudit(e: AuditEntry): Statement {
  return {
    sql: `INSERT INTO usage_audit (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
    values: COLUMNS.map((c) => e[c]),
  };
}

/** Newest first. */
export function auditQuery(q: AuditQuery): Statement {
  return {
    sql: `SELECT ${COLUMNS.join(', ')} FROM usage_audit WHERE at >= ? ORDER BY at DESC LIMIT ?`,
    values: [q.since, q.limit],
  };
}

export function auditFrom(rec: Record<string, unknown>): AuditEntry {
  return {
    at: Number(rec['at']),
    who: String(rec['who']),
    role: String(rec['role']),
    via: String(rec['via']),
    action: String(rec['action']),
    target: String(rec['target']),
    outcome: String(rec['outcome']),
  };
}

/** Kept as long as the rollups are: an action is looked for long after the requests it followed. */
export function pruneAudit(before: number): Statement {
  return { sql: 'DELETE FROM usage_audit WHERE at < ?', values: [before] };
}
