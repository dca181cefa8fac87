// The chat requests being served, each until its log line is written. When a shutdown's drain time is up, each is
// ended with an error in its own shape (a stream with its error event, any other request with a 503) instead of
// having its connection cut, and the shutdown waits until every one of them has written its line.
import { formatDurationSetting } from '../../config/duration.ts';
import { ApiError } from '../answer/api-error.ts';

/** What a request still running when the drain time is up ends with: a 503, or its stream's error event. */
export function drainTimeUp(drainMs: number): ApiError {
  const message = `the gateway is shutting down and its drain time (gateway.drain_timeout: ${formatDurationSetting(drainMs)}) ran out before this answer was complete; send the request again`;
  return new ApiError('unavailable', message, { code: 'gateway_shutting_down' });
}

/** What they end with when a second signal stops the gateway at once (their log lines say it; the callers' connections
 * are cut). */
export function stoppedAtOnce(): ApiError {
  return new ApiError(
    'unavailable',
    'the gateway was stopped at once (a second signal) before this answer was complete',
    { code: 'gateway_shutting_down' },
  );
}

/** A request's place among those in flight, from add() until done(). */
export interface InFlightEntry {
  /** Ends the request with the shutdown's error; cleared once the request is done. */
  cut: ((err: ApiError) => void) | undefined;
  /** Its slot in the table. */
  readonly at: number;
}

/** The requests in flight, each in a slot of a table that is reused. Not a Map keyed by request: a Map that grows or
 * shrinks keeps its former table, entries and all, linked to the new one (for iterators still on it), and once one of
 * those tables was old enough to be promoted, every request entered since stayed alive through each young collection
 * (bench/README.md, "Objects made old"). */
export class InFlight {
  readonly #slots: (InFlightEntry | undefined)[] = [];
  /** Slots given back, taken again before the table grows. */
  readonly #free: number[] = [];
  #emptied: (() => void) | undefined;
  #started = 0;

  /** `cut` ends the request with the shutdown's error; called at most once. The entry goes to done(). */
  add(cut: (err: ApiError) => void): InFlightEntry {
    const entry: InFlightEntry = { cut, at: this.#free.pop() ?? this.#slots.length };
    this.#slots[entry.at] = entry;
    this.#started++;
    return entry;
  }

  /** How many requests were ever added (the idle trim's sign of activity). */
  get started(): number {
    return this.#started;
  }

  /** The request's line is written: nothing more to wait for. A second call does nothing. */
  done(entry: InFlightEntry): void {
    if (entry.cut === undefined) return;
    entry.cut = undefined;
    this.#slots[entry.at] = undefined;
    this.#free.push(entry.at);
    if (this.size === 0) this.#emptied?.();
  }

  /** Every slot not given back holds a running request. */
  get size(): number {
    return this.#slots.length - this.#free.length;
  }

  /** Ends every request still running; returns how many there were. */
  cutAll(err: ApiError): number {
    const cuts: ((err: ApiError) => void)[] = [];
    for (const e of this.#slots) if (e?.cut !== undefined) cuts.push(e.cut);
    for (const cut of cuts) cut(err);
    return cuts.length;
  }

  /** Resolves once every request has written its line, or after `ms`: a line that never comes must not hold the
   * exit. */
  settled(ms: number): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      const emptied = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.#emptied = emptied;
    });
  }
}
