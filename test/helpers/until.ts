// Waits for something a real process or server does in its own time (a reload, a log line, a pool filling up),
// polling: failing with what was awaited once `timeoutMs` has passed.
import assert from 'node:assert/strict';

/** The deadline for what a process does after loading code anew (a reload's worker thread, a gateway's start): a
 * second on an idle machine, many on one saturated by the whole suite. Only a wait that will never end should meet it. */
export const SLOW_STEP_MS = 60_000;

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}
