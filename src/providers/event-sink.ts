// A stream's push mode: instead of being pulled one promise per event, a stream hands each event to a sink as it is
// parsed, in the upstream body's own data callback, and the sink's `false` pauses the reading until it says resume.
// The gateway writes a committed stream this way (docs/architecture.md#hot-path-choices); everything else pulls. A sink
// may also be offered the upstream's own bytes for events that need no rewriting (same-shape passthrough).
import type { StreamEvent } from './types.ts';

/** Where a pushed stream's events go. Exactly one of `end` or `fail` is called, once, unless the stream is cancelled. */
export interface EventSink {
  /** One event; `false`: the sink is full, and no more is read until the control's `resume()`. */
  event(e: StreamEvent): boolean;
  /** Events read from `bytes`, whole SSE events of the upstream's that say nothing but them in the upstream's own shape;
   * `key` says what those frames hold besides the events (their id, model, block: `*FrameKey` in
   * providers/translate/). A sink writing that shape with the same key may send the bytes on as they are; else it
   * takes the events one by one. Offered only to a sink that has it; `events` is lent for the call, not kept. */
  verbatim?(bytes: Uint8Array, events: readonly StreamEvent[], key: string): boolean;
  /** Several events read from one upstream read come next, one by one (their frames differ, so not as its bytes): a
   * sink writing them may send them together. */
  together?(): void;
  /** The stream is over and whole. */
  end(): void;
  /** The stream broke off: `err` is what a pulling consumer would have been thrown. */
  fail(err: unknown): void;
}

/** The sink's handle on the stream pushing into it. */
export interface PushControl {
  /** The sink took what it had: read on. */
  resume(): void;
  /** The sink's reader left: stop reading and release the upstream; neither `end` nor `fail` follows. */
  cancel(): void;
}

/** A stream that is pulled (an async iterator) and can, from any point between two pulls, push the rest. */
export interface PushableStream extends AsyncIterator<StreamEvent> {
  pushTo(sink: EventSink): PushControl;
}

export function isPushable(it: AsyncIterator<StreamEvent>): it is PushableStream {
  return typeof (it as Partial<PushableStream>).pushTo === 'function';
}

/** Pushes the rest of any iterator (one that cannot push on its own, such as a stop-sequence filter) by pulling it:
 * one await per event, as before push mode existed. */
export function pumpInto(it: AsyncIterator<StreamEvent>, sink: EventSink): PushControl {
  if (isPushable(it)) return it.pushTo(sink);
  let wake: (() => void) | undefined;
  let cancelled = false;
  const pump = async (): Promise<void> => {
    try {
      for (;;) {
        const r = await it.next();
        if (cancelled) return;
        if (r.done) return sink.end();
        if (!sink.event(r.value)) await new Promise<void>((resolve) => (wake = resolve));
        if (cancelled) return;
      }
    } catch (err) {
      if (!cancelled) sink.fail(err);
    }
  };
  void pump();
  return {
    resume: () => {
      const w = wake;
      wake = undefined;
      w?.();
    },
    cancel: () => {
      if (cancelled) return;
      cancelled = true;
      const w = wake;
      wake = undefined;
      w?.();
      void Promise.resolve(it.return?.()).catch(() => {});
    },
  };
}
