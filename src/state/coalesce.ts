// Folds queued health patches where the result equals applying them in turn, so a busy gateway flushes about one
// patch per credential. Failures, cooldowns and resets never fold.
import type { HealthPatch } from './types.ts';

function isCounterOnly(p: HealthPatch): boolean {
  return p.state === undefined && p.reason === undefined && p.until === undefined;
}

/** Back to ok with nothing else about state: a success (see successPatch). */
function isPlainOk(p: HealthPatch): boolean {
  return (
    p.state === 'ok' && (p.reason === null || p.reason === undefined) && (p.until === null || p.until === undefined)
  );
}

function foldable(p: HealthPatch): boolean {
  return (
    p.reset !== true &&
    p.probe_at === undefined &&
    p.last_failure_at === undefined &&
    p.last_failure_kind === undefined &&
    p.last_failure_message === undefined &&
    (isCounterOnly(p) || isPlainOk(p))
  );
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : a + b;
}

/** `earlier` then `later` as one patch, or undefined when not equivalent. A state-setting patch must be the later one,
 * since its `at` orders it against other writers. */
export function coalescePatches(earlier: HealthPatch, later: HealthPatch): HealthPatch | undefined {
  if (earlier.provider !== later.provider || !foldable(earlier) || !foldable(later)) return undefined;
  const earlierState = !isCounterOnly(earlier);
  const laterState = !isCounterOnly(later);
  let base: HealthPatch;
  if (laterState) {
    if (later.at < earlier.at) return undefined;
    base = later;
  } else if (earlierState) {
    if (earlier.at < later.at) return undefined;
    base = earlier;
  } else {
    base = later.at >= earlier.at ? later : earlier;
  }
  const out: HealthPatch = { ...base };
  const successes = sum(earlier.add_successes, later.add_successes);
  const failures = sum(earlier.add_failures, later.add_failures);
  const uses = sum(earlier.add_uses, later.add_uses);
  if (successes !== undefined) out.add_successes = successes;
  if (failures !== undefined) out.add_failures = failures;
  if (uses !== undefined) out.add_uses = uses;
  if (earlier.last_success_at !== undefined || later.last_success_at !== undefined) {
    out.last_success_at = Math.max(earlier.last_success_at ?? 0, later.last_success_at ?? 0);
  }
  return out;
}
