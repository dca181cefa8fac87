// Waits for something a real process or server does in its own time (a reload, a log line, a pool filling up),
// polling: failing with what was awaited once `timeoutMs` has passed.
import assert from 'node:assert/strict';

/** The deadline for what a process does after loading code anew (a reload's worker thread, a gateway's start): a
 * second on an idle machine, many on one saturated by the whole suite. Only a wait that will never end should meet it. */
export const SLOW_STEP_MS = 120_000;

/** When a child process the test waits on (a CLI command, a gateway, the simulator) is killed as hung: a command that
 * will end does, however late; three full suites at once (load 40) made a plain `switchyard chat` take over 30 s. */
export const HUNG_PROCESS_MS = 180_000;

/** When a child process is killed though the test that started it still runs: a net for a test that hangs, which a
 * test that works never meets, however loaded the machine. At 180 s, three suites at once (load 45) had it kill the
 * gateways of the workers and reload tests mid-test while they worked. Stopping one is bounded by HUNG_PROCESS_MS. */
export const HUNG_TEST_MS = 15 * 60_000;

/** When a build the test runs (tsc through `npm pack`, debootstrap, buildah) is killed as hung: three full suites at
 * once (load 45) made a build past 15 minutes and a debootstrap past 20 that were still working. */
export const HUNG_BUILD_MS = 45 * 60_000;

/** How long a wait with no bound of its own may take: only a wait that will never end meets it. 8 s was met at load
 * 45 (three suites at once) by waits that did end: an MCP child's restart, a cooldown's probe. */
export const WAIT_MS = 60_000;

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}
