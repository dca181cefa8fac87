// The clock over one streamed attempt (`streaming.first_token_timeout`, `streaming.idle_timeout`): a small state
// machine told each event and the commit, whose clock (providers/silence-timer.ts: a touch per chunk notes the time,
// the timer re-arms about once per limit) ends the attempt with a value saying which limit ran out. What that ending
// does is the caller's (routing/stream.ts).
// Both clocks measure the upstream's silence, not the caller's: every read of the upstream's body that carries
// something re-arms them (thinking before the first token, a long event arriving in many reads), while keep-alive
// comments, empty deltas and role-only chunks do not (providers/stream-call.ts); and the idle clock does not count
// while the caller holds an event (a slow reader holds the upstream back too, since a stream reads at most one chunk
// ahead).
import { fromClassification, type UpstreamError } from '../errors/upstream-error.ts';
import { formatDuration } from '../errors/messages.ts';
import { SilenceTimer } from '../providers/silence-timer.ts';

/** Which limit ran out: before commit the attempt fails over like any timeout; after it the stream is cut. */
export type WatchEnd = { limit: 'first_token'; ms: number } | { limit: 'idle'; ms: number };

export interface WatchLimits {
  firstTokenMs?: number;
  idleMs?: number;
}

type Phase = 'waiting' | 'flowing' | 'over';

export class StreamWatch {
  readonly #limits: WatchLimits;
  readonly #onEnd: (end: WatchEnd) => void;
  #phase: Phase = 'waiting';
  #clock: SilenceTimer | undefined;
  /** After the commit: an event is with the caller, who has not asked for the next yet. */
  #held = false;

  /** Starts the first-token clock (when there is one) at once: the attempt is being sent. */
  constructor(limits: WatchLimits, onEnd: (end: WatchEnd) => void) {
    this.#limits = limits;
    this.#onEnd = onEnd;
    if (limits.firstTokenMs !== undefined) this.#arm(limits.firstTokenMs, 'first_token');
  }

  /** The stream is committed: its first content goes to the caller, and from when the caller asks for more, the
   * upstream's silence is idleness. */
  committed(): void {
    if (this.#phase !== 'waiting') return;
    this.#phase = 'flowing';
    this.#held = true;
    this.#clear();
    if (this.#limits.idleMs !== undefined) this.#arm(this.#limits.idleMs, 'idle');
  }

  /** The caller asks for the next event: the stream waits on the upstream again, and after an event that was not
   * silence the idle clock starts anew. */
  asked(): void {
    if (this.#phase !== 'flowing' || !this.#held) return;
    this.#held = false;
    this.#clock?.touch();
  }

  /** The upstream sent something (a read of its body, perhaps part of an event): it is not silent. Before the commit
   * that is thinking, or a block opening: the model is at work, so the first-token clock starts again. */
  readonly read = (): void => {
    if (this.#phase !== 'over') this.#clock?.touch();
  };

  /** An event arrived and goes to the caller: until it asks for the next, the idle clock does not count, unless the
   * event was silence (`heard` false: an empty delta), which neither holds the clock nor restarts it. */
  seen(heard = true): void {
    if (this.#phase === 'flowing' && heard) this.#held = true;
  }

  /** The attempt is over, however: no limit applies any more. */
  stop(): void {
    this.#phase = 'over';
    this.#clear();
  }

  #arm(ms: number, limit: WatchEnd['limit']): void {
    this.#clock = new SilenceTimer(ms, () => {
      // Run out while the caller held an event: not the upstream's silence; asked() starts it again.
      if (this.#phase === 'over' || this.#held) return;
      this.#phase = 'over';
      this.#clock = undefined;
      this.#onEnd({ limit, ms });
    });
    this.#clock.touch();
  }

  #clear(): void {
    this.#clock?.stop();
    this.#clock = undefined;
  }
}

/** The attempt's failure for a limit that ran out: a `timeout` either way; before commit it is an ordinary failed
 * attempt (ROUTE_LADDER's timeout row), after it a mid-stream one. */
export function watchError(end: WatchEnd, provider: string): UpstreamError {
  const first = end.limit === 'first_token';
  return fromClassification(
    {
      kind: 'timeout',
      code: first ? 'first_token_timeout' : 'idle_timeout',
      providerMessage: first
        ? `no content within streaming.first_token_timeout (${formatDuration(end.ms)})`
        : `the stream went silent for streaming.idle_timeout (${formatDuration(end.ms)})`,
    },
    provider,
    { midStream: !first },
  );
}
