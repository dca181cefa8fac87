// Writes a committed stream to the caller straight to the socket: the reply is hijacked from fastify (no Readable and
// pipe per stream, no stream machinery per frame), the router pushes each event in as the upstream's body is parsed,
// each event's frames go out in one write, and a full socket pauses the upstream's body until it drains
// (backpressure end to end). Since
// fastify no longer sends the reply, the `x-switchyard-usage` trailer is written here (docs/usage.md#seeing-it).
import type { ServerResponse } from 'node:http';
import type { GatewayReply } from '../request/exchange.ts';
import type { StreamEvent } from '../../providers/types.ts';
import { failWith, type RequestState } from '../request/request-state.ts';
import type { StreamEncoder } from '../wire.ts';
import { failureOf, toApiError } from '../plugins/errors.ts';
import { Keepalive } from './stream-keepalive.ts';
import { pumpInto, type EventSink, type PushControl } from '../../providers/event-sink.ts';
import { bodyWriter, type BodyWriter } from './chunked-socket.ts';

export const USAGE_TRAILER = 'x-switchyard-usage';

/** Whether the frames began (else a caller who left first is cleaned up for them), and what to do when they end. */
export interface FramesLife {
  started: boolean;
  settled: () => void;
}

export interface StreamWrite {
  first: IteratorResult<StreamEvent>;
  events: AsyncIterator<StreamEvent>;
  encoder: StreamEncoder;
  sy: RequestState;
  life: FramesLife;
  /** The usage trailer's value, asked for once the stream is over. */
  usage: () => string;
  /** `streaming.keepalive`: the silence after which an SSE comment is written. */
  keepaliveMs?: number;
}

/** Sets the status and the headers set on the reply so far, announcing the usage trailer where the reply is
 * chunked; fastify sends nothing. */
export function startStreamReply(reply: GatewayReply): ServerResponse {
  reply.hijack();
  const res = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
  // An HTTP/1.0 caller (nginx's proxy_pass by default) has no chunks, so no trailers: Node refuses the header, and the
  // stream ends with the connection.
  if (res.useChunkedEncodingByDefault) res.setHeader('trailer', USAGE_TRAILER);
  res.writeHead(200);
  return res;
}

/** Writes the stream's frames as its events are parsed: the router pushes each event here from the upstream body's own
 * data callback (no promise per event), a full socket pauses the upstream until `drain`, and the returned promise
 * settles once the stream is over and the response ended. */
export function writeStream(res: ServerResponse, w: StreamWrite): Promise<void> {
  return new Promise((resolve) => new FramesWriter(res, w, resolve).start());
}

/** A stream whose head went out before its commit (stream-hold.ts) and whose call then failed: the failure ends it
 * as the shape's error event, with the usage trailer, as a cut stream's does. */
export function failStream(res: ServerResponse, w: Omit<StreamWrite, 'first' | 'events'>, err: unknown): Promise<void> {
  const none: AsyncIterator<StreamEvent> = { next: () => Promise.resolve({ done: true, value: undefined }) };
  return new Promise((resolve) => {
    w.life.started = true;
    new FramesWriter(res, { ...w, first: { done: true, value: undefined }, events: none }, resolve).fail(err);
  });
}

const isFinish = (e: StreamEvent): boolean => e.type === 'finish';

/** One stream's writing: its frames, its end (whole, cut with the shape's error, or cancelled) and its trailer. */
class FramesWriter implements EventSink {
  readonly #res: ServerResponse;
  readonly #w: StreamWrite;
  readonly #resolve: () => void;
  readonly #keepalive: Keepalive | undefined;
  readonly #body: BodyWriter;
  #unlisten: (() => void) | undefined;
  #control: PushControl | undefined;
  #over = false;
  /** Stopped before the push began (the first frame failed): cancel the events once it has. */
  #cancelSoon = false;

  constructor(res: ServerResponse, w: StreamWrite, resolve: () => void) {
    this.#res = res;
    this.#w = w;
    this.#resolve = resolve;
    this.#body = bodyWriter(res);
    this.#keepalive = w.keepaliveMs === undefined ? undefined : new Keepalive(res, this.#body, w.keepaliveMs);
  }

