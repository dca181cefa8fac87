// Server-sent events both ways: parsed from an upstream body by eventsource-parser, synchronously as each chunk
// arrives (stream-call.ts feeds it each chunk as undici hands it over: no promise per event), and written as named
// frames for the gateway's Anthropic and Responses streams.
import { Buffer } from 'node:buffer';
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage, ParseError } from 'eventsource-parser';

export interface SseReader {
  /** One chunk of the body; calls onEvent for each event it completes. True when the chunk leaves an event's fields
   * begun but not ended (a long event arriving in many reads is not silence; a comment is). */
  feed(chunk: Uint8Array): boolean;
  /** The body ended: an event left incomplete is dropped (SSE rules), since a cut stream is not a clean end. */
  end(): void;
}

/** `maxEvent` bounds the characters of one event (and of one line) held at once: past it `onTooLarge` is called, and
 * what it throws comes out of feed(). */
export function sseReader(
  onEvent: (e: EventSourceMessage) => void,
  maxEvent: number,
  onTooLarge: () => never,
): SseReader {
  // Unknown fields and a bad `retry` are ignored, as before; only the bound ends the stream.
  const onError = (err: ParseError): void => {
    if (err.type === 'max-buffer-size-exceeded') onTooLarge();
  };
  const parser = createParser({ onEvent, maxBufferSize: maxEvent, onError });
  const decoder = new TextDecoder();
  let partial = false;
  /** The decoder has seen the body's start (its BOM) and holds no part of a character: the last read ended in ASCII. */
  let clean = false;
  return {
    feed: (chunk) => {
      const n = chunk.length;
      // A read between two clean ones is whole characters: Buffer's own decoding, without the streaming decoder's.
      const whole = clean && n > 0 && chunk[n - 1]! < 0x80 && Buffer.isBuffer(chunk);
      const text = whole ? (chunk as Buffer).toString() : decoder.decode(chunk, { stream: true });
      clean = n > 0 ? chunk[n - 1]! < 0x80 : clean;
      parser.feed(text);
      // Most reads end where an event ends: nothing is left begun, and no search backwards (a call into the runtime).
      if (endsWithBlankLine(text)) return (partial = false);
      const crlf = text.lastIndexOf('\r\n\r\n');
      const end = Math.max(text.lastIndexOf('\n\n'), crlf < 0 ? -1 : crlf + 2);
      const tail = end < 0 ? text : text.slice(end + 2);
      partial = (end < 0 && partial) || FIELD_LINE.test(tail);
      return partial;
    },
    end: () => parser.feed(decoder.decode()),
  };
}

/** Whether `text` ends with a blank line (`\n\n` or `\r\n\r\n`): its last event is whole. */
function endsWithBlankLine(text: string): boolean {
  const n = text.length;
  if (text.charCodeAt(n - 1) !== 10) return false;
  const before = text.charCodeAt(n - 2);
  return before === 10 || (before === 13 && text.charCodeAt(n - 3) === 10);
}

/** A line that is a field (`data: …`, `event: …`), not a comment (`: keepalive`) or blank. */
const FIELD_LINE = /(?:^|[\r\n])[^:\r\n]/;

/** One event of a named-event stream (`event: NAME` then `data: JSON`), as the Anthropic and Responses APIs send. */
export interface NamedSseEvent {
  event: string;
  data: Record<string, unknown>;
}

export function namedSseFrame(e: NamedSseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
