// Opens the ledger `usage.store` names: the embedded SQLite file beside the state (default), PostgreSQL, or none.
import { join } from 'node:path';
import type { UsageConfig } from '../config/schema.ts';
import { UsageLedger } from './ledger.ts';
import { SqliteUsageStore } from './sqlite-store.ts';
import { PostgresUsageStore } from './postgres-store.ts';
import type { UsageStore } from './store.ts';

export const USAGE_FILE = 'usage.db';

export interface OpenLedgerOptions {
  /** The state directory (stateHome()). */
  home: string;
  warn?: (message: string) => void;
  flushIntervalMs?: number;
  now?: () => number;
  /** For tests of a full disk (SQLite). */
  maxPageCount?: number;
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
  return new UsageLedger({
    store,
    retention: config.retention,
    ...(options.warn ? { warn: options.warn } : {}),
    ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
