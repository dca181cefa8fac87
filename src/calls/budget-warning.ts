// A soft budget a call went over, as the call's record and result say it. Here, below budgets/, so a call's facts
// need nothing of how budgets are counted (budgets/words.ts makes one).
import type { BudgetResource, BudgetWindow } from '../config/budgets-schema.ts';

/** A soft budget the call went over: served all the same. */
export interface BudgetWarning {
  budget: string;
  scope: string;
  resource: BudgetResource;
  window: BudgetWindow;
  message: string;
}
