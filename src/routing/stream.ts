// Streaming across the ladder: until the first content delta a failure is an ordinary failed attempt; after it the
// route is committed and a failure throws mid-stream (docs/routing.md#streaming).
import type { ChatRequest, ProviderAdapter, SendContext, StreamEvent } from '../providers/types.ts';
import { UpstreamError, upstreamError } from '../errors/upstream-error.ts';
import type { ErrorKind } from '../errors/kinds.ts';
import type { CallContext, Sender } from './call-context.ts';
import { composeExplanation, SwitchyardError, type RouteFailure } from './errors.ts';
import { explainMidStream } from '../errors/messages.ts';
import { renderLine } from '../errors/explanation.ts';
import { commandsFor } from '../errors/advice.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { requestFor, type RequestAdjustments } from './adjust.ts';
import { makeAttempt } from '../calls/trail.ts';
import { routeName } from '../config/route-name.ts';
import type { Attempt } from '../calls/types.ts';
import { StreamTally } from '../calls/estimate.ts';
import { abandoned, markBilled } from '../calls/billed.ts';
import { breakerHears } from './policy.ts';
import type { StreamingSettings } from '../config/streaming.ts';
import { StreamWatch, watchError } from './stream-watch.ts';
import { countedFailurePatch } from '../credentials/health.ts';

export interface OpenedStream {
  iterator: AsyncIterator<StreamEvent>;
  /** Events read before commit, released to the caller in order. */
  held: StreamEvent[];
  /** What the attempt delivered so far, for its usage (docs/usage.md). */
  tally: StreamTally;
  /** The request as sent on this attempt: the prompt an estimate counts. */
  sent: ChatRequest;
  /** The first-token and idle clocks (`streaming:`), when either is set. */
  watch?: StreamWatch;
}

/** `text` and `refusal` (non-empty), `tool_call_start` and `tool_call_delta` are content; `start`, a block's start
 * or end (a `text_start` alone commits nothing), empty text, thinking and `finish` are not. */
export function isContentDelta(e: StreamEvent): boolean {
  return (
    ((e.type === 'text' || e.type === 'refusal') && e.text.length > 0) ||
    e.type === 'tool_call_start' ||
    e.type === 'tool_call_delta'
  );
}

export async function closeQuietly(it: AsyncIterator<StreamEvent>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // The attempt already failed; closing its connection is best effort.
  }
}

/** The attempt's own clocks (stream-watch.ts): a limit that runs out ends the upstream call with its timeout, which
 * the adapter throws as it is (as for the caller's abort). No AbortSignal of its own: one per stream, joined to the
 * caller's with AbortSignal.any, cost more than the rest of the clocks. Undefined only for a caller that gives no
 * settings (a probe). */
function watched(
  ctx: SendContext,
  streaming: StreamingSettings | undefined,
): { ctx: SendContext; watch?: StreamWatch } {
  if (streaming === undefined) return { ctx };
  let end: ((reason: unknown) => void) | undefined;
  let ended: unknown;
  const limits = { firstTokenMs: streaming.firstTokenMs, idleMs: streaming.idleMs };
  const watch = new StreamWatch(limits, (out) => {
    ended = watchError(out, ctx.provider);
    end?.(ended);
  });
  const endBy = (f: (reason: unknown) => void): void => {
    end = f;
    if (ended !== undefined) f(ended);
  };
  return { ctx: { ...ctx, onRead: watch.read, endBy }, watch };
}

