// Server-sent events for the Keys view, from the ladder's own event stream (the one the metrics count): each event
// says only which provider and key changed, and the page fetches the view again. Nothing a provider said is sent.
import type { FastifyReply } from 'fastify';
import type { LadderEvent } from '../../routing/types.ts';
import type { GatewayContext } from '../context.ts';

/** What the page is told: enough to know what to refresh and to show a line in its activity list. */
export interface LiveEvent {
  type: LadderEvent['type'];
  provider?: string;
  key?: string;
  detail?: string;
}

export function liveEvent(e: LadderEvent): LiveEvent | undefined {
  switch (e.type) {
    case 'cooldown':
      return { type: e.type, provider: e.provider, key: e.masked, detail: e.reason };
    case 'recovered':
      return { type: e.type, provider: e.provider, key: e.masked, detail: `after ${e.after}` };
    case 'attempt':
      return { type: e.type, provider: e.attempt.provider, ...maskedOf(e.attempt), detail: e.attempt.outcome };
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

  serve(ctx: GatewayContext, reply: FastifyReply): void {
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    raw.write(': connected\n\n');
    const off = ctx.router.events.on((e) => {
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

  closeAll(): void {
    for (const reply of this.#open) reply.raw.end();
  }
}
