// The state tests' wait, in their argument order: the suite's shared `until` (test/helpers/until.ts), so its bound
// against a wait that will never end is the same as every other wait's.
import { until, WAIT_MS } from '../helpers/until.ts';

/** Resolves once `check()` is true; fails naming `what` after `timeoutMs`. Polls; never asserts on timing itself. */
export function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  return until(what, check, timeoutMs);
}
