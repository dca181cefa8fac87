// The shared skeleton of a streaming call: open the request (errors before the first event reject the first
// next()), feed SSE events to a provider-specific handler as each chunk arrives, re-arm the idle timer on each chunk,
// and turn a cut, an idle timeout or an error inside the 200 stream into a classified UpstreamError marked midStream.
// The events are pulled (an async iterator) or, once committed, pushed to a sink (event-sink.ts).
import type { EventSourceMessage } from 'eventsource-parser';
import type { Dispatcher } from 'undici';
import type { SendContext, StreamEvent } from './types.ts';
import { fromClassification } from '../errors/upstream-error.ts';
import { createDeadline, type Deadline } from './deadline.ts';
import type { CallRequest, UpstreamCall } from './http.ts';
import { MAX_EVENT_BYTES, nonStreamAnswer, tooLargeFailure, transportFailure, upstreamRequest } from './http.ts';
import { sseReader, type SseReader } from './sse.ts';
import { unparsableMessage } from '../errors/error-body.ts';
import { callSecrets } from './call-secrets.ts';
import type { EventSink, PushableStream, PushControl } from './event-sink.ts';

/** An event's data as JSON; data that is not JSON is the upstream's failure mid-stream (`code` says of what). */
export function eventJson(e: EventSourceMessage, ctx: SendContext, code: string, what: string): unknown {
  try {
    return JSON.parse(e.data);
  } catch {
    throw fromClassification(
      { kind: 'server', code, providerMessage: unparsableMessage(`${what} was not JSON`, e.data, callSecrets(ctx)) },
      ctx.provider,
      { midStream: true },
    );
  }
}

/** An event that says the upstream is working: not the stream's start (a role-only chunk), a relayed Responses
 * lifecycle event, or an empty piece of text. The rest is silence to the stream's clocks (routing/stream-watch.ts). */
export function heard(e: StreamEvent): boolean {
  if (e.type === 'start' || e.type === 'responses_event') return false;
  if (e.type === 'text' || e.type === 'refusal') return e.text !== '';
  return e.type !== 'thinking' || e.thinking !== '';
}

/** Whether a chunk's last bytes end an event (a blank line): nothing of it is left for the next chunk. */
function endsAnEvent(chunk: Uint8Array): boolean {
  const n = chunk.length;
  return n >= 2 && chunk[n - 1] === 10 && (chunk[n - 2] === 10 || (chunk[n - 2] === 13 && chunk[n - 3] === 10));
}

export interface StreamHandler {
  /** One SSE event → canonical events; `done: true` when the provider marked the end. Throws for in-stream errors.
   * `verbatim`: the event's bytes say nothing but these events in the upstream's own shape, with this frame key
   * (event-sink.ts: a same-shape writer may send them on as they are). */
  onEvent(e: EventSourceMessage): { events: StreamEvent[]; done?: boolean; verbatim?: string | undefined };
  /** Events to flush at the end, or undefined when the stream ended before it was complete (a cut). */
  onEnd(): StreamEvent[] | undefined;
  /** How the body is framed; default server-sent events (AWS's binary event stream: bedrock/event-stream.ts). */
  reader?: typeof sseReader;
}

/** The body's chunks become canonical events as they arrive, parsed synchronously from its own data events. Pulled,
 * they are queued and handed on with one promise per upstream read at most; pushed, they go to the sink at once. */
export function streamCall(
  ctx: SendContext,
  build: CallRequest,
  handler: StreamHandler,
): PushableStream & AsyncIterable<StreamEvent> {
  return new UpstreamStream(ctx, build, handler);
}

type Body = Dispatcher.ResponseData['body'];

class UpstreamStream implements PushableStream, AsyncIterable<StreamEvent> {
  readonly #ctx: SendContext;
  readonly #handler: StreamHandler;
  readonly #deadline: Deadline;
  readonly #call: UpstreamCall;
  #body: Body | undefined;
  #reader: SseReader | undefined;
  readonly #queue: StreamEvent[] = [];
  #taken = 0;
  #produced = false;
  /** The provider's end marker came: the rest of the body is read and dropped, so the socket goes back to the pool. */
  #done = false;
  #ended = false;
  #failed = false;
  #failure: unknown;
  #closed = false;
  #wake: (() => void) | undefined;
  #sink: EventSink | undefined;
  /** The sink said it was full while this chunk was parsed. */
  #full = false;
  /** This chunk brought an event that is not silence (heard()). */
  #heard = false;
  /** The body read so far ends where an event ends: the next chunk's bytes are whole events from its start. */
  #aligned = true;
  /** While a chunk is parsed for a sink that takes the upstream's bytes: its events, held until it is whole. */
  #batch: StreamEvent[] | undefined;
  /** The one array every chunk's batch is held in: a sink only reads it while it is handed over. */
  readonly #batchStore: StreamEvent[] = [];
  /** How many of the store's events are this chunk's: it is written over, not emptied (an array emptied by
   * `length = 0` drops its backing store, made anew by the next chunk's push). */
  #batched = 0;
  /** The frame key of every event of the batch so far; `null` once one had none (or another). */
  #batchKey: string | null | undefined;

