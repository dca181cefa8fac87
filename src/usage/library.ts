// Ledger rows for calls made through the library (and `chat`, titles, compression): one a call, written when it
// ends — a stream when its events are closed — with no client key. The gateway records its own (usage-record.ts).
import { randomUUID } from 'node:crypto';
import type { Attempt } from '../routing/types.ts';
import type { StreamHook } from '../routing/stream-hook.ts';
import type { UsageLedger } from './ledger.ts';
import { PriceBook } from './prices.ts';
import { usageRow } from './request-row.ts';
import type { Config } from '../config/schema.ts';

export interface CallFacts {
  task: string;
  trail: readonly Attempt[];
  /** Epoch ms the call started, and performance.now() then. */
  startedAt: number;
  t0: number;
  status: string;
  route?: string;
  streamEnd?: string;
  ttftMs?: number;
}

/** Records calls of one router; prices follow the config each call ran with. */
export class CallRecorder {
  readonly #ledger: UsageLedger;
  #book: { config: Config; prices: PriceBook } | undefined;

  constructor(ledger: UsageLedger) {
    this.#ledger = ledger;
  }

  record(config: Config, f: CallFacts): void {
    if (this.#book?.config !== config) this.#book = { config, prices: new PriceBook(config) };
    const answered =
      f.route === undefined ? undefined : f.trail.findLast((a) => a.route === f.route && a.outcome === 'ok');
    this.#ledger.record(
      usageRow(
        {
          id: randomUUID(),
          at: f.startedAt,
          task: f.task,
          ...(f.route !== undefined ? { route: f.route } : {}),
          ...(answered?.credential !== undefined ? { credential: answered.credential.fingerprint } : {}),
          status: f.status,
          latencyMs: performance.now() - f.t0,
          ...(f.ttftMs !== undefined ? { ttftMs: f.ttftMs } : {}),
          ...(f.streamEnd !== undefined ? { streamEnd: f.streamEnd } : {}),
          trail: f.trail,
        },
        this.#book.prices,
      ),
    );
  }
}

/** A committed stream's hook telling `ended` how it ended (`finished`, `cut` or `cancelled`) and when its first event
 * came. */
export function recordedOnEnd(ended: (how: string, firstAtMs: number | undefined) => void): StreamHook {
  let first: number | undefined;
  return {
    event() {
      first ??= performance.now();
    },
    end(how) {
      ended(how, first);
    },
  };
}
