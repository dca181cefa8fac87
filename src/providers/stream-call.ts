// The shared skeleton of a streaming call: open the request (errors before the first event reject the first
// next()), feed SSE events to a provider-specific handler, re-arm the idle timer on each chunk, and turn a cut,
// an idle timeout or an error inside the 200 stream into a classified UpstreamError marked midStream.
import type { EventSourceMessage } from 'eventsource-parser';
import type { SendContext, StreamEvent } from './types.ts';
import { fromClassification } from '../errors/upstream-error.ts';
import { createDeadline } from './deadline.ts';
import type { CallRequest, UpstreamCall } from './http.ts';
import { nonStreamAnswer, transportFailure, upstreamRequest } from './http.ts';
import { sseEvents } from './sse.ts';
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

export async function* streamCall(
  ctx: SendContext,
  build: CallRequest,
  handler: StreamHandler,
): AsyncGenerator<StreamEvent> {
  const deadline = createDeadline(ctx.timeoutMs, ctx.signal);
  const call: UpstreamCall = { ...build, provider: ctx.provider, deadline, sentWith: ctx };
  let emitted = false;
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
  const cut = (message: string): Error =>
    fromClassification({ kind: 'connection', code: 'stream_cut', providerMessage: message }, ctx.provider, {
      midStream: emitted,
    });
  try {
    let done = false;
    try {
      for await (const e of sseEvents(res.body, deadline.touch)) {
        // After the end marker, read the rest of the body instead of dropping it, so the socket goes back to the pool.
        if (done) continue;
        const out = handler.onEvent(e);
        for (const ev of out.events) {
          emitted = true;
          yield ev;
        }
        if (out.done) {
          const tail = handler.onEnd();
          if (tail === undefined) throw cut('stream ended without a finish');
          done = true;
          for (const ev of tail) yield ev;
        }
      }
    } catch (err) {
      if (done) return; // the answer was complete; a hiccup while draining does not matter
      throw transportFailure(err, call, emitted);
    }
    if (done) return;
    const tail = handler.onEnd();
    if (tail === undefined) throw cut('stream ended before it was complete');
    for (const ev of tail) yield ev;
  } finally {
    deadline.clear();
    // Stop reading if the consumer left early or we failed; the pool drops the socket.
    if (!res.body.destroyed && !res.body.readableEnded) res.body.destroy();
  }
}
