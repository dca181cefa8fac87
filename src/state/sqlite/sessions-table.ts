// SQL for chat sessions and their messages. Not on the request hot path: every call is synchronous and
// committed before it returns, so a message survives the process being killed.
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { MessageRecord, SessionRecord } from '../types.ts';
import { inTransaction } from './transaction.ts';

interface SessionRow {
  id: string;
  title: string;
  title_source: string;
  route: string | null;
  created_at: number;
  updated_at: number;
}

interface MessageRow {
  session_id: string;
  seq: number;
  role: string;
  content: string;
  kind: string | null;
  prompt_tokens: number | null;
  created_at: number;
}

const SESSION_COLUMNS = ['title', 'title_source', 'route', 'created_at', 'updated_at'] as const;

function rowToSession(row: SessionRow): SessionRecord {
  const s: SessionRecord = {
    id: row.id,
    title: row.title,
    title_source: row.title_source as SessionRecord['title_source'],
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  if (row.route !== null) s.route = row.route;
  return s;
}

function rowToMessage(row: MessageRow): MessageRecord {
  const m: MessageRecord = {
    session_id: row.session_id,
    seq: row.seq,
    role: row.role as MessageRecord['role'],
    content: row.content,
    created_at: row.created_at,
  };
  if (row.kind !== null) m.kind = row.kind as NonNullable<MessageRecord['kind']>;
  if (row.prompt_tokens !== null) m.prompt_tokens = row.prompt_tokens;
  return m;
}

export function insertSession(db: DatabaseSync, s: SessionRecord): void {
  db.prepare(
    'INSERT INTO sessions (id, title, title_source, route, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(s.id, s.title, s.title_source, s.route ?? null, s.created_at, s.updated_at);
}

export function selectSession(db: DatabaseSync, id: string): SessionRecord | undefined {
  const row = db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
  return row ? rowToSession(row) : undefined;
}

export function selectSessions(db: DatabaseSync): SessionRecord[] {
  const rows = db.prepare('SELECT * FROM sessions ORDER BY updated_at DESC, id').all() as unknown as SessionRow[];
  return rows.map(rowToSession);
}

export function updateSessionRow(db: DatabaseSync, id: string, patch: Partial<Omit<SessionRecord, 'id'>>): void {
  const sets: string[] = [];
  const values: SQLInputValue[] = [];
  for (const column of SESSION_COLUMNS) {
    if (!(column in patch)) continue;
    sets.push(`${column} = ?`);
    values.push(patch[column] ?? null);
  }
  if (sets.length === 0) return;
  db.prepare(`UPDATE sessions SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
}

export function deleteSessionRow(db: DatabaseSync, id: string): boolean {
  return Number(db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes) > 0;
}

export function insertMessage(db: DatabaseSync, m: MessageRecord): void {
  db.prepare(
    'INSERT INTO messages (session_id, seq, role, content, kind, prompt_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(m.session_id, m.seq, m.role, m.content, m.kind ?? null, m.prompt_tokens ?? null, m.created_at);
}

export function selectMessages(db: DatabaseSync, sessionId: string): MessageRecord[] {
  const rows = db
    .prepare('SELECT * FROM messages WHERE session_id = ? ORDER BY seq')
    .all(sessionId) as unknown as MessageRow[];
  return rows.map(rowToMessage);
}

export function replaceMessageRange(
  db: DatabaseSync,
  sessionId: string,
  fromSeq: number,
  toSeq: number,
  replacement: MessageRecord,
): void {
  inTransaction(db, () => {
    db.prepare('DELETE FROM messages WHERE session_id = ? AND seq BETWEEN ? AND ?').run(sessionId, fromSeq, toSeq);
    insertMessage(db, { ...replacement, session_id: sessionId });
  });
}