  constructor(ctx: SendContext, build: CallRequest, handler: StreamHandler) {
    this.#ctx = ctx;
    this.#handler = handler;
    this.#deadline = createDeadline(ctx.timeoutMs, ctx.signal);
    ctx.endBy?.((reason) => this.#deadline.abort(reason));
    this.#call = { ...build, provider: ctx.provider, deadline: this.#deadline, sentWith: ctx };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<StreamEvent>> {
    if (this.#closed && this.#taken >= this.#queue.length) return { done: true, value: undefined };
    const body = this.#body ?? (await this.#open());
    for (;;) {
      if (this.#taken < this.#queue.length) return { done: false, value: this.#queue[this.#taken++]! };
      this.#queue.length = 0;
      this.#taken = 0;
      // Returned while this pull waited: the consumer left.
      if (this.#closed && !this.#failed && !this.#ended) return { done: true, value: undefined };
      if (this.#failed) {
        this.#close();
        throw this.#failure;
      }
      if (this.#ended) {
        const tail = this.#tail();
        if (tail === undefined) return { done: true, value: undefined };
        this.#queue.push(...tail);
        continue;
      }
      if (body.isPaused()) this.#resume(body);
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<StreamEvent>> {
    this.#close();
    return { done: true, value: undefined };
  }

  /** The rest of the stream, from the next event on, goes to `sink` as it is parsed. Only once the stream is open
   * (its first event was pulled) and while no pull is waiting. */
  pushTo(sink: EventSink): PushControl {
    const body = this.#body;
    if (body === undefined || this.#wake !== undefined)
      throw new Error('pushTo: the stream is not open or is being pulled');
    this.#sink = sink;
    const control = this.#control(body);
    const queued = this.#queue.slice(this.#taken);
    this.#queue.length = 0;
    this.#taken = 0;
    let room = true;
    for (const e of queued) room = sink.event(e) && room;
    if (this.#settleSink()) return control;
    if (!room) this.#pause(body);
    else if (body.isPaused()) this.#resume(body);
    return control;
  }

  /** What a sink that is pushed into holds. */
  #control(body: Body): PushControl {
    return {
      resume: () => {
        if (!this.#closed && body.isPaused()) this.#resume(body);
      },
      cancel: () => {
        this.#sink = undefined;
        this.#close();
      },
    };
  }

  /** Sends the request and starts reading: the first pull's work, whose failure is the attempt's. */
  async #open(): Promise<Body> {
    const deadline = this.#deadline;
    const call = this.#call;
    // A request signed over its body and time (SigV4) is signed as it goes out.
    if (call.sign !== undefined) call.headers = { ...call.headers, ...(await call.sign(call)) };
    const res = await upstreamRequest(call).catch((err: unknown) => {
      deadline.clear();
      this.#closed = true;
      throw err;
    });
    this.#ctx.onHeaders?.(res.headers);
    // A whole JSON answer, or an HTML page (a proxy's error page with a 200), is not a stream: say what came.
    if (/application\/json|text\/html/i.test(String(res.headers['content-type'] ?? ''))) {
      const failure = await nonStreamAnswer(res, this.#call);
      deadline.clear();
      this.#closed = true;
      throw failure;
    }
    const body = res.body;
    this.#body = body;
    const maxEvent = this.#ctx.maxEventBytes ?? MAX_EVENT_BYTES;
    this.#reader = (this.#handler.reader ?? sseReader)(this.#onEvent, maxEvent, () => {
      throw tooLargeFailure(
        this.#ctx.provider,
        'event',
        maxEvent,
        `more than ${maxEvent} characters came`,
        this.#produced,
      );
    });
    body.on('data', this.#onData).once('end', this.#onEnd).once('error', this.#onError);
    return body;
  }

  #cut(message: string): Error {
    return fromClassification(
      { kind: 'connection', code: 'stream_cut', providerMessage: message },
      this.#ctx.provider,
      {
        midStream: this.#produced,
      },
    );
  }

  #fail(err: unknown): void {
    if (this.#failed || this.#done) return; // after the end marker, a hiccup while draining does not matter
    this.#failed = true;
    this.#failure = transportFailure(err, this.#call, this.#produced);
  }

  /** Events for the consumer: to the batch of the chunk being parsed, to the sink when pushing (false once it is
   * full), else to the queue. */
  #push(events: readonly StreamEvent[]): boolean {
    if (events.length > 0) this.#produced = true;
    if (!this.#heard) this.#heard = events.some(heard);
    const batch = this.#batch;
    if (batch !== undefined) {
      for (const ev of events) batch[this.#batched++] = ev;
      return true;
    }
    const sink = this.#sink;
    if (sink === undefined) {
      for (const ev of events) this.#queue.push(ev);
      return true;
    }
    let room = true;
    for (const ev of events) room = sink.event(ev) && room;
    return room;
  }

  /** The handler's events for one SSE event; a full sink pauses the body once this chunk is parsed. */
  readonly #onEvent = (e: EventSourceMessage): void => {
    if (this.#done || this.#failed) return;
    const out = this.#handler.onEvent(e);
    if (this.#batch !== undefined && this.#batchKey !== null)
      this.#batchKey =
        out.verbatim === undefined || (this.#batchKey ?? out.verbatim) !== out.verbatim ? null : out.verbatim;
    if (!this.#push(out.events)) this.#full = true;
    if (out.done) {
      // The flush's events are ours, not the bytes'.
      this.#batchKey = null;
      const tail = this.#handler.onEnd();
      if (tail === undefined) throw this.#cut('stream ended without a finish');
      if (!this.#push(tail)) this.#full = true;
      this.#done = true;
    }
  };

  readonly #onData = (chunk: Uint8Array): void => {
    this.#deadline.touch();
    this.#full = false;
    this.#heard = false;
    // Whole events from the chunk's first byte, for a sink that may take the upstream's bytes: held until parsed.
    if (this.#aligned && this.#sink?.verbatim !== undefined) {
      this.#batch = this.#batchStore;
      this.#batched = 0;
      this.#batchKey = undefined;
    }
    let partial = false;
    try {
      partial = this.#reader!.feed(chunk);
    } catch (err) {
      this.#fail(err);
    }
    this.#aligned = endsAnEvent(chunk);
    if (this.#batch !== undefined) this.#flushBatch(chunk);
    // Keep-alive comments, empty deltas and role-only chunks are silence to the stream's clocks (stream-watch.ts).
    if (this.#heard || partial) this.#ctx.onRead?.();
    const body = this.#body!;
    if (this.#sink !== undefined) {
      if (!this.#settleSink() && this.#full) this.#pause(body);
      return;
    }
    // A consumer busy elsewhere (writing to a slow caller, or gone) gets at most this chunk read ahead of it, as when
    // it pulled each chunk itself: what a cancelled stream is billed is what it was handed, not what sat queued.
    if (this.#wake === undefined && this.#queue.length > this.#taken) this.#pause(body);
    this.#wakeUp();
  };

  /** The chunk's events to the sink: as the chunk's own bytes when every event came with the same frame key and the
   * chunk ends where an event ends, else one by one. */
  #flushBatch(chunk: Uint8Array): void {
    const events = this.#batch!;
    const key = this.#batchKey;
    this.#batch = undefined;
    const sink = this.#sink;
    const n = this.#batched;
    if (sink === undefined || n === 0) return;
    if (events.length !== n) events.length = n;
    if (typeof key === 'string' && this.#aligned && !this.#failed && sink.verbatim !== undefined) {
      if (!sink.verbatim(chunk, events, key)) this.#full = true;
      return;
    }
    if (!this.#push(events)) this.#full = true;
  }

  readonly #onEnd = (): void => {
    try {
      this.#reader!.end();
    } catch (err) {
      this.#fail(err);
    }
    this.#ended = true;
    if (this.#sink !== undefined) this.#settleSink();
    else this.#wakeUp();
  };

  readonly #onError = (err: Error): void => {
    this.#fail(err);
    this.#ended = true;
    if (this.#sink !== undefined) this.#settleSink();
    else this.#wakeUp();
  };

  /** Reading stops for the consumer; its timer does not count meanwhile: a wait on the consumer is not the upstream's
   * silence. */
  #pause(body: Body): void {
    body.pause();
    this.#deadline.pause();
  }

  #resume(body: Body): void {
    this.#deadline.touch();
    body.resume();
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** The events that end a body that ended: the handler's flush, or a cut when the answer was not whole. */
  #tail(): StreamEvent[] | undefined {
    this.#close();
    if (this.#done) return undefined;
    const tail = this.#handler.onEnd();
    // Flushed once: the next pull after these ends the iteration.
    this.#done = true;
    if (tail === undefined) throw this.#cut('stream ended before it was complete');
    return tail.length > 0 ? tail : undefined;
  }

  /** In push mode, ends the sink once the body failed or ended; true when it did. */
  #settleSink(): boolean {
    const sink = this.#sink;
    if (sink === undefined) return false;
    if (this.#failed) {
      this.#sink = undefined;
      this.#close();
      sink.fail(this.#failure);
      return true;
    }
    if (!this.#ended) return false;
    this.#sink = undefined;
    let tail: StreamEvent[] | undefined;
    try {
      tail = this.#tail();
    } catch (err) {
      sink.fail(err);
      return true;
    }
    for (const e of tail ?? []) sink.event(e);
    sink.end();
    return true;
  }

  /** Stops reading if the consumer left early or we failed; the pool drops the socket. A late error is ignored. */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#deadline.clear();
    const body = this.#body;
    if (body === undefined) return;
    body.off('data', this.#onData).off('end', this.#onEnd).off('error', this.#onError);
    if (!body.destroyed && !body.readableEnded) {
      body.on('error', () => {});
      body.destroy();
    }
    this.#wakeUp();
  }
}
