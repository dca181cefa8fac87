// The caller's side of a committed stream (docs/routing.md#streaming): the events held before the commit, then the
// upstream's, each seen by the stream's hooks (the call's record, telemetry's chunk clock), its tally and its clocks; a
// break becomes the caller's error, or with `streaming.resume` the rest of the answer from another route. Pulled (an
// async iterator, as the library hands it out) or, from any point between two pulls, pushed to a sink with no promise
// per event (the gateway's writer: providers/event-sink.ts). One state machine serves both.
import type { StreamEvent } from '../providers/types.ts';
import type { EventSink, PushableStream, PushControl } from '../providers/event-sink.ts';
import { pumpInto } from '../providers/event-sink.ts';
import { heard } from '../providers/stream-call.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { routeName } from '../config/route-name.ts';
import type { CallContext } from './call-context.ts';
import { SwitchyardError } from './errors.ts';
import type { Attempt, AttemptUsage } from '../calls/types.ts';
import { joinedUsage, rejoin, ResumedBlocks, ResumeNotes, type Resumer } from './stream-resume.ts';
import type { StreamEnd, StreamHook } from '../calls/stream-hook.ts';
import { closeQuietly, committedAttempt, markBroken, midStreamError, type OpenedStream } from './stream.ts';
import { afterBilled, billAttempt, billedAll } from '../calls/billed.ts';

type Phase = 'held' | 'upstream' | 'rest' | 'over';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

function howOf(err: unknown): StreamEnd {
  return err instanceof Error && err.name === 'AbortError' ? 'cancelled' : 'cut';
}

/** The caller's iterator over a committed stream. `hooks` run on each event and once at the end, after the committed
 * attempt's usage is set (the call's record, whose readers settle budgets and write the ledger, reads it). With `resume`
 * (`streaming.resume`), a cut of a text answer goes on from another route (resumedAfterCut) instead of throwing, and
 * the hooks end only when that rest has ended. */
export function committedEvents(
  ctx: CallContext,
  route: RouteSpec,
  opened: OpenedStream,
  onBroken: () => void = () => {},
  hooks: readonly StreamHook[] = [],
  resume?: Resumer<OpenedStream> | 'spent',
): CommittedStream {
  return new CommittedStream(ctx, route, opened, onBroken, hooks, resume);
}

export class CommittedStream implements PushableStream, AsyncIterable<StreamEvent> {
  readonly #ctx: CallContext;
  readonly #route: RouteSpec;
  readonly #opened: OpenedStream;
  readonly #onBroken: () => void;
  readonly #hooks: readonly StreamHook[];
  readonly #resume: Resumer<OpenedStream> | 'spent' | undefined;
  readonly #startedAt: number;
  /** The entry the stream was committed on: it is billed for everything the stream delivered, however it ends. */
  readonly #billed: Attempt | undefined;
  readonly #notes: ResumeNotes | undefined;
  #phase: Phase = 'held';
  #heldAt = 0;
  #finished = false;
  /** The upstream's iterator ended or threw: nothing to close. */
  #drained = false;
  #settled = false;
  /** The committed attempt's usage while it is being estimated (counted off the event loop, calls/estimate.ts), for
   * a resumed rest's joined usage. The call's estimates (calls/billed.ts) are waited for by the hooks' end, and by a
   * stream that finished (its usage trailer carries them); one cut short tells its caller at once. */
  #estimate: Promise<AttemptUsage> | undefined;
  #closing: Promise<void> | undefined;
  /** The resumed rest of a cut answer (phase `rest`). */
  #rest: AsyncIterator<StreamEvent> | undefined;
  /** While pushing: the handle on what pushes into us. */
  #control: PushControl | undefined;

