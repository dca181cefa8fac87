// The shared skeleton of a streaming call: open the request (errors before the first event reject the first
// next()), feed SSE events to a provider-specific handler as each chunk arrives, re-arm the idle timer on each chunk,
// and turn a cut, an idle timeout or an error inside the 200 stream into a classified UpstreamError marked midStream.
import type { EventSourceMessage } from 'eventsource-parser';
import type { SendContext, StreamEvent } from './types.ts';
import { fromClassification } from '../errors/upstream-error.ts';
import { createDeadline } from './deadline.ts';
import type { CallRequest, UpstreamCall } from './http.ts';
import { nonStreamAnswer, transportFailure, upstreamRequest } from './http.ts';
import { sseReader } from './sse.ts';
import { unparsableMessage } from '../errors/error-body.ts';
import { callSecrets } from './call-secrets.ts';

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

export interface StreamHandler {
  /** One SSE event → canonical events; `done: true` when the provider marked the end. Throws for in-stream errors. */
  onEvent(e: EventSourceMessage): { events: StreamEvent[]; done?: boolean };
  /** Events to flush at the end, or undefined when the stream ended before it was complete (a cut). */
  onEnd(): StreamEvent[] | undefined;
}

/** The body's chunks become canonical events as they arrive, parsed synchronously from its own data events and queued;
 * the generator hands them on, awaiting only when the queue is empty (one promise per upstream read at most, not one
 * per layer per event). */
export async function* streamCall(
  ctx: SendContext,
  build: CallRequest,
  handler: StreamHandler,
): AsyncGenerator<StreamEvent> {
  const deadline = createDeadline(ctx.timeoutMs, ctx.signal);
  const call: UpstreamCall = { ...build, provider: ctx.provider, deadline, sentWith: ctx };
  const res = await upstreamRequest(call).catch((err: unknown) => {
    deadline.clear();
    throw err;
  });
  ctx.onHeaders?.(res.headers);
  // A whole JSON answer, or an HTML page (a proxy's error page with a 200), is not a stream: say what came.
  if (/application\/json|text\/html/i.test(String(res.headers['content-type'] ?? ''))) {
    const failure = await nonStreamAnswer(res, call);
    deadline.clear();
    throw failure;
  }
  const body = res.body;
  const queue: StreamEvent[] = [];
  let taken = 0;
  let produced = false;
  /** The provider's end marker came: the rest of the body is read and dropped, so the socket goes back to the pool. */
  let done = false;
  let ended = false;
  let failed = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const cut = (message: string): Error =>
    fromClassification({ kind: 'connection', code: 'stream_cut', providerMessage: message }, ctx.provider, {
      midStream: produced,
    });
  const fail = (err: unknown): void => {
    if (failed || done) return; // after the end marker, a hiccup while draining does not matter
    failed = true;
    failure = transportFailure(err, call, produced);
  };
  const push = (events: readonly StreamEvent[]): void => {
    for (const ev of events) queue.push(ev);
    if (events.length > 0) produced = true;
  };
  const reader = sseReader((e) => {
    if (done || failed) return;
    const out = handler.onEvent(e);
    push(out.events);
    if (out.done) {
      const tail = handler.onEnd();
      if (tail === undefined) throw cut('stream ended without a finish');
      push(tail);
      done = true;
    }
  });
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Uint8Array): void => {
    deadline.touch();
    try {
      reader.feed(chunk);
    } catch (err) {
      fail(err);
    }
    // A consumer busy elsewhere (writing to a slow caller, or gone) gets at most this chunk read ahead of it, as when
    // it pulled each chunk itself: what a cancelled stream is billed is what it was handed, not what sat queued.
    if (wake === undefined && queue.length > taken) body.pause();
    wakeUp();
  };
  const onEnd = (): void => {
    try {
      reader.end();
    } catch (err) {
      fail(err);
    }
    ended = true;
    wakeUp();
  };
  const onError = (err: Error): void => {
    fail(err);
    ended = true;
    wakeUp();
  };
  body.on('data', onData).once('end', onEnd).once('error', onError);
  try {
    for (;;) {
      while (taken < queue.length) yield queue[taken++]!;
      queue.length = 0;
      taken = 0;
      if (failed) throw failure;
      if (ended) break;
      if (body.isPaused()) body.resume();
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (done) return;
    const tail = handler.onEnd();
    if (tail === undefined) throw cut('stream ended before it was complete');
    for (const ev of tail) yield ev;
  } finally {
    deadline.clear();
    body.off('data', onData).off('end', onEnd).off('error', onError);
    // Stop reading if the consumer left early or we failed; the pool drops the socket. A late error is ignored.
    if (!body.destroyed && !body.readableEnded) {
      body.on('error', () => {});
      body.destroy();
    }
  }
}
