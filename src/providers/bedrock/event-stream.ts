// AWS's binary event-stream framing (application/vnd.amazon.eventstream: prelude, headers, payload, CRCs), as
// Bedrock's ConverseStream sends it, read with Smithy's codec and handed on as the SSE reader hands on its events:
// `event` the message's `:event-type` (or, for an exception, its `:exception-type`), `data` the JSON payload, `id`
// the `:message-type` (`event` or `exception`).
import { createRequire } from 'node:module';
import type { EventSourceMessage } from 'eventsource-parser';
import type { SseReader } from '../sse.ts';

const header = (headers: Record<string, { type: string; value: unknown }>, name: string): string | undefined => {
  const h = headers[name];
  return h !== undefined && typeof h.value === 'string' ? h.value : undefined;
};

/** Smithy's codec, required by the first Bedrock stream: heap that a gateway without Bedrock never needs and that
 * every full collection would mark again. */
interface Codec {
  EventStreamCodec: typeof import('@smithy/core/event-streams').EventStreamCodec;
  fromUtf8: typeof import('@smithy/util-utf8').fromUtf8;
  toUtf8: typeof import('@smithy/util-utf8').toUtf8;
}
let codecParts: Codec | undefined;

function smithyCodec(): Codec {
  if (codecParts === undefined) {
    const require = createRequire(import.meta.url);
    const streams = require('@smithy/core/event-streams') as typeof import('@smithy/core/event-streams');
    const utf8 = require('@smithy/util-utf8') as typeof import('@smithy/util-utf8');
    codecParts = { EventStreamCodec: streams.EventStreamCodec, fromUtf8: utf8.fromUtf8, toUtf8: utf8.toUtf8 };
  }
  return codecParts;
}

export function eventStreamReader(
  onEvent: (e: EventSourceMessage) => void,
  maxEvent: number,
  onTooLarge: () => never,
): SseReader {
  const { EventStreamCodec, fromUtf8, toUtf8 } = smithyCodec();
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  // Bytes fed since the last whole message: a frame the codec is still gathering, bounded like an SSE event.
  let pending = 0;
  const drain = (): void => {
    const messages = codec.getAvailableMessages().getMessages();
    if (messages.length > 0) pending = 0;
    for (const m of messages) {
      const type = header(m.headers, ':message-type') ?? 'event';
      const event =
        (type === 'exception' ? header(m.headers, ':exception-type') : header(m.headers, ':event-type')) ?? '';
      onEvent({ event, data: toUtf8(m.body), id: type });
    }
  };
  return {
    feed(chunk) {
      pending += chunk.length;
      codec.feed(chunk);
      drain();
      if (pending > maxEvent) onTooLarge();
      return pending > 0;
    },
    // A frame left half-read is a cut stream, not an event: dropped, as SSE drops an unfinished event.
    end: () => undefined,
  };
}
