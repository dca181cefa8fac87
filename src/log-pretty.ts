// The `pretty` log format (log-format.ts): each JSON line rendered by pino-pretty. Loaded only when asked for.
import { prettyFactory } from 'pino-pretty';
import type { BatchedDestination } from './log-destination.ts';

/** Renders each JSON line with pino-pretty's synchronous formatter, so a line logged just before exit is written. */
export function prettyDestination(inner: BatchedDestination, options: { colorize: boolean }): BatchedDestination {
  const pretty = prettyFactory({
    colorize: options.colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
    // The request line's fields on the line itself, as compact JSON: a line per request stays a line.
    singleLine: true,
  });
  let partial = '';
  return {
    write(chunk: string): void {
      const text = partial + chunk;
      const end = text.lastIndexOf('\n');
      partial = text.slice(end + 1);
      if (end < 0) return;
      let out = '';
      for (const line of text.slice(0, end).split('\n')) if (line !== '') out += pretty(line);
      inner.write(out);
    },
    flush: () => inner.flush(),
    flushSync: () => inner.flushSync(),
    close: () => inner.close(),
  };
}
