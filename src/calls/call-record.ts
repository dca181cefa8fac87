// One record per call: a router call's facts (its trail, the ladder's decisions, the route and key that answered,
// usage, outcome, timings, a stream's end) gathered once, by the router, when the call is over — a stream when its
// events end. Every reader of a call (budgets.settle, the library's ledger row, the OpenTelemetry span, the gateway's
// request record) reads this object instead of watching the call or its stream itself (call-readers.ts,
// docs/architecture.md#one-record-per-request).
import { performance } from 'node:perf_hooks';
import type { FinishReason, StreamEvent, Usage } from '../providers/types.ts';
import { isBlockBoundary } from '../providers/block-boundaries.ts';
import type { BudgetWarning } from './budget-warning.ts';
import type { StreamEnd, StreamHook } from './stream-hook.ts';
import type { CallEvents } from './events.ts';
import { sentAttempts } from './trail.ts';
import type { AnsweredBy, Attempt, CallRecord } from './types.ts';

/** What a call knows when it starts. */
export interface CallStart {
  task: string;
  stream: boolean;
  trail: readonly Attempt[];
  /** The call's events: its record keeps the ladder's decisions and the kind it gave up with. */
  events: CallEvents;
  startedAt: number;
  t0: number;
  now: () => number;
  /** The end user the call was made for (ChatOptions.end_user). */
  endUser?: string | undefined;
}

/** How the call ended, told by the router. */
export interface CallEnd {
  answered?: AnsweredBy | undefined;
  /** The key that answered (answeringCredential): a stream's is taken when it was committed, before a resume adds
   * another route's attempt. */
  credential?: string | undefined;
  usage?: Usage | undefined;
  responseModel?: string | undefined;
  responseId?: string | undefined;
  finishReason?: FinishReason | undefined;
  outcome: string;
  error?: unknown;
  streamEnd?: StreamEnd | undefined;
  firstEventMs?: number | undefined;
  firstChunkNow?: number | undefined;
  budgetWarnings?: readonly BudgetWarning[] | undefined;
}

/** The key that answered: the last attempt made with one (the same the `x-switchyard-credential` header names). */
export function answeringCredential(trail: readonly Attempt[]): string | undefined {
  for (let i = trail.length - 1; i >= 0; i--) {
    const credential = trail[i]!.credential;
    if (credential !== undefined) return credential.fingerprint;
  }
  return undefined;
}

export function callRecord(start: CallStart, end: CallEnd): CallRecord {
  return {
    task: start.task,
    endUser: start.endUser,
    stream: start.stream,
    startedAt: start.startedAt,
    endedNow: start.now(),
    ms: performance.now() - start.t0,
    trail: start.trail,
    attempts: sentAttempts(start.trail),
    answered: end.answered,
    credential: end.credential,
    usage: end.usage,
    responseModel: end.responseModel,
    responseId: end.responseId,
    finishReason: end.finishReason,
    outcome: end.outcome,
    error: end.error,
    streamEnd: end.streamEnd,
    firstEventMs: end.firstEventMs,
    firstChunkNow: end.firstChunkNow,
    budgetWarnings: end.budgetWarnings,
    decisions: start.events.decisions,
    gaveUp: start.events.gaveUp,
  };
}

/** A stream's outcome as the ledger says it. */
const STREAM_OUTCOME: Record<StreamEnd, string> = { finished: 'ok', cut: 'stream_broken', cancelled: 'cancelled' };

/** The one hook that reads a committed stream's events for its record: usage, the answer's model and id, the finish,
 * the first event's and first chunk's clocks. At the stream's end it makes the record and hands it to `over`. */
export function recordedStream(
  start: CallStart,
  answered: AnsweredBy,
  budgetWarnings: readonly BudgetWarning[] | undefined,
  over: (record: CallRecord) => void,
): StreamHook {
  let usage: Usage | undefined;
  let model: string | undefined;
  let id: string | undefined;
  let finish: FinishReason | undefined;
  let firstEventMs: number | undefined;
  let firstChunkNow: number | undefined;
  const credential = answeringCredential(start.trail);
  return {
    event(e: StreamEvent) {
      firstEventMs ??= performance.now() - start.t0;
      if (e.type === 'start') {
        if (e.model) model = e.model;
        id = e.id;
        if (e.usage !== undefined) usage = e.usage;
      } else if (e.type === 'finish') {
        finish = e.finish_reason;
        if (e.usage !== undefined) usage = e.usage;
      } else if (firstChunkNow === undefined && !isBlockBoundary(e)) firstChunkNow = start.now();
    },
    end(how, err) {
      over(
        callRecord(start, {
          answered,
          credential,
          usage,
          responseModel: model ?? answered.model,
          responseId: id,
          finishReason: finish,
          outcome: STREAM_OUTCOME[how],
          error: err,
          streamEnd: how,
          firstEventMs,
          firstChunkNow,
          budgetWarnings,
        }),
      );
    },
  };
}
