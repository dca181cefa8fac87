// Server-sent events for the Keys view: each says only which provider and key changed, and the page fetches the view
// again. Nothing a provider said is sent. A request's attempts come from its record (request-record.ts, read by the
// dashboard's reader off the request's tick); what the ladder decides or what changes a key's or a provider's state
// (a cooldown, a recovery, a breaker, a rotation, a fallback, with the ladder's reason) comes from its own events,
// which also happen apart from any request (a probe, a cooldown running out, another replica's breaker).
import type { FastifyReply } from 'fastify';
import type { Attempt, LadderEvent } from '../../calls/types.ts';
import type { LadderEvents } from '../../calls/events.ts';
import type { RequestRecord } from '../records/request-record.ts';

/** What the page is told: enough to know what to refresh and to show a line in its activity list. */
export interface LiveEvent {
  type: LadderEvent['type'];
  provider?: string;
  key?: string;
  detail?: string;
}

/** A request's attempt, as the page is told it: from the request's record, not the ladder's event. */
export function attemptEvent(a: Attempt): LiveEvent {
  return { type: 'attempt', provider: a.provider, ...maskedOf(a), detail: a.outcome };
}

/** The ladder's events the page is told of (a request's attempts are told from its record: attemptEvent). */
export function liveEvent(e: LadderEvent): LiveEvent | undefined {
  switch (e.type) {
    case 'cooldown':
      return { type: e.type, provider: e.provider, key: e.masked, detail: e.reason };
    case 'recovered':
      return { type: e.type, provider: e.provider, key: e.masked, detail: `after ${e.after}` };
    case 'rotate':
      return { type: e.type, provider: e.provider, detail: e.kind };
    case 'breaker':
      return { type: e.type, provider: e.provider, detail: e.state };
    case 'fallback':
      return { type: e.type, detail: `${e.from} → ${e.to} (${e.kind})` };
    default:
      return undefined;
  }
}

function maskedOf(a: { credential?: { masked: string } }): { key?: string } {
  return a.credential ? { key: a.credential.masked } : {};
}

/** Streams until the page or the gateway goes; `closeAll` ends every open stream (shutdown). */
export class LiveStreams {
  readonly #open = new Set<FastifyReply>();

  serve(events: LadderEvents, reply: FastifyReply): void {
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    raw.write(': connected\n\n');
    const off = events.on((e) => {
      const live = liveEvent(e);
      if (live) raw.write(`data: ${JSON.stringify(live)}\n\n`);
    });
    // A comment now and then keeps proxies from closing an idle stream.
    const beat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    beat.unref();
    this.#open.add(reply);
    raw.on('close', () => {
      off();
      clearInterval(beat);
      this.#open.delete(reply);
    });
  }

  /** A request is over: each of its attempts goes to every open page, serialised once. */
  requestEnded(r: RequestRecord): void {
    if (this.#open.size === 0 || r.trail === undefined || r.trail.length === 0) return;
    let frames = '';
    for (const a of r.trail) frames += `data: ${JSON.stringify(attemptEvent(a))}\n\n`;
    for (const reply of this.#open) reply.raw.write(frames);
  }

  closeAll(): void {
    for (const reply of this.#open) reply.raw.end();
  }
}