  start(): void {
    this.#w.life.started = true;
    const first = this.#w.first;
    if (first.done) return this.end();
    this.event(first.value);
    if (this.#over) {
      void Promise.resolve(this.#w.events.return?.()).catch(() => {});
      return;
    }
    this.#unlisten = this.#body.onDrain(this.#onDrain);
    this.#res.once('close', this.#onClose);
    this.#control = pumpInto(this.#w.events, this);
    if (this.#cancelSoon) this.#control.cancel();
  }

  event(e: StreamEvent): boolean {
    if (this.#over) return true;
    // The finish's usage is the whole answer's; the start's (Anthropic reports the prompt there) stands for a stream
    // cut short, whose prompt the provider bills all the same.
    if ((e.type === 'finish' || e.type === 'start') && e.usage !== undefined) this.#w.sy.run.usage = e.usage;
    if (e.type === 'finish') this.#body.holdTurn();
    try {
      return this.#write(this.#w.encoder.encode(e));
    } catch (err) {
      // An answer the caller's shape cannot hold: the stream ends with the shape's error, the upstream is let go.
      this.fail(err);
      if (this.#control !== undefined) this.#control.cancel();
      else this.#cancelSoon = true;
      return true;
    }
  }

  /** The upstream's own frames for these events (same-shape passthrough): sent on as the encoder says (as they are,
   * or with a field the caller did not ask for taken out) when they are what it would write, else the events are
   * encoded one by one. */
  verbatim(bytes: Uint8Array, events: readonly StreamEvent[], key: string): boolean {
    if (this.#over) return true;
    const out = this.#w.encoder.passOn?.(key, events, bytes);
    if (out === undefined) {
      let room = true;
      for (const e of events) room = this.event(e) && room;
      return room;
    }
    const res = this.#res;
    if (res.destroyed) return true;
    this.#keepalive?.wrote();
    if (events.some(isFinish)) this.#body.holdTurn();
    return this.#body.writeBytes(out);
  }

  together(): void {
    if (!this.#over) this.#body.holdTurn();
  }

  end(): void {
    if (this.#over) return;
    this.#w.sy.run.streamEnd = 'finished';
    this.#write(this.#w.encoder.end());
    this.#finish();
  }

  fail(err: unknown): void {
    if (this.#over) return;
    const sy = this.#w.sy;
    const run = sy.run;
    // The caller hung up (abortOnDisconnect logged it): nobody to tell. Cut by the shutdown: the caller is told.
    if (run.cutWith === undefined && err instanceof Error && err.name === 'AbortError') run.streamEnd = 'cancelled';
    else {
      run.streamEnd = 'cut';
      const apiErr = run.cutWith ?? toApiError(err);
      // The cut's explanation as a value, for the dashboard, as a failure before the stream began gives it.
      failWith(sy, failureOf(`stream_${apiErr.code ?? apiErr.category}`, apiErr, err));
      this.#write(this.#w.encoder.error(apiErr));
    }
    this.#finish();
  }

  #write(text: string): boolean {
    const res = this.#res;
    if (text === '' || res.destroyed) return true;
    this.#keepalive?.wrote();
    return this.#body.write(text);
  }

  readonly #onDrain = (): void => this.#control?.resume();

  /** The socket closed before the stream was over: stop reading the upstream; the hooks end `cancelled`. */
  readonly #onClose = (): void => {
    if (this.#over) return;
    this.#control?.cancel();
    this.#finish();
  };

  #finish(): void {
    if (this.#over) return;
    this.#over = true;
    const { sy, life } = this.#w;
    const res = this.#res;
    this.#keepalive?.stop();
    this.#unlisten?.();
    res.off('close', this.#onClose);
    sy.run.streamEnd ??= 'cancelled';
    life.settled();
    if (!res.destroyed) {
      res.addTrailers({ [USAGE_TRAILER]: this.#w.usage() });
      res.end();
    }
    this.#resolve();
  }
}
