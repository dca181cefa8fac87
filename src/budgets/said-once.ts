// A soft budget over its limit is said in the log once per window (docs/budgets.md#over-a-budget), not on every
// request: each occurrence is still told to subscribers (the metric counts them) and to the caller.
import type { BudgetWindow } from '../config/budgets-schema.ts';
import { windowBounds } from './windows.ts';

/** Entries kept before those of ended windows are dropped: bounded by the config's budgets in practice. */
const SWEEP_AT = 1024;

export class OncePerWindow {
  /** Budget, resource and window → the end of the window it was last said in. */
  readonly #said = new Map<string, number>();

  /** True the first time a budget's counter is met in its current window. */
  first(budget: string, resource: string, window: BudgetWindow, now: number): boolean {
    const key = `${budget}|${resource}|${window}`;
    const { end } = windowBounds(window, now);
    if (this.#said.get(key) === end) return false;
    if (this.#said.size >= SWEEP_AT) for (const [k, e] of this.#said) if (e <= now) this.#said.delete(k);
    this.#said.set(key, end);
    return true;
  }
}
