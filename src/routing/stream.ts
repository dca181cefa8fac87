// Streaming across the ladder: until the first content delta a failure is an ordinary failed attempt; after it the
// route is committed and a failure throws mid-stream (docs/routing.md#streaming).
import type { ChatRequest, ProviderAdapter, SendContext, StreamEvent } from '../providers/types.ts';
import { UpstreamError, upstreamError } from '../errors/upstream-error.ts';
import type { ErrorKind } from '../errors/kinds.ts';
import type { CallContext, Sender } from './call-context.ts';
import { SwitchyardError } from './errors.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { requestFor, type RequestAdjustments } from './adjust.ts';
import { makeAttempt } from './trail.ts';
import { routeName } from '../config/route-name.ts';
import type { Attempt } from './types.ts';
import { StreamTally } from '../usage/estimate.ts';
import { abandoned, markBilled } from '../usage/billed.ts';
import { BREAKER_KINDS } from './policy.ts';
import type { StreamingSettings } from '../config/streaming.ts';
import { StreamWatch, watchError } from './stream-watch.ts';
import { joinedUsage, rejoin, ResumeNotes, type Resumer } from './stream-resume.ts';
import { countedFailurePatch } from '../credentials/health.ts';
import type { StreamEnd, StreamHook } from './stream-hook.ts';

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

/** The attempt's own clocks (stream-watch.ts): a limit that runs out aborts the upstream call with its timeout, which
 * the adapter throws as it is (the abort's reason). Undefined when neither limit is set: nothing changes then. */
