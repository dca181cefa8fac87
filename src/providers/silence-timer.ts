// A clock of silence: it runs out once nothing has touched it for `ms`. A stream touches its clocks on every chunk, so
// a touch only notes the time; the one timer, armed for the whole limit, checks that note when it fires and re-arms
// for what is left. Refreshing a Node timer on every chunk re-queued it in the timer lists each time
// (docs/architecture.md#hot-path-choices); this re-arms about once per limit. Run out late, it waits once more for as
// long as it was late: a process too busy to read (a GC pause, a loaded machine) did not hear the upstream meanwhile.
// A clock of the gateway's own silence (a keep-alive to its caller) has nothing unread to wait for: late, it speaks.
import { performance } from 'node:perf_hooks';

// node:perf_hooks' own object: the global `performance` is a getter, with a check, on every use.
const monotonic = (): number => performance.now();

export interface SilenceOptions {
  now?: () => number;
  /** The silence is this process's own (a keep-alive it writes), not a peer's: run out late, it does not wait for
   * reads, so a caller held through a stall hears its keep-alive before any upstream clock gives up. */
  own?: boolean;
}

export class SilenceTimer {
  readonly #ms: number;
  readonly #onSilent: () => void;
  readonly #now: () => number;
  readonly #own: boolean;
  #at = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Run out, it waited once for its lateness (#fire); a touch ends that. */
  #graced = false;
  #stopped = false;

  /** `onSilent` runs when `ms` have passed since the last touch; the timer is then idle until the next touch. */
  constructor(ms: number, onSilent: () => void, opts: SilenceOptions = {}) {
    this.#ms = ms;
    this.#onSilent = onSilent;
    this.#now = opts.now ?? monotonic;
    this.#own = opts.own ?? false;
  }

  /** Something was heard: the silence starts again from now (the timer is armed if it was idle). */
  touch(): void {
    if (this.#stopped) return;
    this.#at = this.#now();
    this.#graced = false;
    if (this.#timer === undefined) this.#arm(this.#ms);
  }

  /** No silence counts any more, until a touch. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(ms)));
    this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    const left = this.#at + this.#ms - this.#now();
    // Touched while it ran: wait out the rest. A timer may fire a fraction of a millisecond early.
    if (left >= 1) return this.#arm(left);
    // Timers run before the loop reads its sockets, so a chunk that came while this process was busy is unread yet:
    // wait as long as the timer was late (-left), at least a turn of the loop, for it to be read and touch the clock.
    if (!this.#graced && !this.#own) {
      this.#graced = true;
      return this.#arm(-left);
    }
    this.#onSilent();
  };
}
