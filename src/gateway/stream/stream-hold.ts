// A stream held back before its commit (retries, fallbacks, a first-token clock running out) says nothing to its
// caller, whose own idle limit (a client's, a proxy's) could hang up before the fallback answers. Held that long, the
// response head goes out and the caller is sent its shape's keep-alive, again after each such silence, until the
// stream commits (its frames follow on the same reply) or the call fails (said as the shape's error event, as a cut
// stream's is: the status line is out). A call that answers or fails sooner is not touched: its head waits as before.
import type { ServerResponse } from 'node:http';
import type { GatewayReply } from '../request/exchange.ts';
import type { Api } from '../answer/api-error.ts';
import { bodyWriter, type BodyWriter } from './chunked-socket.ts';
import { KEEPALIVE_FRAME } from './stream-keepalive.ts';
import { SilenceTimer } from '../../providers/silence-timer.ts';

/** What each shape's callers skip before the stream's first event: an SSE comment for OpenAI's (chat completions and
 * Responses: every SSE parser drops comments), Anthropic's own `ping` for Anthropic's (its SDKs drop it wherever it
 * comes, as they drop comments). */
export const HOLD_FRAME: Readonly<Record<Api, string>> = {
  openai: KEEPALIVE_FRAME,
  anthropic: 'event: ping\ndata: {"type": "ping"}\n\n',
};

/** The hold's silence when `streaming.keepalive` is not set: under the usual idle limits of clients and proxies (30 s
 * and up), and long enough that a call answered or failed within it keeps its ordinary status line. */
export const DEFAULT_HOLD_KEEPALIVE_MS = 10_000;

/** Keeps a held stream's caller on the line: `open` is its reply once the head went out. */
export class StreamHold {
  readonly #reply: GatewayReply;
  readonly #frame: string;
  readonly #open: (reply: GatewayReply) => ServerResponse;
  readonly #silence: SilenceTimer;
  #res: ServerResponse | undefined;
  #body: BodyWriter | undefined;

  /** `open`: sends the reply's head (status, headers) and returns its response, when the hold first speaks. */
  constructor(reply: GatewayReply, frame: string, ms: number, open: (reply: GatewayReply) => ServerResponse) {
    this.#reply = reply;
    this.#frame = frame;
    this.#open = open;
    this.#silence = new SilenceTimer(ms, () => this.#beat(), { own: true });
    this.#silence.touch();
  }

  /** The reply, once its head went out to keep the caller on the line. */
  get open(): ServerResponse | undefined {
    return this.#res;
  }

  /** The stream committed or the call is over: no more keep-alives from here. */
  stop(): void {
    this.#silence.stop();
  }

  #beat(): void {
    if (this.#reply.raw.destroyed) return;
    if (this.#res === undefined) {
      this.#res = this.#open(this.#reply);
      this.#body = bodyWriter(this.#res);
    }
    if (this.#res.writableEnded || this.#res.destroyed) return;
    this.#body?.write(this.#frame);
    this.#silence.touch();
  }
}
