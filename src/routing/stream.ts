// Streaming across the ladder: until the first content delta a failure is an ordinary failed attempt; after it the
// route is committed and a failure throws mid-stream (docs/routing.md#streaming).
import type { ChatRequest, ProviderAdapter, SendContext, StreamEvent } from '../providers/types.ts';
import { UpstreamError, upstreamError } from '../errors/upstream-error.ts';
import type { ErrorKind } from '../errors/kinds.ts';
import type { CallContext, Sender } from './call-context.ts';
import { SwitchyardError } from './errors.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { requestFor, type RequestAdjustments } from './adjust.ts';
import { makeAttempt, routeName } from './trail.ts';
import type { Attempt } from './types.ts';
import { StreamTally } from '../usage/estimate.ts';
import { abandoned, markBilled } from '../usage/billed.ts';
import { BREAKER_KINDS } from './policy.ts';
import type { StreamEnd, StreamHook } from './stream-hook.ts';

export interface OpenedStream {
  iterator: AsyncIterator<StreamEvent>;
  /** Events read before commit, released to the caller in order. */
  held: StreamEvent[];
  /** What the attempt delivered so far, for its usage (docs/usage.md). */
  tally: StreamTally;
  /** The request as sent on this attempt: the prompt an estimate counts. */
  sent: ChatRequest;
}

/** `text` and `refusal` (non-empty) and `tool_call_*` are content; `start`, empty text and `finish` are not. */
export function isContentDelta(e: StreamEvent): boolean {
  return (
    ((e.type === 'text' || e.type === 'refusal') && e.text.length > 0) ||
    e.type === 'tool_call_start' ||
    e.type === 'tool_call_delta'
  );
}

async function closeQuietly(it: AsyncIterator<StreamEvent>): Promise<void> {
  try {
    await it.return?.();
  } catch {
    // The attempt already failed; closing its connection is best effort.
  }
}

/** The streaming Sender: one attempt = open the stream and read up to the first content delta (or the finish). */
export function streamSender(request: Omit<ChatRequest, 'model'>): Sender<OpenedStream> {
  return async (
    adapter: ProviderAdapter,
    ctx: SendContext,
    route: RouteSpec,
    adjust: RequestAdjustments,
  ): Promise<OpenedStream> => {
    const sent = requestFor(request, route, adjust);
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
        if (isContentDelta(r.value) || r.value.type === 'finish') return { iterator, held, tally, sent };
      }
    } catch (err) {
      await closeQuietly(iterator);
      // The upstream had begun answering (or the caller left after sending): it bills what it took and gave.
      if ((held.length > 0 || abandoned(err, ctx.signal)) && typeof err === 'object' && err !== null)
        markBilled(err, tally.usage(sent.messages));
      throw err;
    }
  };
}

/** The attempt the stream was committed on: its trail entry (outcome `ok` when the stream started) is the one that broke. */
function committedAttempt(ctx: CallContext, route: RouteSpec): Attempt | undefined {
  const name = routeName(route);
  return ctx.trail.findLast((a) => a.route === name && a.outcome === 'ok' && a.credential !== undefined);
}

function midStreamError(ctx: CallContext, route: RouteSpec, err: unknown, startedAt: number): SwitchyardError {
  const kind: ErrorKind = UpstreamError.isInstance(err) ? err.kind : 'connection';
  const detail = UpstreamError.isInstance(err) ? err.providerMessage : err instanceof Error ? err.message : String(err);
  const message = `mid-stream: ${detail || 'stream ended without finishing'}`;
  // The same request broke: its entry (with the key it was sent with) now says how, rather than a second entry that
  // would read as another attempt without a key. Its latency runs to the break.
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
  if (BREAKER_KINDS.has(kind)) ctx.breakers.recordFailure(route.provider, kind);
  const explanation =
    `${ctx.task}: the answer from ${routeName(route)} broke off after it had started (${kind}${detail ? `: ${detail}` : ''}); ` +
    'a stream is never switched to another route once content has been delivered — ask again';
  ctx.events.emit({ type: 'give_up', task: ctx.task, kind, message: explanation });
  return new SwitchyardError({
    task: ctx.task,
    kind,
    explanation,
    trail: ctx.trail,
    failures: [{ route: routeName(route), kind, explanation }],
    midStream: true,
    cause: err,
  });
}

/** The caller's iterator over a committed stream; `hooks` run on each event and at the end, after the committed
 * attempt's usage is set (a hook settling budgets or writing the ledger reads it). */
export async function* committedEvents(
  ctx: CallContext,
  route: RouteSpec,
  opened: OpenedStream,
  onBroken: () => void = () => {},
  hooks: readonly StreamHook[] = [],
): AsyncGenerator<StreamEvent> {
  const startedAt = ctx.now();
  // The entry the stream was committed on: it is billed for everything the stream delivered, however it ends.
  const billed = committedAttempt(ctx, route);
  let finished = false;
  let drained = false;
  let how: StreamEnd = 'cancelled';
  let thrown: unknown;
  const broke = (err: unknown): SwitchyardError => {
    const error = midStreamError(ctx, route, err, startedAt);
    onBroken();
    return error;
  };
  const seen = (e: StreamEvent): void => {
    for (const h of hooks) h.event?.(e);
  };
  try {
    for (const e of opened.held) {
      if (e.type === 'finish') finished = true;
      seen(e);
      yield e;
    }
    while (!drained) {
      let r: IteratorResult<StreamEvent>;
      try {
        r = await opened.iterator.next();
      } catch (err) {
        drained = true;
        if (ctx.signal?.aborted) throw err;
        throw broke(err);
      }
      if (r.done) {
        drained = true;
        break;
      }
      if (r.value.type === 'finish') finished = true;
      opened.tally.see(r.value);
      seen(r.value);
      yield r.value;
    }
    // An upstream that stops without its terminal event was cut: say so, never end as if the answer were whole.
    if (!finished) throw broke(undefined);
    how = 'finished';
  } catch (err) {
    how = err instanceof Error && err.name === 'AbortError' ? 'cancelled' : 'cut';
    thrown = err;
    throw err;
  } finally {
    if (!drained) await closeQuietly(opened.iterator);
    if (billed !== undefined) billed.usage = opened.tally.usage(opened.sent.messages);
    for (const h of hooks) h.end?.(how, thrown);
  }
}