function watched(
  ctx: SendContext,
  streaming: StreamingSettings | undefined,
): { ctx: SendContext; watch?: StreamWatch } {
  if (streaming?.firstTokenMs === undefined && streaming?.idleMs === undefined) return { ctx };
  const own = new AbortController();
  const limits = {
    ...(streaming.firstTokenMs !== undefined ? { firstTokenMs: streaming.firstTokenMs } : {}),
    ...(streaming.idleMs !== undefined ? { idleMs: streaming.idleMs } : {}),
  };
  const watch = new StreamWatch(limits, (end) => own.abort(watchError(end, ctx.provider)));
  const signal = ctx.signal === undefined ? own.signal : AbortSignal.any([ctx.signal, own.signal]);
  return { ctx: { ...ctx, signal }, watch };
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
function committedAttempt(ctx: CallContext, route: RouteSpec): Attempt | undefined {
  const name = routeName(route);
  return ctx.trail.findLast((a) => a.route === name && a.outcome === 'ok' && a.credential !== undefined);
}

/** The committed attempt's trail entry now says how it broke (rather than a second entry that would read as another
 * attempt without a key); its latency runs to the break. A stream gone silent past `streaming.idle_timeout` counts
 * against its key's health (no cooldown: a timeout is retried, not set aside). */
function markBroken(
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
  if (BREAKER_KINDS.has(kind)) ctx.breakers.recordFailure(route.provider, kind);
  if (UpstreamError.isInstance(err) && err.code === 'idle_timeout' && attempt.credential !== undefined)
    ctx.store.applyHealth(
      attempt.credential.fingerprint,
      countedFailurePatch(route.provider, ctx.now(), kind, message),
    );
  return { kind, detail, attempt };
}

/** The caller's error for a stream that broke and was not resumed (`resumeNote`: why a resume did not save it). */
function midStreamError(
  ctx: CallContext,
  route: RouteSpec,
  broken: { kind: ErrorKind; detail: string },
  err: unknown,
  resumeNote = '',
): SwitchyardError {
  const { kind, detail } = broken;
  const explanation =
    `${ctx.task}: the answer from ${routeName(route)} broke off after it had started (${kind}${detail ? `: ${detail}` : ''}); ` +
    (resumeNote || 'a stream is never switched to another route once content has been delivered — ask again');
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

/** The caller's iterator over a committed stream. `hooks` run on each event and once at the end, after the committed
 * attempt's usage is set (a hook settling budgets or writing the ledger reads it). With `resume`
 * (`streaming.resume`), a cut of a text answer goes on from another route (resumedAfterCut) instead of throwing, and
 * the hooks end only when that rest has ended. */
export async function* committedEvents(
  ctx: CallContext,
  route: RouteSpec,
  opened: OpenedStream,
  onBroken: () => void = () => {},
  hooks: readonly StreamHook[] = [],
  resume?: Resumer<OpenedStream> | 'spent',
): AsyncGenerator<StreamEvent> {
  const startedAt = ctx.now();
  const note =
    resume === 'spent' ? 'it was already the resumed rest of a cut answer, and streaming.resume resumes once' : '';
  // The entry the stream was committed on: it is billed for everything the stream delivered, however it ends.
  const billed = committedAttempt(ctx, route);
  const notes = resume !== undefined && resume !== 'spent' ? new ResumeNotes() : undefined;
  let finished = false;
  let drained = false;
  let how: StreamEnd = 'cancelled';
  let thrown: unknown;
  // Set when the stream broke and may be resumed: what broke it (undefined: it stopped without its finish).
  let cut: { err: unknown } | undefined;
  const broke = (err: unknown): SwitchyardError => {
    const error = midStreamError(ctx, route, markBroken(ctx, route, err, startedAt), err, note);
    onBroken();
    return error;
  };
  const seen = (e: StreamEvent): void => {
    for (const h of hooks) h.event?.(e);
  };
  const ended = (err: unknown): void => {
    how = err instanceof Error && err.name === 'AbortError' ? 'cancelled' : 'cut';
    thrown = err;
  };
  try {
    for (const e of opened.held) {
      if (e.type === 'finish') finished = true;
      notes?.see(e);
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
        if (notes?.resumable !== true) throw broke(err);
        cut = { err };
        break;
      }
      if (r.done) {
        drained = true;
        break;
      }
      opened.watch?.seen();
      if (r.value.type === 'finish') finished = true;
      opened.tally.see(r.value);
      notes?.see(r.value);
      seen(r.value);
      yield r.value;
    }
    // An upstream that stops without its terminal event was cut: say so, never end as if the answer were whole.
    if (!finished && cut === undefined) {
      if (notes?.resumable !== true) throw broke(undefined);
      cut = { err: undefined };
    }
    how = 'finished';
  } catch (err) {
    ended(err);
    throw err;
  } finally {
    opened.watch?.stop();
    if (!drained) await closeQuietly(opened.iterator);
    if (billed !== undefined) billed.usage = opened.tally.usage(opened.sent.messages);
    if (cut === undefined) for (const h of hooks) h.end?.(how, thrown);
  }
  if (cut === undefined || notes === undefined || resume === undefined || resume === 'spent') return;
  how = 'cancelled';
  try {
    for await (const e of resumedAfterCut(
      ctx,
      { route, opened, err: cut.err, text: notes.text, startedAt },
      resume,
      onBroken,
    )) {
      seen(e);
      yield e;
    }
    how = 'finished';
  } catch (err) {
    ended(err);
    throw err;
  } finally {
    for (const h of hooks) h.end?.(how, thrown);
  }
}

interface CutStream {
  route: RouteSpec;
  opened: OpenedStream;
  err: unknown;
  /** The text the caller has been given. */
  text: string;
  startedAt: number;
}

/** The rest of a cut answer from the resumed route, as one stream with what came before: no second start, no
 * whitespace twice where the prefill lost it, and a finish whose usage is both attempts'. At most once: the resumed
 * stream is not resumed again. */
async function* resumedAfterCut(
  ctx: CallContext,
  cut: CutStream,
  resume: Resumer<OpenedStream>,
  onBroken: () => void,
): AsyncGenerator<StreamEvent> {
  const broken = markBroken(ctx, cut.route, cut.err, cut.startedAt);
  const cutUsage = cut.opened.tally.usage(cut.opened.sent.messages);
  let next: Awaited<ReturnType<Resumer<OpenedStream>>>;
  try {
    next = await resume({ route: cut.route, text: cut.text });
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    const why = err instanceof SwitchyardError ? err.kind : 'an error';
    onBroken();
    throw midStreamError(ctx, cut.route, broken, cut.err, `streaming.resume found no route to go on from (${why})`);
  }
  broken.attempt.message += `; resumed on ${routeName(next.route)}`;
  const resumedAttempt = committedAttempt(ctx, next.route);
  if (resumedAttempt !== undefined) resumedAttempt.resumed_from = routeName(cut.route);
  let leading = /\s$/.test(cut.text);
  for await (const e of committedEvents(ctx, next.route, next.opened, onBroken, [], 'spent')) {
    if (e.type === 'start') continue;
    if (e.type === 'text' && leading) {
      const text = rejoin(cut.text, e.text);
      if (text.length === 0) continue;
      leading = false;
      yield { type: 'text', text };
      continue;
    }
    if (e.type === 'finish' && e.usage !== undefined) {
      yield { ...e, usage: joinedUsage(cutUsage, e.usage) };
      continue;
    }
    yield e;
  }
}