  constructor(
    ctx: CallContext,
    route: RouteSpec,
    opened: OpenedStream,
    onBroken: () => void,
    hooks: readonly StreamHook[],
    resume: Resumer<OpenedStream> | 'spent' | undefined,
  ) {
    this.#ctx = ctx;
    this.#route = route;
    this.#opened = opened;
    this.#onBroken = onBroken;
    this.#hooks = hooks;
    this.#resume = resume;
    this.#startedAt = ctx.now();
    this.#billed = committedAttempt(ctx, route);
    this.#notes = resume !== undefined && resume !== 'spent' ? new ResumeNotes() : undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<StreamEvent>> {
    try {
      if (this.#phase === 'held') {
        const e = this.#nextHeld();
        if (e !== undefined) return { done: false, value: e };
      }
      if (this.#phase === 'upstream') {
        const e = await this.#pullUpstream();
        if (e !== undefined) return { done: false, value: e };
      }
      if (this.#phase === 'rest') {
        const r = await this.#rest!.next();
        if ((this.#phase as Phase) === 'over') return DONE;
        if (!r.done) {
          this.#seen(r.value);
          return r;
        }
        this.#over('finished');
      }
      await billedAll(this.#ctx);
      return DONE;
    } catch (err) {
      // Thrown at once, as a pushed stream's caller is told (#settledBy): the hooks end once the estimate is counted.
      this.#over(howOf(err), err);
      throw err;
    }
  }

  /** The caller left: the upstream is released and the hooks end `cancelled`. */
  async return(): Promise<IteratorResult<StreamEvent>> {
    if (this.#phase === 'over') return DONE;
    const rest = this.#phase === 'rest' ? this.#rest : undefined;
    this.#control?.cancel();
    this.#over('cancelled');
    await this.#closing;
    await billedAll(this.#ctx);
    if (rest !== undefined) await Promise.resolve(rest.return?.()).catch(() => {});
    return DONE;
  }

  /** The rest of the stream goes to `sink` as it comes: the upstream pushes into it when it can (no promise per
   * event), else it is pulled for it. Between two pulls only. */
  pushTo(sink: EventSink): PushControl {
    for (let e = this.#nextHeld(); e !== undefined; e = this.#nextHeld()) sink.event(e);
    this.#opened.watch?.asked();
    if (this.#phase === 'upstream') this.#control = pumpInto(this.#opened.iterator, this.#upstreamSink(sink));
    else if (this.#phase === 'rest') this.#control = pumpInto(this.#rest!, this.#restSink(sink));
    else throw new Error('pushTo: the stream is over');
    return {
      resume: () => {
        this.#opened.watch?.asked();
        this.#control?.resume();
      },
      cancel: () => {
        if (this.#phase === 'over') return;
        this.#control?.cancel();
        this.#over('cancelled');
      },
    };
  }

  #upstreamSink(sink: EventSink): EventSink {
    const onward = (): void => {
      if (this.#phase === 'over') sink.end();
      else this.#control = pumpInto(this.#rest!, this.#restSink(sink));
    };
    const upstream: EventSink = {
      event: (e) => {
        this.#see(e);
        // Taken at once: the caller asks for the next (a full sink asks again when it resumes us).
        if (!sink.event(e)) return false;
        this.#opened.watch?.asked();
        return true;
      },
      end: () => {
        this.#drained = true;
        if (this.#settledBy(sink, () => this.#upstreamEnded())) afterBilled(this.#ctx, onward);
      },
      fail: (err) => {
        this.#drained = true;
        if (this.#settledBy(sink, () => this.#broken(err))) onward();
      },
    };
    const together = sink.together?.bind(sink);
    if (together !== undefined) upstream.together = together;
    // The upstream's own bytes go on only from the upstream the stream was committed on: a resumed rest is re-encoded.
    const verbatim = sink.verbatim?.bind(sink);
    if (verbatim !== undefined) {
      const passOn: NonNullable<typeof upstream.verbatim> = (bytes, events, key) => {
        for (const e of events) this.#see(e);
        if (!verbatim(bytes, events, key)) return false;
        this.#opened.watch?.asked();
        return true;
      };
      upstream.verbatim = passOn;
    }
    return upstream;
  }

  #restSink(sink: EventSink): EventSink {
    return {
      event: (e) => {
        this.#seen(e);
        return sink.event(e);
      },
      end: () => {
        this.#over('finished');
        sink.end();
      },
      fail: (err) => {
        this.#over(howOf(err), err);
        sink.fail(err);
      },
    };
  }

  /** Runs a step that may throw the caller's error: thrown, the stream is over and the sink is told. */
  #settledBy(sink: EventSink, step: () => void): boolean {
    try {
      step();
      return true;
    } catch (err) {
      this.#over(howOf(err), err);
      // Told at once, estimate or not: a stream cut at the drain's deadline has a second to write its error.
      sink.fail(err);
      return false;
    }
  }

  /** The next event read before the commit, or undefined (and the upstream's turn) when none is left. */
  #nextHeld(): StreamEvent | undefined {
    if (this.#phase !== 'held') return undefined;
    const e = this.#opened.held[this.#heldAt++];
    if (e === undefined) {
      this.#phase = 'upstream';
      return undefined;
    }
    if (e.type === 'finish') this.#finished = true;
    this.#notes?.see(e);
    this.#seen(e);
    return e;
  }

  /** The upstream's next event, or undefined when it ended (phase `over` or `rest`). Throws the caller's error. */
  async #pullUpstream(): Promise<StreamEvent | undefined> {
    let r: IteratorResult<StreamEvent>;
    // The caller asked for more: from now the wait is the upstream's (StreamWatch's idle clock).
    this.#opened.watch?.asked();
    try {
      r = await this.#opened.iterator.next();
    } catch (err) {
      this.#drained = true;
      if (this.#phase === 'over') return undefined;
      this.#broken(err);
      return undefined;
    }
    // Returned while this pull waited: the caller left, and the hooks have ended.
    if (this.#phase === 'over') return undefined;
    if (r.done) {
      this.#drained = true;
      this.#upstreamEnded();
      return undefined;
    }
    this.#see(r.value);
    return r.value;
  }

  /** An upstream event: the idle clock, the tally, what resuming needs, the hooks. */
  #see(e: StreamEvent): void {
    this.#opened.watch?.seen(heard(e));
    if (e.type === 'finish') this.#finished = true;
    this.#opened.tally.see(e);
    this.#notes?.see(e);
    this.#seen(e);
  }

  #seen(e: StreamEvent): void {
    for (const h of this.#hooks) h.event?.(e);
  }

  /** The upstream threw: the caller's error, unless the answer can be resumed (then phase `rest`). */
  #broken(err: unknown): void {
    if (this.#ctx.signal?.aborted) throw err;
    if (this.#notes?.resumable !== true) throw this.#broke(err);
    this.#startRest(err);
  }

  /** An upstream that stops without its terminal event was cut: say so, never end as if the answer were whole. */
  #upstreamEnded(): void {
    if (this.#finished) return this.#over('finished');
    if (this.#notes?.resumable !== true) throw this.#broke(undefined);
    this.#startRest(undefined);
  }

  #broke(err: unknown): SwitchyardError {
    const note =
      this.#resume === 'spent'
        ? 'it was already the resumed rest of a cut answer, and streaming.resume resumes once'
        : '';
    const error = midStreamError(
      this.#ctx,
      this.#route,
      markBroken(this.#ctx, this.#route, err, this.#startedAt),
      err,
      note,
    );
    this.#onBroken();
    return error;
  }

  #startRest(err: unknown): void {
    this.#settleUpstream();
    this.#phase = 'rest';
    const notes = this.#notes!;
    const cut = {
      route: this.#route,
      opened: this.#opened,
      err,
      text: notes.text,
      openText: notes.openText,
      startedAt: this.#startedAt,
      usage: this.#estimate ?? this.#opened.tally.usage(this.#opened.sent.messages),
    };
    this.#rest = resumedAfterCut(this.#ctx, cut, this.#resume as Resumer<OpenedStream>, this.#onBroken);
  }

  /** The committed attempt is done with: its clocks stop, its connection is released, its usage is billed. */
  #settleUpstream(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#opened.watch?.stop();
    if (!this.#drained) {
      this.#drained = true;
      this.#closing = closeQuietly(this.#opened.iterator);
    }
    const billed = this.#billed;
    if (billed === undefined) return;
    const reported = this.#opened.tally.reported();
    if (reported !== undefined) {
      billed.usage = reported;
      return;
    }
    this.#estimate = this.#opened.tally.usage(this.#opened.sent.messages);
    billAttempt(this.#ctx, billed, this.#estimate);
  }

  /** The stream is over: the hooks end once, after the committed attempt's usage is set. */
  #over(how: StreamEnd, thrown?: unknown): void {
    if (this.#phase === 'over') return;
    this.#phase = 'over';
    this.#settleUpstream();
    afterBilled(this.#ctx, () => {
      for (const h of this.#hooks) h.end?.(how, thrown);
    });
  }
}

interface CutStream {
  route: RouteSpec;
  opened: OpenedStream;
  err: unknown;
  /** The text the caller has been given. */
  text: string;
  /** The text block left open at the cut (ResumedBlocks). */
  openText: string | undefined;
  startedAt: number;
  /** What the cut attempt was billed. */
  usage: Promise<AttemptUsage>;
}

/** The rest of a cut answer from the resumed route, as one stream with what came before: no second start, its text
 * going on in the block the cut left open (ResumedBlocks), no whitespace twice where the prefill lost it, and a finish
 * whose usage is both attempts'. At most once: the resumed stream is not resumed again. */
async function* resumedAfterCut(
  ctx: CallContext,
  cut: CutStream,
  resume: Resumer<OpenedStream>,
  onBroken: () => void,
): AsyncGenerator<StreamEvent> {
  const broken = markBroken(ctx, cut.route, cut.err, cut.startedAt);
  const cutUsage = await cut.usage;
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
  const blocks = new ResumedBlocks(cut.openText);
  for await (const from of committedEvents(ctx, next.route, next.opened, onBroken, [], 'spent')) {
    for (const e of blocks.map(from)) {
      if (e.type === 'text' && leading) {
        const text = rejoin(cut.text, e.text);
        if (text.length === 0) continue;
        leading = false;
        yield { ...e, text };
        continue;
      }
      if (e.type === 'finish' && e.usage !== undefined) {
        yield { ...e, usage: joinedUsage(cutUsage, e.usage) };
        continue;
      }
      yield e;
    }
  }
}
