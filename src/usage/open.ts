// Opens the ledger `usage.store` names: the embedded SQLite file beside the state (default), PostgreSQL (with its
// local spool, usage-spool/ beside the state), or none.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { UsageConfig } from '../config/schema.ts';
import { UsageLedger } from './ledger.ts';
import { SqliteUsageStore } from './sqlite-store.ts';
import { PostgresUsageStore } from './postgres-store.ts';
import { UsageSpool } from './spool.ts';
import type { UsageStore } from './store.ts';

export const USAGE_FILE = 'usage.db';
export const SPOOL_DIR = 'usage-spool';

export interface OpenLedgerOptions {
  /** The state directory (stateHome()). */
  home: string;
  warn?: (message: string) => void;
  /** Where rows lost at close are said. */
  error?: (message: string) => void;
  /** Overrides usage.flush_interval (tests). */
  flushIntervalMs?: number;
  now?: () => number;
  /** For tests of a full disk (SQLite). */
  maxPageCount?: number;
  /** See LedgerOptions.selfPrune: false when the gateway's once-per-deployment job prunes. */
  selfPrune?: boolean;
}

export function usageStoreFor(config: UsageConfig, options: OpenLedgerOptions): UsageStore | undefined {
  if (config.store === 'off') return undefined;
  if (config.store === 'sqlite')
    return new SqliteUsageStore({
      path: join(options.home, USAGE_FILE),
      ...(options.maxPageCount !== undefined ? { maxPageCount: options.maxPageCount } : {}),
    });
  return new PostgresUsageStore({ url: config.store });
}

/** The ledger, or undefined with `usage.store: off`. */
export function openLedger(config: UsageConfig, options: OpenLedgerOptions): UsageLedger | undefined {
  const store = usageStoreFor(config, options);
  if (store === undefined) return undefined;
  // The SQLite file is local disk already; a remote store gets a spool in front.
  const spool =
    config.store === 'sqlite'
      ? undefined
      : new UsageSpool({ dir: join(options.home, SPOOL_DIR), maxBytes: config.spool_max_bytes });
  return new UsageLedger({
    store,
    ...(spool ? { spool } : {}),
    retention: config.retention,
    flushIntervalMs: options.flushIntervalMs ?? config.flush_interval,
    ...(options.warn ? { warn: options.warn } : {}),
    ...(options.error ? { error: options.error } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.selfPrune !== undefined ? { selfPrune: options.selfPrune } : {}),
  });
}

/** The name of the ledger's prune job, which names its lease: one for every gateway sharing a PostgreSQL ledger; for
 * the embedded file, one per file on this host (replicas on other hosts prune their own files). */
export function pruneJobName(config: UsageConfig, home: string): string {
  return config.store === 'sqlite' ? `usage-prune:${hostname()}:${join(home, USAGE_FILE)}` : 'usage-prune';
}

/** The name of the spool takeover job: one for every gateway whose spool directory has this path (pods sharing a
 * volume mount it at one path); none for the embedded file, which has no spool. */
export function spoolAdoptJobName(config: UsageConfig, home: string): string | undefined {
  return config.store === 'sqlite' || config.store === 'off' ? undefined : `usage-spool-adopt:${join(home, SPOOL_DIR)}`;
}
