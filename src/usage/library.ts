// Ledger rows for calls made through the library (and `chat`, titles, compression): one a call, written when it
// ends — a stream when its events are closed — with no client key, from the call's record. The gateway records its own (usage-record.ts).
import { randomUUID } from 'node:crypto';
import type { CallRecord } from '../calls/types.ts';
import type { UsageLedger } from './ledger.ts';
import { PriceBook } from './prices.ts';
import { usageRow } from './request-row.ts';
import type { Config } from '../config/schema.ts';

/** Records calls of one router; prices follow the config each call ran with. */
export class CallRecorder {
  readonly #ledger: UsageLedger;
  #book: { config: Config; prices: PriceBook } | undefined;

  constructor(ledger: UsageLedger) {
    this.#ledger = ledger;
  }

  /** A row for the call's record (calls/call-record.ts), read off the call's tick. */
  record(config: Config, r: CallRecord): void {
    if (this.#book?.config !== config) this.#book = { config, prices: new PriceBook(config) };
    const route = r.answered?.route;
    this.#ledger.record(
      usageRow(
        {
          id: randomUUID(),
          at: r.startedAt,
          task: r.task,
          user: r.endUser,
          ...(route !== undefined ? { route } : {}),
          ...(r.credential !== undefined ? { credential: r.credential } : {}),
          status: r.outcome,
          latencyMs: r.ms,
          ...(r.firstEventMs !== undefined ? { ttftMs: r.firstEventMs } : {}),
          ...(r.streamEnd !== undefined ? { streamEnd: r.streamEnd } : {}),
          trail: r.trail,
        },
        this.#book.prices,
      ),
    );
  }
}
