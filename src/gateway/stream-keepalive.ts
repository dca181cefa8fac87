// `streaming.keepalive`: an SSE comment (`: keepalive`) written to a committed stream that has been silent that long,
// so proxies and load balancers that close idle connections leave it open; clients skip comments. One timer per
// stream, re-armed with refresh() on every frame rather than made anew.
import type { ServerResponse } from 'node:http';
import type { BodyWriter } from './chunked-socket.ts';

export const KEEPALIVE_FRAME = ': keepalive\n\n';

/** The keepalive of one stream: `wrote()` after each frame written (the first starts the clock), `stop()` at its end. */
export class Keepalive {
  #timer: NodeJS.Timeout | undefined;
  readonly #res: ServerResponse;
  readonly #body: BodyWriter;
  readonly #ms: number;

  constructor(res: ServerResponse, body: BodyWriter, ms: number) {
    this.#res = res;
    this.#body = body;
    this.#ms = ms;
  }

  wrote(): void {
    if (this.#timer !== undefined) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => this.#beat(), this.#ms);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  #beat(): void {
    const res = this.#res;
    if (!res.writableEnded && !res.destroyed) this.#body.write(KEEPALIVE_FRAME);
    this.#timer?.refresh();
  }
}
