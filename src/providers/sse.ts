// Server-sent events both ways: parsed from an upstream body by eventsource-parser (each chunk re-arms the idle
// timer), and written as named frames for the gateway's Anthropic and Responses streams.
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';

export async function* sseEvents(
  body: AsyncIterable<Uint8Array>,
  onChunk: () => void,
): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    onChunk();
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (queue.length > 0) yield queue.shift() as EventSourceMessage;
  }
  // An event left incomplete at the end of the body is dropped (SSE rules): a cut stream is not a clean end.
  parser.feed(decoder.decode());
  while (queue.length > 0) yield queue.shift() as EventSourceMessage;
}

/** One event of a named-event stream (`event: NAME` then `data: JSON`), as the Anthropic and Responses APIs send. */
export interface NamedSseEvent {
  event: string;
  data: Record<string, unknown>;
}

export function namedSseFrame(e: NamedSseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
