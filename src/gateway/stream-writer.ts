// Writes a committed stream to the caller straight to the socket: the reply is hijacked from fastify (no Readable and
// pipe per stream, no stream machinery per frame), each event's frames go out in one write, and a slow reader pauses
// the loop until the socket drains, which in turn leaves the upstream's body unread (backpressure end to end). Since
// fastify no longer sends the reply, the `x-switchyard-usage` trailer is written here (docs/usage.md#seeing-it).
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { StreamEvent } from '../providers/types.ts';
import type { RequestState } from './request-state.ts';
import type { StreamEncoder } from './wire.ts';
import { toApiError } from './plugins/errors.ts';
import { Keepalive } from './stream-keepalive.ts';

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
  /** The attempts sent so far (the trail can grow while the stream runs). */
  attempts: () => number;
  life: FramesLife;
  /** The usage trailer's value, asked for once the stream is over. */
  usage: () => string;
  /** `streaming.keepalive`: the silence after which an SSE comment is written. */
  keepaliveMs?: number;
}

/** Sends the status and the headers set on the reply so far, announcing the usage trailer; fastify sends nothing. */
export function startStreamReply(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const res = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
  res.setHeader('trailer', USAGE_TRAILER);
  res.writeHead(200);
  return res;
}

/** Resolves once the socket took what was written, or the caller is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.once('drain', done).once('close', done);
  });
}

export async function writeStream(res: ServerResponse, w: StreamWrite): Promise<void> {
  const { events, encoder, sy, life } = w;
  life.started = true;
  const keepalive = w.keepaliveMs === undefined ? undefined : new Keepalive(res, w.keepaliveMs);
  const write = async (text: string): Promise<void> => {
    if (text === '' || res.destroyed) return;
    keepalive?.wrote();
    if (!res.write(text)) await drained(res);
  };
  try {
    let next = w.first;
    while (!next.done) {
      const event = next.value;
      // The finish's usage is the whole answer's; the start's (Anthropic reports the prompt there) stands for a
      // stream cut short, whose prompt the provider bills all the same.
      if ((event.type === 'finish' || event.type === 'start') && event.usage !== undefined) sy.usage = event.usage;
      await write(encoder.encode(event));
      next = await events.next();
    }
    sy.streamEnd = 'finished';
    await write(encoder.end());
  } catch (err) {
    // The caller hung up (abortOnDisconnect logged it): nobody to tell. Cut by the shutdown: the caller is told.
    if (sy.cutWith === undefined && err instanceof Error && err.name === 'AbortError') sy.streamEnd = 'cancelled';
    else {
      sy.streamEnd = 'cut';
      const apiErr = sy.cutWith ?? toApiError(err);
      sy.outcome = `stream_${apiErr.code ?? apiErr.category}`;
      sy.error = apiErr.message;
      await write(encoder.error(apiErr));
    }
  } finally {
    keepalive?.stop();
    sy.attempts = w.attempts();
    // Client gone or stream finished: let the router release the upstream connection.
    await events.return?.().catch(() => {});
    sy.streamEnd ??= 'cancelled';
    life.settled();
    if (!res.destroyed) {
      res.addTrailers({ [USAGE_TRAILER]: w.usage() });
      res.end();
    }
  }
}
