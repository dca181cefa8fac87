// Server-sent events both ways: parsed from an upstream body by eventsource-parser, synchronously as each chunk
// arrives (stream-call.ts feeds it from the body's own data events: no promise per event), and written as named
// frames for the gateway's Anthropic and Responses streams.
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';

export interface SseReader {
  /** One chunk of the body; calls onEvent for each event it completes. */
  feed(chunk: Uint8Array): void;
  /** The body ended: an event left incomplete is dropped (SSE rules), since a cut stream is not a clean end. */
  end(): void;
}

export function sseReader(onEvent: (e: EventSourceMessage) => void): SseReader {
  const parser = createParser({ onEvent });
  const decoder = new TextDecoder();
  return {
    feed: (chunk) => parser.feed(decoder.decode(chunk, { stream: true })),
    end: () => parser.feed(decoder.decode()),
  };
}

/** One event of a named-event stream (`event: NAME` then `data: JSON`), as the Anthropic and Responses APIs send. */
export interface NamedSseEvent {
  event: string;
  data: Record<string, unknown>;
}

export function namedSseFrame(e: NamedSseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
