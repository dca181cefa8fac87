// A request as the gateway serves it, in the order its facts are learnt: each part is written by the one phase that
// learns it and read by the phases after, and the whole is gathered into the request's record when it is over
// (request-end.ts). Hung on the fastify request as `req.sy`.
//   arrival — when it comes in (request-log.ts); never changes.
//   caller  — whose key it carries (client-auth.ts, admin-auth.ts), once, before its route runs.
//   asked   — what its body asks, each fact once as it is read (serve-chat.ts, end-user.ts, mcp/serve.ts).
//   answer  — who answered: the route and key a call was answered by or a stream committed to (serve-chat.ts), once.
//   failure — what the caller was told instead of an answer (errors.ts, stream-writer.ts, request-log.ts).
//   run     — the call while it runs: its trail and record, and the flags by which a hang-up, the call's settling
//             and a stream's end meet (serve-chat.ts, stream-writer.ts, request-end.ts).
import { performance } from 'node:perf_hooks';
import type { Api, ApiError } from '../answer/api-error.ts';
import type { Explanation } from '../../errors/explanation.ts';
import type { ModelTarget } from './model-resolve.ts';
import type { GatewayContext } from '../context.ts';
import type { InFlightEntry } from './in-flight.ts';
import type { RawJson } from '../../log.ts';
import type { Attempt, CallRecord } from '../../calls/types.ts';
import { sentAttempts } from '../../calls/trail.ts';
import type { RouteFailure } from '../../routing/errors.ts';
import type { Usage } from '../../providers/types.ts';
import type { UsageRow } from '../../usage/row.ts';
import type { ContinuedConversation } from '../conversations/conversation-record.ts';
import type { McpRequestFacts } from '../mcp/request-facts.ts';
import type { UserPolicy } from './end-user.ts';
import type { GuardMode } from '../../config/guard.ts';
import type { GuardFinding } from '../../guard/body.ts';

/** Known when the request comes in. */
export interface Arrival {
  /** Sent back as `x-request-id` and written in the request's log line, so a caller's error can be found there. */
  readonly id: string;
  /** The id as JSON text for the line (rendered once: see RawJson). */
  readonly idJson: RawJson;
  /** Which shape its errors take (apiOf). */
  readonly api: Api;
  /** performance.now() at arrival. */
  readonly started: number;
}

/** Whose key the request carries: its name (never the key; `admin`, `dashboard`, `anonymous`… for the others) and
 * what the key says of end users and the secrets guard. */
export interface Caller {
  readonly keyName: string;
  /** Where the key reads the end user (end-user.ts); undefined: it reads none. */
  readonly userPolicy: UserPolicy | undefined;
  /** The client key's own secrets guard mode, when it has one: it wins over `guard.secrets`. */
  readonly keyGuard: GuardMode | undefined;
}

/** A caller named by what it is rather than by a client key's verdict (`admin`, `dashboard`, a refused one). */
export function namedCaller(keyName: string): Caller {
  return { keyName, userPolicy: undefined, keyGuard: undefined };
}

/** What the request asks, as its headers and body are read: each fact once. */
export interface Asked {
  /** The model name as sent, as shown (shownModel). */
  model?: string;
  target?: ModelTarget;
  /** The end user, as the ledger keeps it (hashed when the key says so): a header's at auth, a body's later. */
  user?: string;
  stream: boolean;
  /** Responses API built-in tools left out of the request (gateway.hosted_tools: drop). */
  droppedTools?: readonly string[];
  /** The conversation the turn continues, once rebuilt (conversation-record.ts). */
  continued?: ContinuedConversation;
  /** A request to /mcp: its JSON-RPC method and the tool it calls (the line's `mcp_method`, `tool`). */
  mcp?: McpRequestFacts;
}

/** Who answered, as the caller's headers say it. (Every field is always present, `undefined` when it says nothing:
 * one shape for every request.) */
export interface Answer {
  /** Final `provider/model`. */
  readonly route: string;
  /** ID (fingerprint) of the credential that answered: `x-switchyard-credential` and the line's `credential`. */
  readonly credential: string | undefined;
  /** The built-in tools that were really left out (none when the route that answered took them): the line's
   * `dropped_tools` and `x-switchyard-dropped-tools`. */
  readonly droppedTools: readonly string[] | undefined;
  /** Soft budgets the call went over, said in `x-switchyard-budget-warning` (docs/budgets.md). */
  readonly budgetWarning: string | undefined;
  /** A Responses turn continuing a recorded conversation: how it was sent (`x-switchyard-conversation`). */
  readonly conversation: string | undefined;
}

