// A stream's budgets are settled when it ends, however it ends (finished, cut, or the caller gone), with what its
// attempts were billed; the finish event's usage stands in for an answering attempt whose trail entry has none.
import type { StreamEvent, Usage } from '../providers/types.ts';
import type { CallBudgets } from '../budgets/call.ts';
import type { Attempt } from './types.ts';

export async function* settledOnEnd(
  events: AsyncIterable<StreamEvent>,
  budgets: CallBudgets,
  trail: readonly Attempt[],
): AsyncGenerator<StreamEvent> {
  let usage: Usage | undefined;
  try {
    for await (const e of events) {
      if ((e.type === 'finish' || e.type === 'start') && e.usage !== undefined) usage = e.usage;
      yield e;
    }
  } finally {
    budgets.finish(trail, usage);
  }
}
