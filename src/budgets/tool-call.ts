// The budgets of one MCP tool call (docs/budgets.md#tool-calls): one reserve of a call on every `calls` counter that
// covers it (everything, its client key, its server, its tool) before it is sent, settled as one call when it ends.
import type { BudgetStore, HoldItem } from '../state/budget-store.ts';
import { holdId } from './call.ts';
import type { BudgetLimit, BudgetPlan } from './rules.ts';
import { refusalFor, warningOf, type BudgetRefusal } from './words.ts';
import type { BudgetWarning } from '../calls/budget-warning.ts';

export type ToolAdmission =
  { ok: true; warnings: BudgetWarning[]; settle: () => void } | { ok: false; refusal: BudgetRefusal };

interface Held extends HoldItem {
  rule: BudgetLimit;
}

const NOTHING_HELD = (): void => {};

/** Holds one call on each counter; `settle` spends it (a call admitted counts, whatever its outcome). */
export async function admitToolCall(
  plan: BudgetPlan,
  store: BudgetStore,
  call: { clientKey: string | undefined; server: string; tool: string; user?: string | undefined },
  at: number,
  holdMs: number,
): Promise<ToolAdmission> {
  const limits = plan.toolLimits(call.clientKey, call.server, call.tool, call.user);
  if (limits.length === 0) return { ok: true, warnings: [], settle: NOTHING_HELD };
  const items: Held[] = limits.map((rule) => {
    const { counter, end } = plan.counter(rule, at, call.user);
    return { counter, limit: rule.limit, amount: 1, soft: rule.soft, resetsAt: end, rule };
  });
  const hold = holdId();
  const result = await store.reserve(hold, items, at, at + holdMs);
  if (!result.ok) {
    const h = items[result.refused]!;
    return { ok: false, refusal: refusalFor(h.rule, result, h.resetsAt, at) };
  }
  const warnings = result.softOver.map((i) => warningOf(items[i]!.rule, result.before[i]!, items[i]!.resetsAt));
  let settled = false;
  return {
    ok: true,
    warnings,
    settle: () => {
      if (settled) return;
      settled = true;
      store.settle(
        hold,
        items.map((h) => ({ counter: h.counter, amount: 1, resetsAt: h.resetsAt })),
      );
    },
  };
}
