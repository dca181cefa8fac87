// The fault and scale runs hold their caps as daily budgets, and budget windows are UTC days (src/budgets/windows.ts):
// a run that crosses midnight UTC starts its counters over half-way, and the cap is spent twice. A whole fault suite
// run at 23:52 UTC failed 'redis down 10 s [sentinel]' so ("the counter went back to zero once": $30.03 counted,
// $60.06 received), and its kill -9 case's refusals asked for a Retry-After to midnight. A run that would cross it
// waits for it to pass instead.
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
