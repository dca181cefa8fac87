// Every side effect of a finished request, in one table: each reader takes the request's record (request-record.ts)
// and serialises it once into what it keeps. `off` leaves readers out (the benchmark's per-feature cost, only).
import type { GatewayContext } from '../context.ts';
import { READER_NAMES, RecordQueue, type ReaderName, type RecordReader, type RequestRecord } from './request-record.ts';
import { writeRequestLine } from '../plugins/request-log.ts';
import { countUsage } from '../metrics/usage-metrics.ts';
import { afterAnswers } from '../answer/turn-end.ts';

type Read = (ctx: GatewayContext, r: RequestRecord) => void;

const READS: Record<ReaderName, Read> = {
  // The line per request (plugins/request-log.ts).
  log: writeRequestLine,
  // The request, token and usage series on /metrics (metrics.ts, usage-metrics.ts).
  metrics: (ctx, r) => {
    // The guard's findings count on /mcp as on the chat paths.
    if (r.guard !== undefined) ctx.metrics.guardFound(r.guard);
    if (!r.chat) return;
    ctx.metrics.requestRecorded(r);
    if (r.row !== undefined) countUsage(ctx, r.row);
  },
  // The usage ledger's row (docs/usage.md): queued, written by the ledger on its own interval.
  ledger: (ctx, r) => {
    if (r.row !== undefined) ctx.usage?.record(r.row);
  },
  // The dashboard's recent failed or retried requests (ui/recent.ts), its live events: the request's attempts
  // (ui/live.ts), and its per-route rates (ui/route-rates.ts).
  dashboard: (ctx, r) => {
    if (!r.chat) return;
    ctx.recent?.remember(r);
    ctx.live?.requestEnded(r);
    ctx.rates?.recorded(r.trail, r.decisions, r.route);
  },
};

/** The queue of records read by every reader not in `off`; a reader's first failure is logged once. */
export function recordQueue(ctx: () => GatewayContext, off: readonly ReaderName[] = []): RecordQueue {
  const readers: RecordReader[] = READER_NAMES.filter((name) => !off.includes(name)).map((name) => {
    const read = READS[name];
    return { name, read: (r) => read(ctx(), r) };
  });
  return new RecordQueue(
    readers,
    (name, err) =>
      ctx().logger.error(
        { reader: name, error: err instanceof Error ? err.message : String(err) },
        `the request records' ${name} reader failed (a bug: please report it); the answers and the other readers go on, and its later failures are not said again`,
      ),
    // Read once the turn's answers are out, in the same turn (answer/turn-end.ts).
    afterAnswers,
  );
}
