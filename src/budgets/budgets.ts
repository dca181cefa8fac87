// The budgets of one Switchyard: the plan of the current config (built once per config snapshot) and its prices, and
// a CallBudgets for each call some limit may apply to. A call no budget can touch costs one lookup.
import type { LoadedConfig } from '../config/types.ts';
import type { Usage } from '../providers/types.ts';
import type { BudgetStore } from '../state/budget-store.ts';
import { costOf, PriceBook } from '../usage/prices.ts';
import { CallBudgets, type CostOf } from './call.ts';
import type { BudgetWarning } from '../calls/budget-warning.ts';
import { BudgetPlan, storeOutagePolicy } from './rules.ts';
import { SEED_WAIT_MS, seedPlan, waitAtMost, type LedgerToolCalls, type LedgerTotals, type Seeded } from './seed.ts';

/** An unsettled hold stops counting after this long: its process is taken to have died. Longer than any call. */
export const HOLD_MS = 30 * 60_000;

export interface CallSubject {
  task: string;
  clientKey?: string | undefined;
  /** The end user, as the ledger keeps it (budgets on a key's users: `per_user`, `user:`). */
  user?: string | undefined;
  /** Prompt tokens a hold counts: asked only when a budget is configured. */
  inputTokens: () => number;
  maxTokens?: number | undefined;
  onWarning?: (warning: BudgetWarning) => void;
}

export class Budgets {
  readonly #store: BudgetStore;
  readonly #now: () => number;
  #for: LoadedConfig['config'] | undefined;
  #plan: BudgetPlan | undefined;
  #costOf: CostOf = () => null;
  #ledger: LedgerTotals | undefined;
  #toolCalls: LedgerToolCalls | undefined;
  #onSeeded: ((seeded: Seeded[]) => void) | undefined;
  #onSeedError: ((err: unknown) => void) | undefined;
  /** The seeding of the current plan's counters from the ledger, while it runs. */
  #seeding: Promise<unknown> | undefined;
  /** What a call waits for before it holds: the seeding, or SEED_WAIT_MS after it began, whichever is first (a
   * ledger that does not answer delays calls by that once, not each call by it). */
  #gate: Promise<void> | undefined;

  readonly #ready: () => Promise<void>;

  /** `ready`: the state store has connected (seeding waits for it: a Redis still connecting is not one down). */
  constructor(store: BudgetStore, now: () => number, ready: () => Promise<void> = () => Promise.resolve()) {
    this.#store = store;
    this.#now = now;
    this.#ready = ready;
  }

  /** The plan of `loaded` (the last one is kept: a reload makes a new one on its first call). */
  plan(loaded: LoadedConfig): BudgetPlan {
    if (this.#plan === undefined || this.#for !== loaded.config) {
      this.#plan = new BudgetPlan(loaded.config);
      this.#store.setOutagePolicy?.(storeOutagePolicy(loaded.config));
      this.#costOf = pricing(loaded.config, this.#now);
      this.#for = loaded.config;
      this.#seed(this.#plan);
    }
    return this.#plan;
  }

  /** Seeds each new budget counter from this ledger (docs/budgets.md#a-budget-added-mid-window): the current plan's
   * now, and each new config's as it is first planned. `toolCalls` seeds the `calls` counters (else they start at 0). */
  seedFrom(
    ledger: LedgerTotals,
    on: { seeded?: (seeded: Seeded[]) => void; failed?: (err: unknown) => void } = {},
    toolCalls?: LedgerToolCalls,
  ): void {
    this.#ledger = ledger;
    this.#toolCalls = toolCalls;
    this.#onSeeded = on.seeded;
    this.#onSeedError = on.failed;
    if (this.#plan !== undefined) this.#seed(this.#plan);
  }

  /** Settles when the current seeding is done (tests, and a gateway that wants its first answer seeded). */
  async seeded(): Promise<void> {
    await this.#seeding;
  }

  #seed(plan: BudgetPlan): void {
    const ledger = this.#ledger;
    if (ledger === undefined || plan.empty) return;
    const seeding = this.#ready()
      .then(() => seedPlan(plan, this.#store, ledger, this.#now(), this.#toolCalls))
      .then((seeded) => {
        if (seeded.length > 0) this.#onSeeded?.(seeded);
      })
      .catch((err: unknown) => this.#onSeedError?.(err))
      .finally(() => {
        if (this.#seeding === seeding) this.#seeding = undefined;
      });
    this.#seeding = seeding;
    const gate = waitAtMost(seeding, SEED_WAIT_MS).then(() => {
      if (this.#gate === gate) this.#gate = undefined;
    });
    this.#gate = gate;
  }

  /** USD of a usage on a route under the current config's prices (null: unknown). */
  costOf(loaded: LoadedConfig): CostOf {
    this.plan(loaded);
    return this.#costOf;
  }

  /** Undefined when no budget is configured: the call pays nothing for them. */
  forCall(loaded: LoadedConfig, subject: CallSubject): CallBudgets | undefined {
    const plan = this.plan(loaded);
    if (plan.empty) return undefined;
    return new CallBudgets({
      store: this.#store,
      plan,
      costOf: this.#costOf,
      now: this.#now,
      holdMs: HOLD_MS,
      ...subject,
      seeding: this.#gate,
      inputTokens: subject.inputTokens(),
    });
  }
}

/** USD of a usage on a route at the price of the moment (the table's prices change by date and by hour). */
function pricing(config: LoadedConfig['config'], now: () => number): CostOf {
  const book = new PriceBook(config, now);
  return (route, usage: Usage) => costOf(book.priceOf(route), usage);
}
