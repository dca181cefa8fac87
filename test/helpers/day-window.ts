// The fault and scale runs hold their caps as daily budgets, whose windows are UTC days (src/budgets/windows.ts): a
// run across midnight UTC sees its counters start over half-way and the cap spent twice, as a whole fault suite
// started at 23:52 UTC once did. A run that would cross it waits for midnight to pass instead.
import { setTimeout as sleep } from 'node:timers/promises';

const DAY_MS = 86_400_000;

/** How long a run may take from its start to its last count: the longest fault case or scale scenario with its
 * setup, at load, with room to spare. */
export const RUN_SPAN_MS = 5 * 60_000;

/** Milliseconds from `now` to the next midnight UTC. */
export function toUtcMidnight(now: number): number {
  return DAY_MS - (now % DAY_MS);
}

/** Resolves at once when a run of `spanMs` started now ends within today (UTC); else once midnight has passed, having
 * said why it waits. */
export async function clearOfUtcMidnight(
  say: (line: string) => void,
  spanMs = RUN_SPAN_MS,
  now = Date.now(),
): Promise<void> {
  const left = toUtcMidnight(now);
  if (left > spanMs) return;
  say(`waiting ${Math.ceil(left / 1000)} s for midnight UTC: the day's budgets would start over during the run`);
  await sleep(left + 1000);
}
