// `streaming.keepalive`: an SSE comment (`: keepalive`) written to a committed stream that has been silent that long,
// so proxies and load balancers that close idle connections leave it open; clients skip comments. A frame written only
// notes the time (providers/silence-timer.ts): refreshing a Node timer on every frame re-queued it each time.
import type { ServerResponse } from 'node:http';
import type { BodyWriter } from './chunked-socket.ts';
import { SilenceTimer } from '../../providers/silence-timer.ts';

export const KEEPALIVE_FRAME = ': keepalive\n\n';

/** The keepalive of one stream: `wrote()` after each frame written (the first starts the clock), `stop()` at its end. */
export class Keepalive {
  readonly #res: ServerResponse;
  readonly #body: BodyWriter;
  readonly #silence: SilenceTimer;

  constructor(res: ServerResponse, body: BodyWriter, ms: number) {
    this.#res = res;
    this.#body = body;
    this.#silence = new SilenceTimer(ms, () => this.#beat(), { own: true });
  }

  wrote(): void {
    this.#silence.touch();
  }

  stop(): void {
    this.#silence.stop();
  }

  /** The comment, and the clock starts again: a stream that stays silent gets one every `ms`. */
  #beat(): void {
    const res = this.#res;
    if (res.writableEnded || res.destroyed) return;
    this.#body.write(KEEPALIVE_FRAME);
    this.#silence.touch();
  }
}
