// One signal can arrive twice within milliseconds, to the process group and forwarded by bin/switchyard.js. Handlers
// that take a second signal as "stop harder" ask `isRepeat` first; a person's second Ctrl-C takes far longer.
const ECHO_WINDOW_MS = 250;

const lastSeen = new Map<string, number>();

/** True when the same signal was already handled less than ECHO_WINDOW_MS ago: an echo, not a second request. */
export function isRepeat(signal: string, now = Date.now()): boolean {
  const before = lastSeen.get(signal);
  lastSeen.set(signal, now);
  return before !== undefined && now - before < ECHO_WINDOW_MS;
}
