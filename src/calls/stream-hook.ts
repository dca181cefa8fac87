// The hook a committed stream runs per event and at its end (routing/committed-stream.ts), apart so the
// hooks that watch a stream (the call's record, telemetry's chunk clock) need not import the stream machinery.
import type { StreamEvent } from '../providers/types.ts';

/** How a committed stream ended: its terminal event came, it broke off, or the caller left (or aborted). */
export type StreamEnd = 'finished' | 'cut' | 'cancelled';

/** Work on a committed stream's events: each event before the caller sees it, and once when the stream is over. The
 * one place per-event work runs (the call's record, call-record.ts; telemetry's clock between chunks), in order, in the stream's own loop rather
 * than as a generator wrapped around it per concern. */
export interface StreamHook {
  event?(e: StreamEvent): void;
  /** `err` is what the caller was thrown, when the stream ended with one. */
  end?(how: StreamEnd, err?: unknown): void;
}
