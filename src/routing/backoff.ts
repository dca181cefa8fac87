// Full-jitter exponential backoff (the AWS "full jitter" variant): the delay before retry n is uniformly random in
// [0, min(max, base·2ⁿ)]. Pure functions: randomness and the clock are passed in, so tests are deterministic.

/** Delay before retry number `attempt` (0 for the first retry). `rand` returns a number in [0, 1). */
export function backoff(attempt: number, baseMs: number, maxMs: number, rand: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(ceiling * rand());
}

export interface RetryDelayInput {
  attempt: number;
  baseMs: number;
  maxMs: number;
  rand: () => number;
  /** What the server asked for (Retry-After, retry-after-ms, …): never wait less than that. */
  retryAfterMs?: number;
  /** Time left before the call's deadline. */
  remainingMs: number;
  /** The longest server-requested wait worth sitting through; beyond it, failing over beats waiting. */
  longestServerWaitMs: number;
}

export type RetryDelay =
  { wait: true; delayMs: number } | { wait: false; reason: 'deadline' | 'server_wait_too_long'; delayMs: number };

/** The wait before retrying the same key: jitter raised to the server's Retry-After, or give the route up when that
 * cannot be honoured before the deadline rather than sleep uselessly. */
export function retryDelay(input: RetryDelayInput): RetryDelay {
  const jittered = backoff(input.attempt, input.baseMs, input.maxMs, input.rand);
  const asked = input.retryAfterMs ?? 0;
  const delayMs = Math.max(jittered, asked);
  if (asked > input.longestServerWaitMs) return { wait: false, reason: 'server_wait_too_long', delayMs };
  if (delayMs >= input.remainingMs) return { wait: false, reason: 'deadline', delayMs };
  return { wait: true, delayMs };
}

/** Wait for a cooling key only when its reset is within `max_wait` and before the deadline; undefined fails the route
 * (docs/routing.md#the-route-ladder-one-route). */
export function coolingWait(
  earliestUntil: number | undefined,
  now: number,
  maxWaitMs: number,
  remainingMs: number,
): number | undefined {
  if (earliestUntil === undefined) return undefined;
  const wait = Math.max(0, earliestUntil - now);
  if (wait > maxWaitMs || wait >= remainingMs) return undefined;
  return wait;
}
