// The library contract (docs/routing.md "Library API"): createSwitchyard({ config }).chat({ task, messages, stream }).
import type { ProviderType, Route } from '../config/schema.ts';
import type { ErrorKind } from '../errors/kinds.ts';
import type { RouteFailureKind } from './failure-kinds.ts';
import type { BlockedBy } from '../errors/classify.ts';
import type { CoolingReason, CredentialSource, SourceKind } from '../credentials/types.ts';
import type { ChatMessage, ChatResponse, FinishReason, StreamEvent, Usage } from '../providers/types.ts';
import type { RequestSettings } from '../providers/settings.ts';
import type { BudgetWarning } from './budget-warning.ts';
import type { StreamEnd } from './stream-hook.ts';

export interface Attempt {
  /** `provider/model` */
  route: string;
  provider: string;
  model: string;
  /** The key's sources and where each is set, so a message can name what the user edits. Never the secret. */
  credential?: { fingerprint: string; masked: string; sources: SourceKind[]; from: CredentialSource[] };
  /** `ok` on success; `cancelled`: the caller's signal aborted it while it was in flight; `max_tokens_clamped`: refused
   * only because max_tokens was above the model's stated maximum, and sent again with `max_tokens` lowered to it;
   * `stale_connection`: its pooled connection was dropped before any byte of the answer, and it was sent again on a
   * fresh one (not a failure of the provider or the key). */
  outcome:
    'ok' | ErrorKind | 'breaker_open' | 'skipped' | 'cancelled' | 'max_tokens_clamped' | 'stale_connection' | 'budget';
  status?: number;
  latency_ms: number;
  /** Backoff or rate-limit wait before this attempt. */
  wait_ms: number;
  /** Short explanation (never contains a secret). */
  message?: string;
  /** With `skipped`: why nothing was sent, as a value (the message says it in words). */
  skip?: AttemptSkip;
  /** What was done before this attempt besides waiting: `re-minted after 401` (a minted credential's new token). */
  note?: string;
  /** A refusal that was neither the key's credentials nor a missing model (classify.ts): the key may not use this
   * model (`model_access`), the provider refuses the region (`region`), or a firewall page answered (`firewall`). */
  refusal?: AttemptRefusal;
  /** With `max_tokens_clamped`: the max_tokens the next attempt on this route is sent with (the model's maximum). */
  max_tokens?: number;
  /** With `skipped` for lack of a usable key: each key and why it was not usable, so the skip states the keys' real
   * state. Never the secret. */
  unusable_keys?: UnusableKey[];
  /** The tokens this attempt was billed for (docs/usage.md): the upstream's own usage, or an estimate when it gave
   * none (`estimated: true`); absent when no request reached the upstream. A retry or fallback has its own. */
  usage?: AttemptUsage;
  /** `streaming.resume`: this attempt continued the answer cut on that route (`provider/model`). */
  resumed_from?: string;
  started_at: number;
}

/** Outcomes of an attempt the route sent again as meant, adjusted (max_tokens lowered) or on a fresh connection: not a
 * failure of the provider or the key, for every reader that counts failures. */
export const RESENT_OUTCOMES: ReadonlySet<Attempt['outcome']> = new Set(['max_tokens_clamped', 'stale_connection']);

/** An attempt's tokens; `estimated`: counted with the tokenizer because the upstream reported none (a stream cut or
 * cancelled before its usage, an upstream that omits it). */
export interface AttemptUsage extends Usage {
  estimated?: true;
}

export interface UnusableKey {
  masked: string;
  from: CredentialSource[];
  /** Why it is set aside: `rejected (never accepted); next probe at 11:02:00`; `why_parts` the same as its parts
   * (`["rejected (never accepted)", "next probe at 11:02:00"]`), for a line naming several keys. */
  why: string;
  why_parts: string[];
}

export type AttemptRefusal = 'model_access' | BlockedBy;

/** Why a route sent nothing: every key of its provider set aside (`unusable_keys` names them), a context window too
 * small for the prompt, a provider type that cannot do what the request needs (ChatOptions.needs), a conversation only
 * its owner's route reads (ChatOptions.owner), or a route the config cannot make work. */
export type AttemptSkip = 'no_usable_key' | 'context_window' | 'needs' | 'unportable' | 'invalid_route';

