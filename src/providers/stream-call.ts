// The shared skeleton of a streaming call: open the request (errors before the first event reject the first
// next()), feed SSE events to a provider-specific handler as each chunk arrives, re-arm the idle timer on each chunk,
// and turn a cut, an idle timeout or an error inside the 200 stream into a classified UpstreamError marked midStream.
// The events are pulled (an async iterator) or, once committed, pushed to a sink (event-sink.ts).
import { Buffer } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import type { EventSourceMessage } from 'eventsource-parser';
import type { Dispatcher } from 'undici';
import type { SendContext, StreamEvent } from './types.ts';
import { fromClassification } from '../errors/upstream-error.ts';
import { createDeadline, type Deadline } from './deadline.ts';
import type { CallRequest, UpstreamCall } from './http.ts';
import {
  abortOnDeadline,
  dispatchCall,
  MAX_ERROR_BODY,
  MAX_EVENT_BYTES,
  nonStreamAnswer,
  statusFailure,
  tooLargeFailure,
  transportFailure,
} from './http.ts';
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

/** How many bytes of the answer are held, unparsed, while the consumer is busy, before undici stops reading: the
 * high-water mark of the Readable this once was. A short rest is read whole, so its connection goes back to the pool
 * even when the consumer never comes back for it. */
const HOLD_BYTES = 64 * 1024;

/** What the answer turned out to be once its head came: a stream, or a body read only to say what went wrong. */
type Reading = 'head' | 'stream' | 'status' | 'whole';

/** The call's undici dispatch handler: each chunk of the answer is parsed as undici hands it over (no Readable between,
 * as BufferedAnswer in http.ts). While the consumer is busy, chunks are held as bytes, as many as HOLD_BYTES, and
 * parsed when it comes back: what a cancelled stream is billed is what it was handed, not what sat unread. */
