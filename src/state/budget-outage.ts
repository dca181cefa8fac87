// While the shared budget store does not answer, a replica admits against what it last read of each counter plus its
// own use since, under `budgets.on_store_outage` (docs/budgets.md#when-the-store-is-down). A table of pure decisions.
import type { StoreOutagePolicy } from '../config/budgets-schema.ts';
import { EMPTY_COUNTER, type CounterState } from './budget-store.ts';

/** The cap a replica applies to its own use of one counter during an outage, or `refuse` (fail closed). */
export type OutageCap = { cap: number } | { refuse: true };

/**
 * `share`: what remained at the last read (limit − spent − held, by every replica), divided among the replicas that
 * were live then, so that together they spend at most what remained; a counter never read (a new window) starts from
 * the limit. `local`: the whole limit, from zero (availability over the cap). `refuse`: nothing; soft budgets never
 * refuse, so they get the whole limit as under `local`.
 */
export function outageCap(
  policy: StoreOutagePolicy,
  limit: number,
  soft: boolean,
  lastRead: CounterState | undefined,
  replicas: number,
): OutageCap {
  if (policy === 'local' || (policy === 'refuse' && soft)) return { cap: limit };
  if (policy === 'refuse') return { refuse: true };
  const read = lastRead ?? EMPTY_COUNTER;
  const remaining = Math.max(0, limit - read.spent - read.reserved);
  return { cap: remaining / Math.max(1, replicas) };
}

/** Where a counter stands as this replica sees it during an outage: the last read plus its own use since (under
 * `local`, its own use alone: what it enforces). */
export function outageState(
  policy: StoreOutagePolicy,
  lastRead: CounterState | undefined,
  own: CounterState,
): CounterState {
  if (policy === 'local') return { ...own };
  const read = lastRead ?? EMPTY_COUNTER;
  return { spent: read.spent + own.spent, reserved: read.reserved + own.reserved };
}
