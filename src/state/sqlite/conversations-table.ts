// SQL for the conversation_turns table: the gateway's record of Responses conversations, one row per answered turn,
// shared by the processes on one state file (the workers of a gateway). Written in batches by the flush, read by id.
import type { DatabaseSync } from 'node:sqlite';
import { parseConversationTurn } from '../conversation-cache.ts';
import type { ConversationTurn } from '../types.ts';
import { statement } from './statements.ts';
import { inTransaction } from './transaction.ts';

/** Writes the batch (the later `at` wins), moves the expiries of the turns continued, and drops what has expired. */
export function flushConversationTurns(
  db: DatabaseSync,
  batch: Iterable<ConversationTurn>,
  extensions: Iterable<[string, number]>,
  now: number,
): void {
  inTransaction(db, () => {
    const upsert = statement(
      db,
      `INSERT INTO conversation_turns (id, record, at, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET record = excluded.record, at = excluded.at, expires_at = excluded.expires_at
       WHERE excluded.at >= conversation_turns.at`,
    );
    for (const t of batch) upsert.run(t.id, JSON.stringify(t), t.at, t.expires_at);
    const extend = statement(db, 'UPDATE conversation_turns SET expires_at = max(expires_at, ?) WHERE id = ?');
    for (const [id, expiresAt] of extensions) extend.run(expiresAt, id);
    statement(db, 'DELETE FROM conversation_turns WHERE expires_at <= ?').run(now);
  });
}

/** The turn stored under `id`, expired or not (the caller compares), or undefined. */
export function loadConversationTurn(db: DatabaseSync, id: string): ConversationTurn | undefined {
  const row = statement(db, 'SELECT record FROM conversation_turns WHERE id = ?').get(id) as
    { record: string } | undefined;
  if (row === undefined) return undefined;
  try {
    return parseConversationTurn(JSON.parse(row.record));
  } catch {
    return undefined;
  }
}
