// The ledger's storage behind one interface (SQLite embedded, PostgreSQL shared), held to one conformance suite
// (test/usage/store.case.ts). A store only stores: batching, retries and what a failure means are ledger.ts's.
import {
  GROUPS,
  emptyTotals,
  type GroupTotals,
  type RequestPage,
  type RequestQuery,
  type ToolQuery,
  type ToolTotals,
  type GuardTotals,
  type Totals,
  type UsageQuery,
  type UsageRow,
} from './row.ts';
import type { AuditEntry, AuditQuery } from './audit.ts';

/** The fields of a group's totals, in the order of the rollup tables' columns and of `--csv`. */
export const TOTAL_FIELDS = [
  'requests',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'cost_usd',
  'unpriced',
  'estimated',
] as const satisfies readonly (keyof Totals)[];

/** Compiles only while TOTAL_FIELDS names every field of Totals. */
const everyField: Record<Exclude<keyof Totals, (typeof TOTAL_FIELDS)[number]>, never> = {};
void everyField;

/** What `usage migrate` did: the schema version before and after, and the steps it ran (schema-version.ts). */
export interface MigrationReport {
  from: number;
  to: number;
  ran: string[];
}

export interface UsageStore {
  /** `sqlite` or `postgres`, for messages and `/readyz`. */
  readonly kind: string;
  /** Creates the tables when missing, and brings an older schema up to date. */
  open(): Promise<void>;
  /** Brings the schema up to date and says from which version (`switchyard usage migrate`). */
  migrate(): Promise<MigrationReport>;
  /** Inserts the rows and adds them to the hourly and daily rollups, in one transaction. */
  write(rows: readonly UsageRow[]): Promise<void>;
  totals(q: UsageQuery, now: number): Promise<GroupTotals[]>;
  requests(q: RequestQuery): Promise<RequestPage>;
  /** MCP tool calls per server and tool (`usage --by tool`). */
  toolTotals(q: ToolQuery): Promise<ToolTotals[]>;
  /** Keeps one dashboard or admin API action (audit.ts). */
  writeAudit(entry: AuditEntry): Promise<void>;
  /** The actions since `q.since`, newest first. */
  audit(q: AuditQuery): Promise<AuditEntry[]>;
  /** Requests per secrets guard action (`usage --by guard`). */
  guardTotals(q: ToolQuery): Promise<GuardTotals[]>;
  /** Deletes rows older than `rowsBefore` and rollups older than `rollupsBefore` (epoch ms). */
  prune(rowsBefore: number, rollupsBefore: number): Promise<void>;
  close(): Promise<void>;
}

export { GROUPS };

/** A totals record from SQL (numbers may come as strings or null from an empty SUM) with its group named. */
export function groupTotals(rec: Record<string, unknown>, by: UsageQuery['by']): GroupTotals {
  const t = emptyTotals();
  for (const k of TOTAL_FIELDS) t[k] = Number(rec[k] ?? 0);
  const g = rec['grp'];
  const group =
    by === 'day'
      ? new Date(Number(g)).toISOString().slice(0, 10)
      : by === 'hour'
        ? new Date(Number(g)).toISOString().slice(0, 13) + ':00Z'
        : String(g);
  return { group, ...t };
}
