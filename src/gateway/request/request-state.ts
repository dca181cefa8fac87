// What the gateway remembers about one request while serving it, gathered into its record when it is over
// (request-end.ts). Hung on the fastify request as `req.sy`.
import { performance } from 'node:perf_hooks';
import type { Api, ApiError } from '../answer/api-error.ts';
import type { Explanation } from '../../errors/explanation.ts';
import type { ModelTarget } from './model-resolve.ts';
import type { GatewayContext } from '../context.ts';
import type { RawJson } from '../../log.ts';
import type { Attempt } from '../../calls/types.ts';
import type { CallRecord } from '../../calls/types.ts';
import type { RouteFailure } from '../../routing/errors.ts';
import type { Usage } from '../../providers/types.ts';
import type { UsageRow } from '../../usage/row.ts';
import type { ContinuedConversation } from '../conversations/conversation-record.ts';
import type { McpRequestFacts } from '../mcp/request-facts.ts';
import type { UserPolicy } from './end-user.ts';
import type { GuardMode } from '../../config/guard.ts';
import type { GuardFinding } from '../../guard/body.ts';

export interface RequestState {
  /** Sent back as `x-request-id` and written in the request's log line, so a caller's error can be found there. */
  id: string;
  /** The id as JSON text for the line (rendered once: see RawJson). */
  idJson: RawJson;
  api: Api;
  /** performance.now() at arrival. */
  started: number;
  /** Name of the client key used (never the key). */
  keyName?: string;
  /** Where the key reads the end user (end-user.ts); absent: it reads none. */
  userPolicy?: UserPolicy;
  /** The end user, as the ledger keeps it (hashed when the key says so). */
  user?: string;
  /** The client key's own secrets guard mode, when it has one (client-auth.ts): it wins over `guard.secrets`. */
  keyGuard?: GuardMode;
  /** The secrets the guard found in the request (guard-request.ts): rule, where and action, never the secret. */
  guard?: GuardFinding[];
  model?: string;
  target?: ModelTarget;
  stream: boolean;
  /** Final `provider/model`. */
  route?: string;
  /** ID (fingerprint) of the credential that answered: the `x-switchyard-credential` header and the line's
   * `credential`. */
  credential?: string;
  attempts: number;
  /** `ok`, or what the client was told. */
  outcome: string;
  /** The message of the error the client was told (so the operator reads in the log why a call failed). */
  error?: string;
  /** The same failure's explanation as a value, when the router made one (SwitchyardError.explained): the dashboard
   * renders it for its reader. */
  explained?: Explanation;
  /** Every route's failure (SwitchyardError.failures), for the dashboard's line per route. */
  failures?: readonly RouteFailure[];
  /** Tokens the answer used, as the provider counted them (a stream's comes with its finish event): the line's
   * `tokens_*` fields and `switchyard_gateway_tokens_total`, so an operator can say who used how much. */
  usage?: Usage;
  /** Responses API built-in tools left out of the request (gateway.hosted_tools: drop): the line's `dropped_tools`
   * and the `x-switchyard-dropped-tools` header. */
  droppedTools?: string[];
  /** A Responses turn continuing a recorded conversation: how it was sent (`x-switchyard-conversation`, the line's
   * `conversation`). */
  conversation?: string;
  /** A request to /mcp: its JSON-RPC method and the tool it calls (the line's `mcp_method`, `tool`). */
  mcp?: McpRequestFacts;
  /** The conversation the turn continues, once rebuilt (conversation-record.ts). */
  continued?: ContinuedConversation;
  /** Soft budgets the call went over, said in `x-switchyard-budget-warning` (docs/budgets.md). */
  budgetWarning?: string;
  /** Sum of attempt latencies and waits, for the overhead histogram (non-streaming). */
  upstreamMs?: number;
  /** The router call's record (calls/call-record.ts), told by the router when the call is over (a stream: when
   * its events end): the request's record takes its route, key, attempts, trail and usage from it. */
  call?: CallRecord;
  /** The router call's trail (chat requests): what a hang-up's line counts as sent. */
  trail?: Attempt[];
  /** The router call is running: a hang-up's line waits until it settles, when the trail holds every request sent. */
  calling: boolean;
  /** The caller closed its connection before its answer was complete. */
  hungUp: boolean;
  /** The request is over (once: a hang-up ends it before fastify is done); its record is queued, or waits for its
   * stream's events to close (`usagePending`). */
  logged: boolean;
  /** The HTTP status it ended with (499: the caller hung up). */
  status?: number;
  /** The shutdown's drain time ran out while this request was running: what it ends with instead of its answer. */
  cutWith: ApiError | undefined;
  /** Milliseconds from arrival to a stream's first event (the ledger's time to first token). */
  ttftMs?: number;
  /** How a stream ended: `finished`, `cut` (the upstream broke off or failed), `cancelled` (the caller left). */
  streamEnd?: string;
  /** A stream's events are still open: its usage is not final, so its record waits (request-end.ts). */
  usagePending?: boolean;
  /** The row made for the `x-switchyard-usage` header or trailer, kept for the record (usage-record.ts). */
  usageRow?: UsageRow;
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
    id: id.id,
    idJson: id.json,
    api,
    started: performance.now(),
    stream: false,
    attempts: 0,
    outcome: 'ok',
    calling: false,
    hungUp: false,
    logged: false,
    cutWith: undefined,
  };
}
