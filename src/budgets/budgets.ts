// The budgets of one Switchyard: the plan of the current config (built once per config snapshot) and its prices, and
// a CallBudgets for each call some limit may apply to. A call no budget can touch costs one lookup.
import type { LoadedConfig } from '../config/types.ts';
import type { Usage } from '../providers/types.ts';
import type { BudgetStore } from '../state/budget-store.ts';
import { costOf, PriceBook } from '../usage/prices.ts';
import { CallBudgets, type CostOf } from './call.ts';
import type { BudgetWarning } from './words.ts';
import { BudgetPlan, storeOutagePolicy } from './rules.ts';

/** An unsettled hold stops counting after this long: its process is taken to have died. Longer than any call. */
export const HOLD_MS = 30 * 60_000;

export interface CallSubject {
  task: string;
  clientKey?: string | undefined;
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

  constructor(store: BudgetStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** The plan of `loaded` (the last one is kept: a reload makes a new one on its first call). */
  plan(loaded: LoadedConfig): BudgetPlan {
    if (this.#plan === undefined || this.#for !== loaded.config) {
      this.#plan = new BudgetPlan(loaded.config);
      this.#store.setOutagePolicy?.(storeOutagePolicy(loaded.config));
      this.#costOf = pricing(loaded.config, this.#now);
      this.#for = loaded.config;
    }
    return this.#plan;
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
      inputTokens: subject.inputTokens(),
    });
  }
}

/** USD of a usage on a route at the price of the moment (the table's prices change by date and by hour). */
function pricing(config: LoadedConfig['config'], now: () => number): CostOf {
  const book = new PriceBook(config, now);
  return (route, usage: Usage) => costOf(book.priceOf(route), usage);
}
