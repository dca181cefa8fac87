// The budget store contract (docs/budgets.md#how-it-holds): counters per budget, resource and window, and holds on
// them. One interface, three implementations (memory, SQLite, Redis) and one conformance suite
// (test/state/budget-store.case.ts). Amounts are whole units: requests, tokens, or micro-dollars.
import type { StoreOutagePolicy } from '../config/budgets-schema.ts';

/** One counter a hold is taken on. */
export interface HoldItem {
  /** Names the budget, resource and window start (rules.ts counterKey). */
  counter: string;
  /** The cap, in the counter's units. */
  limit: number;
  /** What the request may use, held until it is settled or released. */
  amount: number;
  /** Soft: never refuses, but says when the counter was already at its cap. */
  soft: boolean;
  /** Epoch ms when the window ends: a store may forget the counter some time after. */
  resetsAt: number;
}

/** A counter as it stands: settled spend, and what holds not yet settled keep back. */
export interface CounterState {
  spent: number;
  reserved: number;
  /** `read` only: the counter's spend was seeded from the usage ledger (a budget new to the config). */
  seeded?: Seed;
}

/** What a counter was seeded with (its units) and when (epoch ms). */
export interface Seed {
  amount: number;
  at: number;
}

export type ReserveResult =
  | {
      ok: true;
      /** Indexes of soft items whose counter had no room left: served all the same, with a warning. */
      softOver: number[];
      /** The state of every item's counter before this hold, in order (for the warning's words). */
      before: CounterState[];
    }
  | {
      ok: false;
      /** Index of the first hard item whose counter had no room left; nothing was held. */
      refused: number;
      state: CounterState;
      /** Not for want of room: the shared store did not answer and `budgets.on_store_outage` is `refuse`. */
      unreachable?: true;
      /** Not for want of room either: the counter has room, but not once the share held back for replicas that may be
       * spending theirs unseen is taken from its limit (Redis). */
      heldBack?: HeldBack;
    };

/** The share of a limit held back for replicas not seen on the shared store, in the counter's units, and when the
 * hold-back ends at the latest (epoch ms): when their presence lapses, unless they are seen again before. */
export interface HeldBack {
  amount: number;
  until: number;
  /** Whose share: replicas not seen on the shared store (`absent`, the default), or the other replicas' shares this
   * one leaves them while the store does not answer (`outage`: this replica may admit only its own). */
  why?: 'absent' | 'outage';
}

/** A settled amount: what the request really used of one counter (0 releases the hold without spending). */
export interface Spend {
  counter: string;
  amount: number;
  resetsAt: number;
}

export interface BudgetStore {
  /** All or nothing, atomically across processes: when every hard item's counter has room (spent + reserved below its
   * limit), holds each item's amount under `hold` until `expiresAt` (epoch ms, after which an unsettled hold stops
   * counting: its process died). A counter with room admits one more request, so N racing requests overshoot a cap by
   * at most one hold. */
  reserve(hold: string, items: readonly HoldItem[], now: number, expiresAt: number): Promise<ReserveResult>;
  /** Ends the hold's items on these counters, adding what was really used. Applied in memory at once where the store
   * keeps a copy, persisted off the request path. */
  settle(hold: string, spends: readonly Spend[]): void;
  /** Counters as they stand now (holds that ran out left out). */
  read(counters: readonly string[], now: number): Promise<CounterState[]>;
  /** Sets a counter's spend to `seed.amount` when it has none recorded yet (a budget new to the config, seeded from
   * the usage ledger), atomically across processes: of replicas racing to seed it, one does. True when this call
   * did; false when the counter had spend already (or the shared store does not answer). */
  seed(counter: string, seed: Seed, resetsAt: number): Promise<boolean>;
  /** Writes what settle queued. */
  flush(): Promise<void>;
  /** A shared store: what to do while it does not answer (`budgets.on_store_outage`); others ignore it. */
  setOutagePolicy?(policy: StoreOutagePolicy): void;
  /** A shared store: how many processes share it, as last counted (the share of each during an outage). */
  replicas?(): number;
  /** A shared store that does not answer: since when this process has held budgets on its own (epoch ms). */
  heldLocallySince?(): number | undefined;
  /** While this process holds budgets on its own: the most it admits of a counter with this limit (its cap under
   * `budgets.on_store_outage`: under `share`, its share of what remained at its last read). */
  heldLocallyCap?(counter: string, limit: number, soft: boolean): number | undefined;
  close(): Promise<void>;
}

export const EMPTY_COUNTER: Readonly<CounterState> = Object.freeze({ spent: 0, reserved: 0 });

/** A counter has room while what is spent and held is below its limit. */
export function hasRoom(state: CounterState, limit: number): boolean {
  return state.spent + state.reserved < limit;
}
