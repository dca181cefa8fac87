// One record per request: the facts of a request that is over (ids, client key, task, route, credential, attempts and
// the ladder's decisions, usage, cost, timings, outcome, stream end), gathered once when it ends (request-end.ts)
// around its router call's record (calls/call-record.ts), and the queue that hands it to every reader of them
// (record-readers.ts: the log line, the metrics, the usage ledger, the dashboard's ring and live events) off the
// request's tick, a batch at a time. A reader that throws is said once and never stops the others
// (docs/architecture.md#one-record-per-request).
import type { GuardFinding } from '../../guard/body.ts';
import type { Api } from '../answer/api-error.ts';
import type { Explanation } from '../../errors/explanation.ts';
import type { RawJson } from '../../log.ts';
import type { Attempt, LadderDecision } from '../../calls/types.ts';
import type { RouteFailureKind } from '../../calls/failure-kinds.ts';
import type { RouteFailure } from '../../routing/errors.ts';
import type { Usage } from '../../providers/types.ts';
import type { UsageRow } from '../../usage/row.ts';
import { BatchQueue, type Reader } from '../../calls/record-queue.ts';
import type { McpRequestFacts } from '../mcp/request-facts.ts';

export interface RequestRecord {
  id: string;
  /** The id as JSON text (rendered once when it arrived: see RawJson). */
  idJson: RawJson;
  /** The HTTP method, or `WS` for a turn of the Responses WebSocket mode. */
  method: string;
  path: string;
  /** The HTTP status the caller got (499: it hung up first). */
  status: number;
  /** Which shape errors took (apiOf). */
  api: Api;
  /** A chat endpoint: its request counts in the metrics, the ledger and the dashboard. */
  chat: boolean;
  /** Name of the client key used (never the key). */
  clientKey: string | undefined;
  /** The end user behind the key, as the ledger keeps it (end-user.ts). */
  user?: string | undefined;
  /** The model name the caller sent, as shown (shownModel). */
  model: string | undefined;
  /** The alias the name matched (`x-switchyard-alias`). */
  alias: string | undefined;
  task: string | undefined;
  /** Final `provider/model`. */
  route: string | undefined;
  /** `route` as a bounded metric label (metricRoute), `none` when no route answered. */
  routeLabel: string;
  /** ID (fingerprint) of the credential that answered. */
  credential: string | undefined;
  /** Attempts sent upstream. */
  attempts: number;
  /** Every attempt, sent or not, with its own usage (chat requests that reached the router). */
  trail: readonly Attempt[] | undefined;
  /** The call's retries, rotations, cooldowns, fallbacks, budget events and affinity (CallRecord.decisions). */
  decisions: readonly LadderDecision[] | undefined;
  /** The kind the call gave up with, when it failed after its routes (CallRecord.gaveUp). */
  gaveUp: RouteFailureKind | undefined;
  /** Tokens the answer used, as the provider counted them. */
  usage: Usage | undefined;
  /** The ledger's row: each attempt's charge priced, the totals, the cost; the `x-switchyard-usage` value was made
   * from it. Only for a chat request that reached the router. */
  row: UsageRow | undefined;
  /** `ok`, or what the caller was told. */
  outcome: string;
  error: string | undefined;
  explained: Explanation | undefined;
  failures: readonly RouteFailure[] | undefined;
  stream: boolean;
  /** `finished`, `cut` or `cancelled`. */
  streamEnd: string | undefined;
  /** Milliseconds from arrival to a stream's first event. */
  ttftMs: number | undefined;
  /** Milliseconds from arrival to the end. */
  ms: number;
  /** The upstream's share of `ms` (attempt latencies and the waits before them); buffered answers only. */
  upstreamMs: number | undefined;
  droppedTools: readonly string[] | undefined;
  /** A Responses turn continuing a recorded conversation: how it was sent (`x-switchyard-conversation`). */
  conversation: string | undefined;
  /** A request to /mcp: its JSON-RPC method and tool. */
  mcp: McpRequestFacts | undefined;
  /** The secrets the guard found in the request: rule, where, action (never the secret). */
  guard: readonly GuardFinding[] | undefined;
}

/** The readers, in the order each batch is read: the log first, so a line is never held back by the others. */
export const READER_NAMES = ['log', 'metrics', 'ledger', 'dashboard'] as const;
export type ReaderName = (typeof READER_NAMES)[number];

export type RecordReader = Reader<RequestRecord, ReaderName>;

/** The gateway's queue of request records (calls/record-queue.ts). */
export class RecordQueue extends BatchQueue<RequestRecord, ReaderName> {}
