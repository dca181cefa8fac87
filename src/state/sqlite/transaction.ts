// One write transaction: BEGIN IMMEDIATE … COMMIT, rolled back on error. SQLite rolls a transaction back by itself on
// some errors (a full disk, SQLITE_FULL, among them); an explicit ROLLBACK after that fails with "cannot rollback - no
// transaction is active", and that message used to replace the error that mattered.
import type { DatabaseSync } from 'node:sqlite';

export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