/** What the caller was told instead of an answer. */
export interface Failure {
  /** The error's code (or category): the line's `outcome`; a cut stream's is `stream_<code>`. */
  readonly outcome: string;
  /** Its message, so the operator reads in the log why a call failed. */
  readonly error?: string;
  /** Its explanation as a value, when the router made one (SwitchyardError.explained): the dashboard renders it. */
  readonly explained?: Explanation;
  /** Every route's failure (SwitchyardError.failures), for the dashboard's line per route. */
  readonly failures?: readonly RouteFailure[];
  /** The attempts the error's `x-switchyard-attempts` header told, when it carried one. */
  readonly attempts?: number;
}

/** The call while it runs, and the flags by which its ends meet. */
export interface RequestRun {
  /** The router call's trail (chat requests): what a hang-up's line counts as sent. */
  trail?: Attempt[];
  /** The router call's record (calls/call-record.ts), told by the router when the call is over (a stream: when its
   * events end): the request's record takes its route, key, attempts, trail and usage from it. */
  call?: CallRecord;
  /** What waits for `call`: the request's record, when the call's waits for an estimate (serve-chat.ts). */
  onCall?: () => void;
  /** The router call is running: a hang-up's line waits until it settles, when the trail holds every request sent. */
  calling: boolean;
  /** The caller closed its connection before its answer was complete. */
  hungUp: boolean;
  /** The request is over (once: a hang-up ends it before fastify is done); its record is queued, or waits for its
   * stream's events to close (`usagePending`). */
  logged: boolean;
  /** Its usage is not final (a stream's events still open, the call's record waiting for an estimate), so its record
   * waits (request-end.ts). */
  usagePending: boolean;
  /** The shutdown's drain time ran out while this request was running: what it ends with instead of its answer. */
  cutWith?: ApiError;
  /** Its place among the requests a shutdown waits for (in-flight.ts), from its call's start to its line. */
  inFlight?: InFlightEntry;
  /** A stream's usage so far, from its events (a buffered answer's is its call record's). */
  usage?: Usage;
  /** Milliseconds from arrival to a stream's first event (the ledger's time to first token). */
  ttftMs?: number;
  /** Sum of attempt latencies and waits of a buffered answer, for the overhead histogram. */
  upstreamMs?: number;
  /** How a stream ended: `finished`, `cut` (the upstream broke off or failed), `cancelled` (the caller left). */
  streamEnd?: string;
  /** The HTTP status it ended with (499: the caller hung up). */
  status?: number;
  /** The row made for the `x-switchyard-usage` header or trailer, kept for the record (usage-record.ts). */
  usageRow?: UsageRow;
  /** The secrets the guard found, in the request, its answer or an MCP tool's result: rule, where and action, never
   * the secret. */
  guard?: GuardFinding[];
}

export interface RequestState {
  readonly arrival: Arrival;
  caller?: Caller;
  readonly asked: Asked;
  answer?: Answer;
  failure?: Failure;
  readonly run: RequestRun;
}

declare module 'fastify' {
  interface FastifyRequest {
    sy: RequestState | null;
  }
  interface FastifyInstance {
    gateway: GatewayContext;
  }
}

export function newRequestState(api: Api, id: { id: string; json: RawJson }): RequestState {
  return {
    arrival: { id: id.id, idJson: id.json, api, started: performance.now() },
    asked: { stream: false },
    run: { calling: false, hungUp: false, logged: false, usagePending: false },
  };
}

/** The line's `outcome`: `ok`, or what the caller was told. */
export function outcomeOf(s: RequestState): string {
  return s.failure?.outcome ?? 'ok';
}

/** Attempts sent upstream: the call's record's count; before it, what an error told, else the trail's. */
export function attemptsOf(s: RequestState): number {
  const call = s.run.call;
  if (call !== undefined) return call.attempts;
  if (s.failure?.attempts !== undefined) return s.failure.attempts;
  return s.run.trail === undefined ? 0 : sentAttempts(s.run.trail);
}

/** The caller is told a failure (or, hanging up, is told nothing more): the last telling is the line's. */
export function failWith(s: RequestState, failure: Failure): void {
  s.failure = failure;
}

/** What the guard found, added to the request's findings. */
export function guardFound(s: RequestState, findings: readonly GuardFinding[]): void {
  if (findings.length > 0) (s.run.guard ??= []).push(...findings);
}
