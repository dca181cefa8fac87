// One abort signal for an upstream call that fires on the caller's signal or on our own timer. The timer covers the
// whole non-streaming call, and in streams it is re-armed on every chunk (time to first byte, then idle time).
// Knowing *which* fired lets the adapter tell a timeout (classified) from a caller abort (re-thrown as is).

export interface Deadline {
  readonly signal: AbortSignal;
  /** Re-arm the timer (a stream chunk arrived). */
  touch(): void;
  /** Stop the timer for good. */
  clear(): void;
  readonly timedOut: boolean;
  /** The caller aborted (not our timer). */
  readonly callerAborted: boolean;
}

export function createDeadline(timeoutMs: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    timedOut = true;
    const err = new Error(`no answer within ${timeoutMs}ms`);
    err.name = 'TimeoutError';
    controller.abort(err);
  };
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    if (controller.signal.aborted || !(timeoutMs > 0)) return;
    timer = setTimeout(fire, timeoutMs);
    timer.unref();
  };
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  arm();
  return {
    signal: controller.signal,
    touch: arm,
    clear: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      outer?.removeEventListener('abort', onOuterAbort);
    },
    get timedOut() {
      return timedOut;
    },
    get callerAborted() {
      return !timedOut && outer?.aborted === true;
    },
  };
}