/** The streaming Sender: one attempt = open the stream and read up to the first content delta (or the finish). */
export function streamSender(request: Omit<ChatRequest, 'model'>, streaming?: StreamingSettings): Sender<OpenedStream> {
  return async (
    adapter: ProviderAdapter,
    sendCtx: SendContext,
    route: RouteSpec,
    adjust: RequestAdjustments,
  ): Promise<OpenedStream> => {
    const sent = requestFor(request, route, adjust);
    const { ctx, watch } = watched(sendCtx, streaming);
    const iterator = adapter.stream(sent, ctx)[Symbol.asyncIterator]();
    const held: StreamEvent[] = [];
    const tally = new StreamTally();
    try {
      for (;;) {
        const r = await iterator.next();
        // Ending with neither content nor a finish is a cut before commit: an ordinary, retryable failure.
        if (r.done)
          throw upstreamError({
            kind: 'connection',
            provider: ctx.provider,
            providerMessage: 'the stream ended before any content',
          });
        held.push(r.value);
        tally.see(r.value);
        if (isContentDelta(r.value) || r.value.type === 'finish') {
          if (watch === undefined) return { iterator, held, tally, sent };
          watch.committed();
          return { iterator, held, tally, sent, watch };
        }
      }
    } catch (err) {
      watch?.stop();
      await closeQuietly(iterator);
      // The upstream had begun answering (or the caller left after sending): it bills what it took and gave.
      if ((held.length > 0 || abandoned(err, sendCtx.signal)) && typeof err === 'object' && err !== null)
        markBilled(err, tally.usage(sent.messages));
      throw err;
    }
  };
}

/** The attempt the stream was committed on: its trail entry (outcome `ok` when the stream started) is the one that broke. */
export function committedAttempt(ctx: CallContext, route: RouteSpec): Attempt | undefined {
  const name = routeName(route);
  return ctx.trail.findLast((a) => a.route === name && a.outcome === 'ok' && a.credential !== undefined);
}

/** The committed attempt's trail entry now says how it broke (rather than a second entry that would read as another
 * attempt without a key); its latency runs to the break. A stream gone silent past `streaming.idle_timeout` counts
 * against its key's health (no cooldown: a timeout is retried, not set aside). */
export function markBroken(
  ctx: CallContext,
  route: RouteSpec,
  err: unknown,
  startedAt: number,
): { kind: ErrorKind; detail: string; attempt: Attempt } {
  const kind: ErrorKind = UpstreamError.isInstance(err) ? err.kind : 'connection';
  const detail = UpstreamError.isInstance(err) ? err.providerMessage : err instanceof Error ? err.message : String(err);
  const message = `mid-stream: ${detail || 'stream ended without finishing'}`;
  let attempt = committedAttempt(ctx, route);
  if (attempt !== undefined) {
    attempt.outcome = kind;
    attempt.message = message;
    attempt.latency_ms = Math.max(0, ctx.now() - attempt.started_at);
  } else {
    attempt = makeAttempt({ route, outcome: kind, startedAt, endedAt: ctx.now(), waitMs: 0, message });
    ctx.trail.push(attempt);
  }
  if (UpstreamError.isInstance(err) && err.status !== undefined) attempt.status = err.status;
  ctx.events.emit({ type: 'attempt', task: ctx.task, attempt });
  // No refinement: what would make the breaker deaf (a proxy's refusal, a stale pooled connection) comes before any
  // byte of the answer, and this stream was answered.
  ctx.breakers.hear(route.provider, breakerHears(kind));
  if (UpstreamError.isInstance(err) && err.code === 'idle_timeout' && attempt.credential !== undefined)
    ctx.store.applyHealth(
      attempt.credential.fingerprint,
      countedFailurePatch(route.provider, ctx.now(), kind, message),
    );
  return { kind, detail, attempt };
}

/** The caller's error for a stream that broke and was not resumed (`resumeNote`: why a resume did not save it): an
 * explanation value like every other failure's, rendered for its reader (the CLI's line, a library caller's). */
export function midStreamError(
  ctx: CallContext,
  route: RouteSpec,
  broken: { kind: ErrorKind; detail: string },
  err: unknown,
  resumeNote = '',
): SwitchyardError {
  const { kind, detail } = broken;
  const value = explainMidStream({
    route: routeName(route),
    kind,
    ...(detail ? { said: detail } : {}),
    ...(resumeNote ? { notResumed: resumeNote } : {}),
  });
  const failure: RouteFailure = {
    route: routeName(route),
    kind,
    explanation: renderLine(value, commandsFor(ctx.loaded)),
    explained: value,
  };
  const explanation = composeExplanation(ctx.task, [failure], failure);
  ctx.events.emit({ type: 'give_up', task: ctx.task, kind, message: explanation });
  return new SwitchyardError({
    task: ctx.task,
    kind,
    explanation,
    trail: ctx.trail,
    failures: [failure],
    midStream: true,
    explained: value,
    cause: err,
  });
}
