// Server-sent events from an upstream body, parsed by eventsource-parser. Each chunk re-arms the idle timer.
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';

export async function* sseEvents(body: AsyncIterable<Uint8Array>, onChunk: () => void): AsyncGenerator<EventSourceMessage> {
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
