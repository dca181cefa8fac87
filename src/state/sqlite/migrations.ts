// Schema migrations as data: entry i takes the database from user_version i to i + 1. Append, never edit.
import type { DatabaseSync } from 'node:sqlite';
import { inTransaction } from './transaction.ts';

export const MIGRATIONS: readonly string[] = [
  // 1: health, stored credentials, gateway keys, sessions and messages, plus change counters for polling.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT INTO meta (key, value) VALUES ('seq', 0), ('credentials_seq', 0), ('gateway_keys_seq', 0);

  CREATE TABLE health (
    fingerprint TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    until INTEGER,
    last_success_at INTEGER,
    last_failure_at INTEGER,
    last_failure_kind TEXT,
    last_failure_message TEXT,
    successes INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    uses INTEGER NOT NULL DEFAULT 0,
    state_at INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    seq INTEGER NOT NULL
  );
  CREATE INDEX health_seq ON health (seq);
  CREATE INDEX health_provider ON health (provider);

  CREATE TABLE credentials (
    provider TEXT NOT NULL,
    id TEXT NOT NULL,
    secret TEXT NOT NULL,
    label TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (provider, id)
  );
  CREATE UNIQUE INDEX credentials_label ON credentials (provider, label) WHERE label IS NOT NULL;

  CREATE TABLE gateway_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_used_at INTEGER
  );

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    title_source TEXT NOT NULL,
    route TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE messages (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    kind TEXT,
    prompt_tokens INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
  );
  `,
  // 2: when a key resting as auth_suspect may next be probed.
  `ALTER TABLE health ADD COLUMN probe_at INTEGER;`,
  // 3: the origin a stored key was added for; NULL on keys stored before (see src/credentials/host-binding.ts).
  `ALTER TABLE credentials ADD COLUMN origin TEXT;`,
  // 4: minted credentials: a lease per mint (one process mints at a time) and what is kept of each (mint-table.ts).
  `
  CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
  CREATE TABLE mints (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    refresh_token TEXT,
    refresh_seed TEXT,
    minted_at INTEGER,
    expires_at INTEGER,
    error TEXT,
    error_at INTEGER,
    refresh_requested_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  `,
  // 5: why the last token of a minted credential was minted (credentials/minted/mint-reason.ts).
  `ALTER TABLE mints ADD COLUMN mint_reason TEXT;`,
  // 6: budget counters (settled spend per budget, resource and window) and the holds on them (budgets/sqlite-store.ts).
  `
  CREATE TABLE budget_counters (counter TEXT PRIMARY KEY, spent INTEGER NOT NULL, resets_at INTEGER NOT NULL);
  CREATE INDEX budget_counters_resets ON budget_counters (resets_at);
  CREATE TABLE budget_holds (
    hold TEXT NOT NULL,
    counter TEXT NOT NULL,
    amount INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (counter, hold)
  );
  CREATE INDEX budget_holds_expiry ON budget_holds (expires_at);
  `,
  // 7: circuit breakers, shared by the gateway workers (and any process) on one state file (breakers-table.ts).
  `
  CREATE TABLE breakers (provider TEXT PRIMARY KEY, state TEXT NOT NULL, at INTEGER NOT NULL, opened_at INTEGER);
  INSERT INTO meta (key, value) VALUES ('breakers_seq', 0);
  `,
  // 8: prompt-cache affinity: which key and route served a prompt prefix, by its hash (state/sqlite/affinity-table.ts).
  `
  INSERT INTO meta (key, value) VALUES ('affinity_seq', 0);
  CREATE TABLE affinity (
    hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    route TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    seq INTEGER NOT NULL
  );
  CREATE INDEX affinity_seq ON affinity (seq);
  CREATE INDEX affinity_expires ON affinity (expires_at);
  `,
  // 9: a minted token shared by a gateway's workers, and the source version it was minted for (mint-table.ts).
  `
  ALTER TABLE mints ADD COLUMN token TEXT;
  ALTER TABLE mints ADD COLUMN token_version TEXT;
  `,
  // 10: a budget counter seeded from the usage ledger: with what and when (budgets/seed.ts).
  `
  ALTER TABLE budget_counters ADD COLUMN seeded INTEGER;
  ALTER TABLE budget_counters ADD COLUMN seeded_at INTEGER;
  `,
  // 11: the gateway's record of Responses conversations, one row per answered turn (conversations-table.ts).
  `
  CREATE TABLE conversation_turns (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX conversation_turns_expires ON conversation_turns (expires_at);
  `,
  // 12: a client key's MCP allow-list (JSON) and when it was last set (docs/mcp.md#allow-lists).
  `
  ALTER TABLE gateway_keys ADD COLUMN mcp TEXT;
  ALTER TABLE gateway_keys ADD COLUMN mcp_updated_at INTEGER;
  `,
  // 13: where a client key reads its requests' end user, and whether it keeps them hashed (calls/end-user.ts).
  `
  ALTER TABLE gateway_keys ADD COLUMN user_from TEXT;
  ALTER TABLE gateway_keys ADD COLUMN user_hash INTEGER;
  `,
  // 14: a client key's secrets guard mode (docs/guard.md), set by `keys create --guard`.
  `
  ALTER TABLE gateway_keys ADD COLUMN guard TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

function userVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

/** Brings the schema up to date. BEGIN IMMEDIATE takes the write lock first, so two processes opening a fresh
 * file at once do not both run migration 1; the version is re-read inside the lock. */
export function migrate(db: DatabaseSync): number {
  if (userVersion(db) === SCHEMA_VERSION) return SCHEMA_VERSION;
  inTransaction(db, () => {
    const from = userVersion(db);
    if (from > SCHEMA_VERSION)
      throw new Error(
        `state database schema version ${from} is newer than this switchyard (${SCHEMA_VERSION}); upgrade switchyard`,
      );
    for (let v = from; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    }
  });
  return SCHEMA_VERSION;
}
