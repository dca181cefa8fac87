// A stream's budgets are settled when it ends, however it ends (finished, cut, or the caller gone), with what its
// attempts were billed; the finish event's usage stands in for an answering attempt whose trail entry has none.
import type { Usage } from '../providers/types.ts';
import type { CallBudgets } from '../budgets/call.ts';
import type { StreamHook } from './stream-hook.ts';
import type { Attempt } from './types.ts';

export function settledOnEnd(budgets: CallBudgets, trail: readonly Attempt[]): StreamHook {
  let usage: Usage | undefined;
  return {
    event(e) {
      if ((e.type === 'finish' || e.type === 'start') && e.usage !== undefined) usage = e.usage;
    },
    end() {
      budgets.finish(trail, usage);
    },
  };
}
