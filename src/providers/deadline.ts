// One deadline for an upstream call that fires on the caller's signal or on our own timer. The timer covers the
// whole non-streaming call, and in streams it counts from the last chunk (time to first byte, then idle time).
// Knowing *which* fired lets the adapter tell a timeout (classified) from a caller abort (re-thrown as is).
import { SilenceTimer } from './silence-timer.ts';

export interface Deadline {
  /** Why the call was aborted (our timeout error or the caller's reason), once it was. */
  readonly reason: unknown;
  /** Calls `abort` when the deadline fires or the caller aborts (at once if that already happened). One at a time:
   * a later registration replaces the earlier one. */
  onAbort(abort: (reason: unknown) => void): void;
  /** Re-arm the timer (a stream chunk arrived, or reading resumes after a pause). */
  touch(): void;
  /** Stop the timer until the next touch (a stream's reading paused while its consumer is busy). */
  pause(): void;
  /** Stop the timer for good. */
  clear(): void;
  /** Ends the call with `reason`, thrown as it is, as for the caller's abort (a stream's own clocks: stream-watch.ts). */
  abort(reason: unknown): void;
  readonly timedOut: boolean;
  /** The caller aborted (not our timer). */
  readonly callerAborted: boolean;
}

/** One options object for every call's listener on the caller's signal, not a literal per call. */
const ONCE: AddEventListenerOptions = { once: true };

// A class, not closures and getters: one is made per call and it is ~4× cheaper to create. It has no AbortController:
// calls end through undici's dispatch controller (http.ts abortOnDeadline; docs/architecture.md#hot-path-choices).
class CallDeadline implements Deadline {
  readonly #timeoutMs: number;
  readonly #outer: AbortSignal | undefined;
  readonly #silence: SilenceTimer | undefined;
  #timedOut = false;
  /** Reading is paused for the consumer: the timer running out then says nothing of the upstream. */
  #paused = false;
  #aborted = false;
  /** Aborted through abort(), not by the caller's signal nor our timer. */
  #ended = false;
  #reason: unknown;
  #abortHook: ((reason: unknown) => void) | undefined;
  #onOuterAbort: (() => void) | undefined;

  constructor(timeoutMs: number, outer: AbortSignal | undefined) {
    this.#timeoutMs = timeoutMs;
    this.#outer = outer;
    if (outer?.aborted) this.#abort(outer.reason);
    else if (outer) {
      const onOuterAbort = (): void => this.#abort(outer.reason);
      this.#onOuterAbort = onOuterAbort;
      outer.addEventListener('abort', onOuterAbort, ONCE);
    }
    if (!this.#aborted && timeoutMs > 0) this.#silence = new SilenceTimer(timeoutMs, () => this.#fire());
    this.touch();
  }

  get reason(): unknown {
    return this.#reason;
  }

  get timedOut(): boolean {
    return this.#timedOut;
  }

  get callerAborted(): boolean {
    return !this.#timedOut && (this.#ended || this.#outer?.aborted === true);
  }

  onAbort(abort: (reason: unknown) => void): void {
    if (this.#aborted) abort(this.#reason);
    else this.#abortHook = abort;
  }

  /** A bound field, not a method: stream-call passes it on as a plain callback. */
  readonly touch = (): void => {
    this.#paused = false;
    // A stream touches it on every chunk: the time is noted, the timer re-armed only when it runs (silence-timer.ts),
    // or anew after it ran out while paused.
    if (!this.#aborted) this.#silence?.touch();
  };

  /** A flag, not a cleared timer: a stream held back by a slow consumer pauses on every chunk. */
  pause(): void {
    this.#paused = true;
  }

  clear(): void {
    this.#silence?.stop();
    this.#abortHook = undefined;
    if (this.#onOuterAbort) this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#ended = true;
    this.#abort(reason);
  }

  #fire(): void {
    if (this.#paused) return;
    this.#timedOut = true;
    const err = new Error(`no answer within ${this.#timeoutMs}ms`);
    err.name = 'TimeoutError';
    this.#abort(err);
  }

  #abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#silence?.stop();
    this.#reason = reason;
    const hook = this.#abortHook;
    this.#abortHook = undefined;
    hook?.(reason);
  }
}

export function createDeadline(timeoutMs: number, outer?: AbortSignal): Deadline {
  return new CallDeadline(timeoutMs, outer);
}