/** The request's settings (tools, sampling, response format, …) are those of the canonical request. */
export interface ChatOptions extends RequestSettings {
  /** `main` (default) or any task under `auxiliary:`. */
  task?: string;
  messages: ChatMessage[];
  /** Override the model of the first route (e.g. `/model`, or a gateway request naming provider/model). */
  route?: Route;
  signal?: AbortSignal;
  /** The array the call records its attempts in (a new one by default): the result's or error's `trail` is this
   * array. A caller that cancels through `signal` reads in it what was sent, since the rejection carries no trail. */
  trail?: Attempt[];
  /** Estimated prompt tokens, used to skip routes whose context window cannot hold the input. */
  estimated_tokens?: number;
  /** The gateway client key (by name) the call is made for: budgets scoped to it apply (docs/budgets.md). */
  client_key?: string;
  /** The end user the call is made for, as the ledger keeps it (calls/end-user.ts): budgets on the client key's users
   * (`per_user`, `user:`) apply (docs/budgets.md#end-users). */
  end_user?: string;
  /** A Responses turn continuing a conversation whose upstream state lives with one route and key. */
  owner?: ConversationOwner;
  /** What only some provider types can do for this request: routes of any other type are skipped (need-step.ts). */
  needs?: RouteNeed;
  /** Told the call's record (calls/call-record.ts) once, when the call is over: before its result or error reaches
   * the caller, or a stream's events end — unless an attempt's usage is still being estimated, when onRecordLater is
   * told instead, and onRecord once it is counted. The gateway builds its request record around it. */
  onRecord?: (record: CallRecord) => void;
  /** Told, instead of onRecord at that point, that the call is over and its record waits for an estimate. */
  onRecordLater?: () => void;
}

/** A request's need of a provider type (Anthropic's compaction past its trigger), and what it is, for the skip's
 * words: `compact this conversation (…)` in "cannot compact this conversation (…): only anthropic routes can". */
export interface RouteNeed {
  providerTypes: readonly ProviderType[];
  what: string;
}

/** One record per call: its facts gathered once, by the router, when it is over (calls/call-record.ts). */
export interface CallRecord {
  task: string;
  /** The end user the call was made for, as the ledger keeps it (ChatOptions.end_user). */
  endUser?: string | undefined;
  stream: boolean;
  /** Epoch ms the call started. */
  startedAt: number;
  /** The router's clock (`now`) when the call was over: the span's end. */
  endedNow: number;
  /** Milliseconds the call took (performance.now()). */
  ms: number;
  /** Every attempt, sent or not, each with its own usage. */
  trail: readonly Attempt[];
  /** Attempts sent upstream (those made with a key). */
  attempts: number;
  /** The route that answered (a stream: the one it was committed to); undefined when the call failed. */
  answered: AnsweredBy | undefined;
  /** Fingerprint of the key that answered: the last attempt made with one. */
  credential: string | undefined;
  /** Tokens the answer used, as the provider counted them (a stream: its finish's, else its start's). */
  usage: Usage | undefined;
  /** What the answer said of itself: the model that answered, its id, why it stopped. */
  responseModel: string | undefined;
  responseId: string | undefined;
  finishReason: FinishReason | undefined;
  /** `ok`, the failure's kind, `cancelled`, `stream_broken` (a stream cut), or `error` (not ours). */
  outcome: string;
  /** What the caller was thrown, when the call (or its stream) ended with an error. */
  error: unknown;
  /** How a stream ended. */
  streamEnd: StreamEnd | undefined;
  /** Milliseconds from the call's start to a stream's first event. */
  firstEventMs: number | undefined;
  /** The router's clock at a stream's first chunk of answer (not its start nor a block boundary). */
  firstChunkNow: number | undefined;
  budgetWarnings: readonly BudgetWarning[] | undefined;
  /** The ladder's decisions in the call, in order (LadderDecision); undefined when it made none. */
  decisions: readonly LadderDecision[] | undefined;
  /** The kind the call gave up with, when it failed after its routes (the `give_up` event's); once per call. */
  gaveUp: RouteFailureKind | undefined;
}

/** Where a Responses conversation's upstream state lives: that route and key are preferred while they answer (the
 * prompt-cache affinity's pick), and sent `responsesBody`; any other route gets the conversation rebuilt
 * (docs/responses.md#a-conversations-state-across-a-fallback). */
