// One signal can arrive twice within milliseconds: from a terminal or `kill %1` to the whole process group *and*
// forwarded by bin/switchyard.js, which re-runs the command under the Node that ./dev fetched. Handlers that treat a
// second signal as "stop harder" (the gateway cuts its draining connections, chat and the demo exit at once) would
// act on that echo; they ask `isRepeat` first. A person pressing Ctrl-C again takes far longer than this window.
const ECHO_WINDOW_MS = 250;

const lastSeen = new Map<string, number>();

/** True when the same signal was already handled less than ECHO_WINDOW_MS ago: an echo, not a second request. */
export function isRepeat(signal: string, now = Date.now()): boolean {
  const before = lastSeen.get(signal);
  lastSeen.set(signal, now);
  return before !== undefined && now - before < ECHO_WINDOW_MS;
}
