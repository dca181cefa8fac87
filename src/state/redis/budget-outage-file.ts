// What a replica spent while Redis did not answer, and the counters it last read, kept in a small file beside its
// state.db until the spend is written back, so that a replica restarted during an outage still holds to its share
// and its spend still reaches the shared counters (docs/budgets.md#when-the-store-is-down). 0600, written whole.
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CounterState } from '../budget-store.ts';

/** One file per process (`budget-outage-ID.json`): the workers of one gateway share a state directory. */
const PREFIX = 'budget-outage-';

export function outageFilePath(dir: string, id: string): string {
  return join(dir, `${PREFIX}${id}.json`);
}

/** A live process rewrites its file at least this often; one not written for longer belongs to a process that ended. */
export const OUTAGE_FILE_STALE_MS = 5_000;

/** Every outage file in `dir` but `own`, with whether its process has ended (its file is stale). */
export function outageFiles(dir: string, own: string, now: number): { path: string; stale: boolean }[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.startsWith(PREFIX) && f.endsWith('.json'))
      .map((f) => join(dir, f))
      .filter((path) => path !== own)
      .map((path) => ({ path, stale: now - statSync(path).mtimeMs > OUTAGE_FILE_STALE_MS }));
  } catch {
    return [];
  }
}

/** What this process spent of one counter while Redis did not answer: added to the shared counter once, under `id`
 * (unique per process, counter and batch; its amount never changes once it has been sent). */
export interface OutageSpend {
  id: string;
  counter: string;
  amount: number;
  resetsAt: number;
}

export interface OutageRecord {
  /** Epoch ms since when budgets are held locally. */
  since: number;
  /** Live replicas as last counted in Redis. */
  replicas: number;
  lastRead: [string, CounterState][];
  pending: OutageSpend[];
}

function isSpend(v: unknown): v is OutageSpend {
  const s = v as Partial<OutageSpend> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.id === 'string' &&
    typeof s.counter === 'string' &&
    typeof s.amount === 'number' &&
    typeof s.resetsAt === 'number'
  );
}

function isRead(v: unknown): v is [string, CounterState] {
  if (!Array.isArray(v) || typeof v[0] !== 'string') return false;
  const s = v[1] as Partial<CounterState> | null;
  return typeof s === 'object' && s !== null && typeof s.spent === 'number' && typeof s.reserved === 'number';
}

/** The record kept for `source` (the Redis URL, password masked, and key prefix), or undefined. */
export function readOutageFile(path: string, source: string): OutageRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<OutageRecord> & { source?: unknown };
    if (parsed.source !== source || typeof parsed.since !== 'number') return undefined;
    return {
      since: parsed.since,
      replicas: typeof parsed.replicas === 'number' ? parsed.replicas : 1,
      lastRead: Array.isArray(parsed.lastRead) ? parsed.lastRead.filter(isRead) : [],
      pending: Array.isArray(parsed.pending) ? parsed.pending.filter(isSpend) : [],
    };
  } catch {
    return undefined;
  }
}

export function removeOutageFile(path: string): void {
  rmSync(path, { force: true });
}

/** Writes the record, or removes the file when there is none; a failure is returned for the caller to say once. */
export function writeOutageFile(path: string, source: string, record: OutageRecord | undefined): string | undefined {
  try {
    if (record === undefined) {
      rmSync(path, { force: true });
      return undefined;
    }
    writeFileSync(`${path}.tmp`, `${JSON.stringify({ source, ...record })}\n`, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}
