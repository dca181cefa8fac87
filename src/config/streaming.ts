// The `streaming:` settings (docs/config.md#streaming, docs/routing.md#streaming): how long a stream may wait for its
// first content and between chunks, the keepalive comments the gateway writes, and resuming a cut answer. Written at
// top level (the main chain and every task) and under a task, whose fields override the top level's one by one.
import { z } from 'zod';
import { durationSchema, MAX_TIMEOUT_MS } from './schema-duration.ts';

const wait = (): z.ZodType<number, string | number> => durationSchema({ max: MAX_TIMEOUT_MS, positive: true });

/** Under a task: every field optional, so an unset one keeps the top level's. */
export const taskStreamingSchema = z.strictObject({
  /** From sending an attempt to its first content delta; past it the attempt fails as a `timeout` (nothing has been
   * delivered yet, so the ladder retries or falls over). Unset: only the provider's `timeout` bounds the wait. */
  first_token_timeout: wait().optional(),
  /** Longest silence between chunks once the stream is committed; past it the stream ends with the shape's error
   * event and the key's health counts a `timeout`. Unset: the provider's `timeout` (which bounds every wait for a
   * chunk either way). */
  idle_timeout: wait().optional(),
  /** How long the gateway's stream to its client may stay silent before it writes an SSE comment (`: keepalive`), so
   * proxies and load balancers do not close it. Unset: none written. */
  keepalive: wait().optional(),
  /** After a mid-stream cut of a text answer (no tool call started), continue the answer from the next route, given
   * the text so far; at most once per request. Off unless set. */
  resume: z.boolean().optional(),
});
export type StreamingConfig = z.infer<typeof taskStreamingSchema>;

/** At top level: the same fields, `resume` shown as off when unset (`config show`). */
export const streamingSchema = taskStreamingSchema.extend({ resume: z.boolean().default(false) });
export const STREAMING_DEFAULTS = { resume: false };

/** The clocks a stream runs with when neither the task nor the top level sets them (docs/config.md#streaming): an
 * upstream sending only keep-alives or empty deltas is given up on, before the commit after 30 s (the caller, held,
 * hears keep-alives meanwhile: gateway/stream/stream-hold.ts), in time for the next route to answer within about a minute of
 * the request; after it within a minute of silence. */
export const DEFAULT_FIRST_TOKEN_MS = 30_000;
export const DEFAULT_IDLE_MS = 60_000;

/** What a task's streams run with: its own fields over the top level's, the clocks' defaults under both. */
export interface StreamingSettings {
  firstTokenMs: number;
  idleMs: number;
  keepaliveMs?: number;
  resume: boolean;
}

export function streamingSettings(
  top: StreamingConfig | undefined,
  task: StreamingConfig | undefined,
): StreamingSettings {
  const merged = { ...top, ...task };
  const s: StreamingSettings = {
    resume: merged.resume === true,
    firstTokenMs: merged.first_token_timeout ?? DEFAULT_FIRST_TOKEN_MS,
    idleMs: merged.idle_timeout ?? DEFAULT_IDLE_MS,
  };
  if (merged.keepalive !== undefined) s.keepaliveMs = merged.keepalive;
  return s;
}
