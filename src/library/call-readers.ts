// Every side effect of a router call that is over, in one table: each reader takes the call's record
// (call-record.ts). Two read it at once, at the call's end: the budget settle (it must land before the next call's
// hold is counted) and the caller's own reader (`ChatOptions.onRecord`: the gateway builds its request record around
// it). The others read it off the call's path, in a batch (record-queue.ts): the library's ledger row and the span.
// Their batch is read in a microtask, not a later turn: before the caller's `await` of the call (or of its stream's
// last event) goes on, so a library caller's next line finds the call's span exported and its row queued.
import type { Config } from '../config/schema.ts';
import type { CallBudgets } from '../budgets/call.ts';
import type { Logger } from '../log.ts';
import type { ChatTelemetry } from '../telemetry/chat-telemetry.ts';
import type { CallRecorder } from '../usage/library.ts';
import type { CallRecord } from '../calls/types.ts';
import { BatchQueue, type Reader } from '../calls/record-queue.ts';

/** The readers read off the call's tick, in this order. */
export const CALL_READER_NAMES = ['ledger', 'telemetry'] as const;
export type CallReaderName = (typeof CALL_READER_NAMES)[number];

/** A call's record with what its off-tick readers need of the call: the config it ran with (the ledger's prices),
 * its span. */
export interface EndedCall {
  record: CallRecord;
  config: Config;
  telemetry: ChatTelemetry | undefined;
}

/** The readers of one call, known when it starts. */
export interface CallReaders {
  budgets: CallBudgets | undefined;
  telemetry: ChatTelemetry | undefined;
  /** The caller's own (ChatOptions.onRecord). */
  own: ((record: CallRecord) => void) | undefined;
  config: Config;
}

/** The router's queue of ended calls for the off-tick readers; `calls`: the library's ledger, when it was given one. */
export function endedCalls(calls: CallRecorder | undefined, logger: Logger): BatchQueue<EndedCall, CallReaderName> {
  const readers: Reader<EndedCall, CallReaderName>[] = [
    { name: 'ledger', read: (c) => calls?.record(c.config, c.record) },
    { name: 'telemetry', read: (c) => c.telemetry?.ended(c.record) },
  ];
  return new BatchQueue(
    readers,
    (name, err) =>
      logger.error(
        { reader: name, error: err instanceof Error ? err.message : String(err) },
        `the call records' ${name} reader failed (a bug: please report it); the calls and the other readers go on, and its later failures are not said again`,
      ),
    queueMicrotask,
  );
}

/** The call is over: its record is read by each of its readers, the budget settle and the caller's own at once. */
export function callOver(
  record: CallRecord,
  readers: CallReaders,
  queue: BatchQueue<EndedCall, CallReaderName>,
  ledger: boolean,
): void {
  readers.budgets?.finish(record.trail, record.usage);
  readers.own?.(record);
  if (ledger || readers.telemetry !== undefined)
    queue.push({ record, config: readers.config, telemetry: readers.telemetry });
}
