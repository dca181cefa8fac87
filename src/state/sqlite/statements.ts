// Prepared statements kept per connection. The health flush runs every 50 ms under load and the cross-process poll
// once a second; preparing the same SQL again each time was a measurable share of the gateway's CPU.
import type { DatabaseSync, StatementSync } from 'node:sqlite';

const byDb = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/** `db.prepare(sql)`, once per (connection, SQL text). Only for fixed SQL strings (the cache is not bounded). */
export function statement(db: DatabaseSync, sql: string): StatementSync {
  let cache = byDb.get(db);
  if (cache === undefined) {
    cache = new Map();
    byDb.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (stmt === undefined) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}