export interface ConversationOwner {
  /** `provider/model`. */
  route: string;
  provider: string;
  fingerprint: string;
  /** What that route and key are sent instead of the request's own `responses_body`: the caller's body with the
   * upstream's `previous_response_id`, or the conversation with the items only it can read. */
  responsesBody?: Record<string, unknown>;
  /** Why no other route can be sent the conversation (an item only the owner reads); absent when any can. */
  unportable?: string;
  /** Earlier holders: other routes and keys (serving the Responses API) whose answers in this conversation hold items
   * only they read (their encrypted reasoning). When the chain comes back to one, it is sent its `responsesBody`: the
   * conversation with its own such items kept, where any other route gets them left out. */
  holders?: { route: string; fingerprint: string; responsesBody: Record<string, unknown> }[];
}

export interface Disabled {
  status: 'disabled';
  task: string;
  /** `provider: none` or `enabled: false`. */
  reason: string;
  trail: Attempt[];
}

/** The route that answered, in the shape every trail entry names its route: `route` is `provider/model`. */
export interface AnsweredBy {
  route: string;
  provider: string;
  model: string;
}

export interface ChatSuccess extends AnsweredBy {
  status: 'ok';
  task: string;
  response: ChatResponse;
  trail: Attempt[];
  /** Soft budgets the call went over (served all the same); absent when none. */
  budget_warnings?: BudgetWarning[];
}

/** `route`, `provider`, `model`: the route the first content delta was committed to. */
export interface StreamSuccess extends AnsweredBy {
  status: 'ok';
  task: string;
  /** Grows while the stream runs. */
  trail: Attempt[];
  events: AsyncIterable<StreamEvent>;
  /** Soft budgets the call went over (served all the same); absent when none. */
  budget_warnings?: BudgetWarning[];
}

/** Events emitted by the ladder; metrics and logs subscribe. */
export type LadderEvent =
  | { type: 'attempt'; task: string; attempt: Attempt }
  | { type: 'retry'; task: string; route: string; kind: ErrorKind; delay_ms: number; attempt: number }
  /** `route`: the `provider/model` the key was rotated on; `from` and `to`: the keys, masked. */
  | { type: 'rotate'; task: string; route: string; provider: string; from: string; to: string; kind: ErrorKind }
  /** A key set aside: cooling or rejected until its next probe; `credential` says where it came from. `revoked`: it
   * worked before and was rejected again since its suspicion. */
  | {
      type: 'cooldown';
      provider: string;
      fingerprint: string;
      masked: string;
      credential: string;
      reason: CoolingReason | 'rejected' | 'revoked';
      until: number;
      /** The region it rests in, when only there (a throttle or quota of a Bedrock or Vertex AI region). */
      region?: string;
      /** What the provider said, when a key is set aside for its auth (`HTTP 401: Your authentication token has been
       * invalidated.`); scrubbed like every provider message. */
      said?: string;
    }
  /** A key that was set aside answered again (`after`: why it had been set aside). */
  | {
      type: 'recovered';
      provider: string;
      fingerprint: string;
      masked: string;
      credential: string;
      after: CoolingReason | 'rejected';
    }
  | { type: 'fallback'; task: string; from: string; to: string; kind: RouteFailureKind }
  | { type: 'give_up'; task: string; kind: RouteFailureKind; message: string }
  | { type: 'breaker'; provider: string; state: 'open' | 'half_open' | 'closed' }
  /** `from`: the first key in order, unusable; `to`: the key used instead (both as describeCredential says them). */
  | { type: 'credential_switch'; provider: string; from: string; to: string; message: string }
  | { type: 'success'; task: string; route: string; attempts: number; latency_ms: number }
  /** A budget refused the call or skipped a route or key (`refused`), or a soft one was gone over (`soft_over`). */
  | {
      type: 'budget';
      task: string;
      budget: string;
      scope: string;
      resource: BudgetWarning['resource'];
      window: BudgetWarning['window'];
      state: 'refused' | 'soft_over';
      message: string;
    }
  /** An answer to a turn that continues an earlier one (the same prompt prefix): `kept` when it came from the earlier
   * turn's route and key, where the prompt cache is warm; `broken` (and why) when not, costing about `prefix_tokens`
   * read again at full price. */
  | {
      type: 'affinity';
      task: string;
      provider: string;
      route: string;
      outcome: 'kept' | 'broken';
      prefix_tokens: number;
      why?: string;
    };

/** What a call's record keeps of its ladder events besides its attempts (the trail holds those): the waits before a
 * retry, the rotations, the keys set aside, the fallbacks, the budgets that refused or were gone over, the affinity
 * kept or broken, with the ladder's reasons, which the trail does not hold. */
export type LadderDecision = Extract<
  LadderEvent,
  { type: 'retry' | 'rotate' | 'cooldown' | 'fallback' | 'budget' | 'affinity' }
>;
