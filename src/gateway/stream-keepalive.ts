// `streaming.keepalive`: an SSE comment (`: keepalive`) written to a committed stream that has been silent that long,
// so proxies and load balancers that close idle connections leave it open; clients skip comments. One timer per
// stream, re-armed with refresh() on every frame rather than made anew.
import type { ServerResponse } from 'node:http';

export const KEEPALIVE_FRAME = ': keepalive\n\n';

/** The frames as they are, with a keepalive comment written beside them after each silence of `ms`. The timer starts
 * with the first frame, once the response's head is out, and stops when the frames end. */
export async function* withKeepalive(
  frames: AsyncIterable<string>,
  raw: ServerResponse,
  ms: number,
): AsyncGenerator<string> {
  let timer: NodeJS.Timeout | undefined;
  const beat = (): void => {
    if (raw.headersSent && !raw.writableEnded && !raw.destroyed) raw.write(KEEPALIVE_FRAME);
    timer?.refresh();
  };
  try {
    for await (const frame of frames) {
      yield frame;
      if (timer === undefined) {
        timer = setTimeout(beat, ms);
        timer.unref();
      } else timer.refresh();
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
