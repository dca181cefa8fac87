// Everything one call carries through its chain: the config snapshot it started with (a reload never changes a
// call in flight), the shared pool/store/breakers, the injected clock, sleep and randomness, and its trail.
import { setTimeout as delay } from 'node:timers/promises';
import type { LoadedConfig } from '../config/types.ts';
import type { CredentialPool } from '../credentials/pool.ts';
import type { ProviderAdapter, SendContext } from '../providers/types.ts';
import type { StateStore } from '../state/types.ts';
import type { Breakers } from './breaker.ts';
import type { LadderSink } from '../calls/events.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import type { Attempt, ConversationOwner, RouteNeed } from '../calls/types.ts';
import type { RequestAdjustments } from './adjust.ts';
import type { TrialsOut } from './trials-out.ts';
import type { CallBudgets } from '../budgets/call.ts';
import type { AffinityTurn } from '../credentials/affinity.ts';
import type { Credential } from '../credentials/types.ts';
import type { KeyWriter } from './key-record.ts';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real wait, for a router or probe not given one. */
export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : {});
};

/** One given key and nothing else, as the live probe sends it (inspect/probe.ts): no other key is picked, a failed key
 * is not rotated, a transient failure (which says nothing of the key) is not retried, and the key's health is written
 * through `keys` (nothing unless --record). AUTH_RULES still retry a rejection, as for a request. */
export interface OnlyKey {
  credential: Credential;
  keys: KeyWriter;
}
export type AdapterFor = (type: ProviderAdapter['type']) => ProviderAdapter;

export interface CallContext {
  task: string;
  loaded: LoadedConfig;
  pool: CredentialPool;
  store: StateStore;
  breakers: Breakers;
  /** The keys whose single trial request this process has out (shared by every call). */
  trials: TrialsOut;
  adapterFor: AdapterFor;
  /** A call's own (CallEvents), which keeps what its record holds; a probe's, its own LadderEvents. */
  events: LadderSink;
  trail: Attempt[];
  now: () => number;
  sleep: Sleep;
  random: () => number;
  /** Whole-call deadline (epoch ms) for auxiliary tasks; main routes are bounded by their provider's timeout. */
  deadline?: number;
  /** The task's own timeout (`auxiliary.T.timeout`) the deadline was set from: a timeout it cut short names it. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Time zone for clock times in explanations (tests pass UTC). */
  timeZone?: string;
  /** The call's budgets, when any is configured (docs/budgets.md): each attempt is admitted by them first. */
  budgets?: CallBudgets;
  /** Prompt-cache affinity: the earlier turn this one continues, if any (routing/affinity-step.ts). */
  affinity?: AffinityTurn;
  /** A Responses conversation's owner: its route and key hold the upstream state (routing/owner-step.ts). */
  owner?: ConversationOwner;
  /** What only some provider types can do for this request (routing/need-step.ts). */
  needs?: RouteNeed;
  /** The live probe's one key (OnlyKey); a request leaves it unset. */
  only?: OnlyKey;
  /** Attempts' estimates still being counted (calls/billed.ts billAttempt): the call's record waits for them. */
  billing?: Promise<void>[];
}

/** Sends one attempt on a route, with what the route changed in the request so far (requestFor in adjust.ts). Throws
 * UpstreamError (classified) on failure. */
export type Sender<T> = (
  adapter: ProviderAdapter,
  ctx: SendContext,
  route: RouteSpec,
  adjust: RequestAdjustments,
) => Promise<T>;