class UpstreamStream implements PushableStream, AsyncIterable<StreamEvent>, Dispatcher.DispatchHandler {
  readonly #ctx: SendContext;
  readonly #handler: StreamHandler;
  readonly #deadline: Deadline;
  readonly #call: UpstreamCall;
  #controller: Dispatcher.DispatchController | undefined;
  #reading: Reading = 'head';
  /** The first pull's wait for the answer's head: settled once it is a stream, or with the attempt's failure. */
  #opened: Promise<void> | undefined;
  #openedSettle: ((err?: unknown) => void) | undefined;
  /** A failed answer's status, headers and first bytes, while they are read. */
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  readonly #errorChunks: Buffer[] = [];
  #errorSize = 0;
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
  /** The consumer is busy: chunks are held, not parsed, until it comes back. */
  #holding = false;
  readonly #held: Buffer[] = [];
  #heldBytes = 0;
  /** The answer ended while chunks were held: the end is read after them. */
  #heldEnd = false;
  /** A push consumer's resume is read on the next tick, as the Readable's was: never inside the sink's own call. */
  #releaseQueued = false;

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
    if (this.#reading !== 'stream') await (this.#opened ?? this.#open());
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
      if (this.#holding) {
        this.#release();
        continue;
      }
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
    if (this.#reading !== 'stream' || this.#wake !== undefined)
      throw new Error('pushTo: the stream is not open or is being pulled');
    this.#sink = sink;
    const control = this.#control();
    const queued = this.#queue.slice(this.#taken);
    this.#queue.length = 0;
    this.#taken = 0;
    let room = true;
    for (const e of queued) room = sink.event(e) && room;
    if (this.#settleSink()) return control;
    if (!room) this.#hold();
    else if (this.#holding) this.#queueRelease();
    return control;
  }

  /** What a sink that is pushed into holds. */
  #control(): PushControl {
    return {
      resume: () => {
        if (!this.#closed && this.#holding) this.#queueRelease();
      },
      cancel: () => {
        this.#sink = undefined;
        this.#close();
      },
    };
  }

  /** Sends the request: the first pull's work, whose failure is the attempt's. */
  async #open(): Promise<void> {
    const call = this.#call;
    const opened = new Promise<void>((resolve, reject) => {
      const settle = (err?: unknown): void => (err === undefined ? resolve() : reject(err));
      this.#openedSettle = settle;
    });
    this.#opened = opened;
    try {
      // A request signed over its body and time (SigV4) is signed as it goes out.
      if (call.sign !== undefined) call.headers = { ...call.headers, ...(await call.sign(call)) };
    } catch (err) {
      this.#openFailed(err);
      return opened;
    }
    try {
      dispatchCall(call, this);
    } catch (err) {
      this.#openFailed(transportFailure(err, call, false));
    }
    return opened;
  }

  /** The attempt failed before its stream began. */
  #openFailed(err: unknown): void {
    this.#deadline.clear();
    this.#closed = true;
    const settle = this.#openedSettle;
    this.#openedSettle = undefined;
    settle?.(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // The consumer left while the request was being signed.
    if (this.#closed) return controller.abort(new Error('the stream was closed'));
    abortOnDeadline(this.#deadline, controller);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (this.#closed) return;
    this.#status = status;
    this.#headers = headers;
    if (status < 200 || status >= 300) {
      this.#reading = 'status';
      return;
    }
    this.#call.sentWith.onStatus?.(status);
    this.#ctx.onHeaders?.(headers);
    // A whole JSON answer, or an HTML page (a proxy's error page with a 200), is not a stream: say what came.
    if (/application\/json|text\/html/i.test(String(headers['content-type'] ?? ''))) {
      this.#reading = 'whole';
      return;
    }
    this.#reading = 'stream';
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
    const settle = this.#openedSettle;
    this.#openedSettle = undefined;
    settle?.();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#closed) return;
    if (this.#reading !== 'stream') return this.#errorData(controller, chunk);
    if (!this.#holding) return this.#onData(chunk);
    this.#held.push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#heldBytes >= HOLD_BYTES) controller.pause();
  }

  onResponseEnd(): void {
    if (this.#closed) return;
    if (this.#reading !== 'stream') return this.#errorEnd(undefined);
    if (this.#holding) this.#heldEnd = true;
    else this.#onEnd();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.#closed) return;
    if (this.#reading !== 'stream') return this.#errorEnd(err);
    // A failure is not held for the consumer (as a Readable's error was not): the unread bytes are dropped.
    this.#held.length = 0;
    this.#heldBytes = 0;
    this.#onError(err);
  }

  /** A failed answer's body, kept up to MAX_ERROR_BODY: reading stops there (the connection is dropped), so an endless
   * body costs neither memory nor time. */
  #errorData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#errorChunks.push(chunk);
    this.#errorSize += chunk.length;
    if (this.#errorSize < MAX_ERROR_BODY) return;
    this.#errorEnd(undefined);
    controller.abort(new Error('the failed answer was read as far as it is kept'));
  }

  /** The failed answer is over (or read far enough): the attempt's failure, from what came. */
  #errorEnd(err: Error | undefined): void {
    const status = this.#status;
    if (this.#reading === 'head') return this.#openFailed(transportFailure(err, this.#call, false));
    const text = Buffer.concat(this.#errorChunks).toString('utf8').slice(0, MAX_ERROR_BODY);
    this.#errorChunks.length = 0;
    if (this.#reading === 'status') return this.#openFailed(statusFailure(this.#call, status, this.#headers, text));
    this.#openFailed(
      err === undefined
        ? nonStreamAnswer(this.#call, status, this.#headers, text)
        : transportFailure(err, this.#call, false),
    );
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

  #onData(chunk: Uint8Array): void {
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
    if (this.#sink !== undefined) {
      if (!this.#settleSink() && this.#full) this.#hold();
      return;
    }
    // A consumer busy elsewhere (writing to a slow caller, or gone) gets at most this chunk parsed ahead of it, as when
    // it pulled each chunk itself: what a cancelled stream is billed is what it was handed, not what sat queued.
    if (this.#wake === undefined && this.#queue.length > this.#taken) this.#hold();
    this.#wakeUp();
  }

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
    if (n > 1) sink.together?.();
    if (!this.#push(events)) this.#full = true;
  }

  #onEnd(): void {
    try {
      this.#reader!.end();
    } catch (err) {
      this.#fail(err);
    }
    this.#ended = true;
    if (this.#sink !== undefined) this.#settleSink();
    else this.#wakeUp();
  }

  #onError(err: Error): void {
    this.#fail(err);
    this.#ended = true;
    if (this.#sink !== undefined) this.#settleSink();
    else this.#wakeUp();
  }

  /** Parsing stops for the consumer; its timer does not count meanwhile: a wait on the consumer is not the upstream's
   * silence. */
  #hold(): void {
    this.#holding = true;
    this.#deadline.pause();
  }

  #queueRelease(): void {
    if (this.#releaseQueued) return;
    this.#releaseQueued = true;
    process.nextTick(this.#releaseQueuedNow);
  }

  readonly #releaseQueuedNow = (): void => {
    this.#releaseQueued = false;
    if (!this.#closed && this.#holding) this.#release();
  };

  /** The consumer is back: the held chunks are parsed in order, until it is busy again; then the answer's end, if it
   * came meanwhile, and undici reads on. */
  #release(): void {
    this.#holding = false;
    this.#deadline.touch();
    const held = this.#held;
    let i = 0;
    while (i < held.length && !this.#holding && !this.#closed) {
      const chunk = held[i++]!;
      this.#heldBytes -= chunk.length;
      this.#onData(chunk);
    }
    held.splice(0, i);
    if (this.#holding || this.#closed) return;
    if (this.#heldEnd) {
      this.#heldEnd = false;
      return this.#onEnd();
    }
    const controller = this.#controller;
    if (controller?.paused === true) controller.resume();
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
    this.#held.length = 0;
    this.#heldBytes = 0;
    // An answer undici has not finished is aborted: its connection is dropped, not handed back mid-answer.
    if (!this.#ended && !this.#heldEnd) this.#controller?.abort(new Error('the stream was closed'));
    // A first pull still waiting for the answer's head ends with nothing, as one waiting for an event does.
    const opened = this.#openedSettle;
    this.#openedSettle = undefined;
    opened?.();
    this.#wakeUp();
  }
}
