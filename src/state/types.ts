// The state store contract (docs/gateway.md). One interface, several implementations (SQLite, Redis), one
// conformance suite. Reads on the request path are synchronous and come from memory; writes are applied to memory
// at once and persisted asynchronously in batches. Changes made by another process become visible within 1s.
import type { GuardMode } from '../config/guard.ts';
import type { HealthRecord, CoolingReason, HealthState } from '../credentials/types.ts';
import type { ErrorKind } from '../errors/kinds.ts';
import type { MintReason } from '../credentials/minted/mint-reason.ts';
import type { BudgetStore } from './budget-store.ts';

/** A change to one health record. Counters are increments so that two writers never lose each other's counts;
 * state fields are last-writer-wins by `at`. `reset: true` clears state to ok (an `auth reset`). */
export interface HealthPatch {
  provider: string;
  at: number;
  state?: HealthState;
  reason?: CoolingReason | null;
  until?: number | null;
  /** Only moves forward (the later probe window wins); cleared when the key is ok again. */
  probe_at?: number;
  last_success_at?: number;
  last_failure_at?: number;
  last_failure_kind?: ErrorKind;
  last_failure_message?: string;
  add_successes?: number;
  add_failures?: number;
  add_uses?: number;
  reset?: boolean;
}

export interface StoredCredential {
  id: string; // the fingerprint
  provider: string;
  secret: string;
  label?: string;
  priority: number;
  created_at: number;
  /** The origin the key was stored for, and the only one it is sent to (src/credentials/host-binding.ts); absent on
   * keys stored before origins were recorded. */
  origin?: string;
}

export interface GatewayKeyRecord {
  id: string;
  name: string;
  /** sha256 of the key; the key itself is shown once at creation and never stored. */
  hash: string;
  /** First characters of the key, to recognise it in `keys list`. */
  prefix: string;
  created_at: number;
  revoked_at?: number;
  last_used_at?: number;
  /** The key's MCP allow-list (docs/mcp.md#allow-lists): absent, every configured tool; present, only what it names. */
  mcp?: GatewayKeyMcp;
  /** When `mcp` was last set or cleared: the latest setting wins between replicas, whole (never merged). */
  mcp_updated_at?: number;
  /** Where the gateway reads a request's end user (calls/end-user.ts): the `x-switchyard-user` header, the client's
   * body, or both (the header wins). Absent: no end user is read, and the header is refused. Set at creation. */
  user_from?: 'header' | 'body' | 'both';
  /** The ledger, budgets and spans keep the end user hashed (`sha256:…`), not as sent. */
  user_hash?: boolean;
  /** The secrets guard's mode for this key's requests (`keys create --guard`); absent: the config's `guard.secrets`. */
  guard?: GuardMode;
}

/** Server names and namespaced tool patterns (`github__*`) a key may call; the shape of mcp/governor.ts McpAllowList. */
export interface GatewayKeyMcp {
  servers?: string[];
  tools?: string[];
}

export interface SessionRecord {
  id: string;
  title: string;
  /** `derived` (from the first message), `generated` (title_generation task) or `user`. */
  title_source: 'derived' | 'generated' | 'user';
  route?: string;
  created_at: number;
  updated_at: number;
}

export interface MessageRecord {
  session_id: string;
  seq: number;
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Marks a compression summary or truncation marker. */
  kind?: 'summary' | 'truncation';
  prompt_tokens?: number;
  created_at: number;
}

export type StoreChange =
  | { type: 'health'; fingerprints: string[] }
  | { type: 'breakers'; providers: string[] }
  | { type: 'credentials'; provider?: string }
  | { type: 'gateway_keys' };

export interface HealthStore {
  getHealth(fingerprint: string): HealthRecord | undefined;
  allHealth(): HealthRecord[];
  /** Applies at once in memory and returns the new record; persisted asynchronously. */
  applyHealth(fingerprint: string, patch: HealthPatch): HealthRecord;
  /** Reset to ok as of `at` (default now): the provider's records, or one key's record by fingerprint. Failures before
   * `at` lose to it, later ones win. */
  resetHealth(provider: string, fingerprint?: string, at?: number): void;
  /** Forgets the health of these credentials where it has not changed since `unchangedSince` (a change made
   * meanwhile, here or by another process, keeps the record); returns the fingerprints forgotten here. */
  forgetHealth(fingerprints: readonly string[], unchangedSince: number): string[];
}

/** A circuit breaker's shared state (docs/replicas.md): open since `opened_at`, or closed again at `at`. The later `at` wins. */
export interface BreakerRecord {
  provider: string;
  state: 'open' | 'closed';
  at: number;
  opened_at?: number;
}

export interface BreakerStore {
  getBreaker(provider: string): BreakerRecord | undefined;
  /** Kept in memory at once when newer than the record held; shared with other processes asynchronously (through
   * the SQLite file, as the workers of one gateway share it, or through Redis between replicas). */
  setBreaker(record: BreakerRecord): void;
}

export interface CredentialStore {
  listStoredCredentials(provider?: string): StoredCredential[];
  addStoredCredential(c: Omit<StoredCredential, 'created_at'>): StoredCredential;
  /** By id (fingerprint, or a unique prefix of it) or label; returns the removed record. */
  removeStoredCredential(provider: string, idOrLabel: string): StoredCredential | undefined;
  /** Records `origin` as the one the stored key (by id, a unique prefix of it, or label) may be sent to; returns the
   * record as it was before, or undefined when nothing matches. */
  bindStoredCredential(provider: string, idOrLabel: string, origin: string): StoredCredential | undefined;
  /** Changes whenever the stored credentials (as listStoredCredentials sees them) may have changed, so a reader
   * can cache what it derives from them. Optional: without it, readers re-derive on every call. */
  storedCredentialsVersion?(): number;
}

export interface GatewayKeyStore {
  addGatewayKey(k: GatewayKeyRecord): void;
  listGatewayKeys(): GatewayKeyRecord[];
  findGatewayKeyByHash(hash: string): GatewayKeyRecord | undefined;
  revokeGatewayKey(idOrName: string): GatewayKeyRecord | undefined;
  touchGatewayKey(id: string, at: number): void;
  /** Replaces an active key's MCP allow-list whole (undefined: the key has none); the key, or undefined if unknown. */
  setGatewayKeyMcp(id: string, mcp: GatewayKeyMcp | undefined, at: number): GatewayKeyRecord | undefined;
  /** False while keys kept elsewhere (Redis) are unknown to this process: not read since it started, and no copy of
   * the ones it last read (a key not found may then exist all the same). Absent: always known (an embedded store). */
  gatewayKeysKnown?(): boolean;
  /** Takes in keys another process created or revoked now rather than at the next poll, so a key created a moment
   * ago works at once. Absent: the store's list is always current. */
  syncGatewayKeys?(): void;
}

export interface SessionStore {
  createSession(s: SessionRecord): void;
  getSession(id: string): SessionRecord | undefined;
  listSessions(): SessionRecord[];
  updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): void;
  deleteSession(id: string): boolean;
  /** Durable before it returns (a chat message must survive kill -9). */
  appendMessage(m: MessageRecord): void;
  listMessages(sessionId: string): MessageRecord[];
  /** Replace messages [fromSeq, toSeq] with one (compression). */
  replaceMessages(sessionId: string, fromSeq: number, toSeq: number, replacement: MessageRecord): void;
}

/** Why a store that still serves requests is degraded: Redis unreachable, the state file unable to grow (changes kept
 * in memory), or a rotated refresh token not yet in Redis (other replicas spend the old one). */
export type DegradedReason =
  | 'shared_store_unreachable'
  | 'disk_full'
  | 'refresh_token_not_shared'
  /** The usage ledger cannot be written (src/usage/ledger.ts): rows wait in the spool or in memory. */
  | 'usage_store'
  /** A PostgreSQL ledger's rows wait in its local spool (usage-spool/) until the server takes them. */
  | 'usage_spooling'
  /** That spool is full (usage.spool_max_bytes) or cannot be written: rows wait in memory. */
  | 'usage_spool_full';

/** What is kept of a minted credential (docs/minted.md#how-minting-works): the rotated refresh token and when and
 * how it was last minted; the token itself only when a gateway's workers share it (docs/replicas.md#workers-every-core).
 * Times in epoch ms. */
export interface MintRecord {
  id: string;
  provider: string;
  refresh_token?: string;
  /** Fingerprint of the configured refresh token the stored one descends from: a new one in the config wins. */
  refresh_seed?: string;
  minted_at?: number;
  /** Why the last token was minted (first use, ahead of expiry, after a 401/403, `auth refresh`). */
  mint_reason?: MintReason;
  expires_at?: number;
  /** The last mint's failure (never the command's output or a secret), and when; cleared by a success. */
  error?: string;
  error_at?: number;
  /** `auth refresh` asked every process holding a token of this source to mint a new one. */
  refresh_requested_at?: number;
  /** The last minted token, written only by a gateway worker (minted/shared-token.ts), for its sibling workers. */
  token?: string;
  /** The source version (MintedSource.version, a hash) `token` was minted for: another version does not use it. */
  token_version?: string;
  updated_at: number;
}

/** A change to a MintRecord: fields given are set, `null` clears one, fields left out are kept. */
export type MintPatch = { provider: string; at: number } & {
  [K in Exclude<keyof MintRecord, 'id' | 'provider' | 'updated_at'>]?: MintRecord[K] | null;
};

export interface LeaseOptions {
  /** Only the shared store may grant it: a once-per-deployment job must never run on two replicas, where a mint
   * would rather have a token of its own than none. */
  sharedOnly?: boolean;
}

/** Named leases shared by the processes on one store (the workers on a state file, the replicas on a Redis): one mint
 * at a time per credential (`mint:…`), one runner per once-per-deployment job (`job:…`, gateway/server/cluster-jobs.ts). */
export interface LeaseStore {
  /** Takes the lease `name` for `holder` for `ttlMs` (wall clock) when it is free, has run out, or is the holder's
   * already (then it is extended: a renewal); true when taken. Two processes or replicas never hold one lease at once
   * (Redis: while it answers; past that each replica holds its own, and status() says `shared_store_unreachable`,
   * unless `sharedOnly` says to reject instead: then nobody can tell who holds it). */
  acquireLease(name: string, holder: string, ttlMs: number, options?: LeaseOptions): Promise<boolean>;
  /** Lets the lease go, if `holder` still holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
}

export interface MintStore extends LeaseStore {
  /** Read from the backing store, not a cache: another process's rotation must be seen. */
  readMint(id: string): Promise<MintRecord | undefined>;
  writeMint(id: string, patch: MintPatch): Promise<void>;
  /** The mint records kept here that hold a refresh token: what an embedded store kept while Redis did not take it
   * (redis/store.ts sends those newer than Redis's when it answers). */
  refreshTokenMints?(): Promise<MintRecord[]>;
}

export interface StoreStatus {
  ok: boolean;
  location: string;
  schemaVersion: number;
  pendingWrites: number;
  lastError?: string;
  /** Requests are unaffected but state is not written where it belongs (Redis unreachable, or a full disk):
   * `degradedBy` says which. */
  degraded?: boolean;
  degradedBy?: DegradedReason[];
}

/** Which key and route served a prompt prefix, kept for prompt-cache affinity (src/credentials/affinity.ts). Only a
 * hash of the prefix, never its text. The later `at` wins. */
export interface AffinityRecord {
  hash: string;
  provider: string;
  /** `provider/model` of the route that answered. */
  route: string;
  fingerprint: string;
  /** Estimated tokens of the prefix: what a rotation away from the key re-reads at full price. */
  tokens: number;
  at: number;
  /** Forgotten from then on (about when the provider's cache would have let it go). */
  expires_at: number;
}

export interface AffinityStore {
  /** From memory, never waiting on disk or network: undefined when unknown or expired by `now`. */
  getAffinity(hash: string, now: number): AffinityRecord | undefined;
  /** Kept in memory at once, shared with other processes asynchronously (SQLite file, Redis). */
  setAffinity(record: AffinityRecord): void;
  /** Most records kept in memory (the least recently used go first). */
  limitAffinity(max: number): void;
  /** The records held in memory and not expired by `now` (`auth explain`: which key each conversation stays on). */
  listAffinity(now: number): AffinityRecord[];
}

/** One answered turn of a Responses conversation (`POST /v1/responses`, a WebSocket turn), kept so a later turn with
 * `previous_response_id` can be rebuilt on any route or replica (docs/responses.md#a-conversations-state-across-a-fallback).
 * Scoped to the client key that made it. The later `at` wins. */
export interface ConversationTurn {
  /** The response id the caller was given: the gateway's own, never the upstream's (which may repeat). */
  id: string;
  /** The `previous_response_id` the turn continued, if any. */
  parent?: string;
  /** The turns before it, oldest first, the last few only (the parent last): a replica that has none of them reads
   * them in one round trip rather than one by one. */
  ancestors?: string[];
  /** The client key's name (`''` without one): another key does not find the turn. */
  key: string;
  /** JSON array of the turn's items: its new input, then its output items as answered. Absent when too_large. */
  items?: string;
  /** How many of `items` are the turn's input (the rest are its output). */
  inputs?: number;
  /** JSON of the response object as answered, less its `output` (in `items`): GET /v1/responses/{id}. */
  response?: string;
  /** Deleted by its client (DELETE /v1/responses/{id}): kept without items until it expires, to say so. */
  deleted?: true;
  /** `provider/model` of the route that answered, and its credential's fingerprint (none for a warm-up). */
  route?: string;
  fingerprint?: string;
  /** The route's upstream holds the response itself (a Responses route sent `store` not false): there, the next turn
   * can go as `previous_response_id` and only its new items. */
  upstream_knows?: true;
  /** The upstream's own id for the response (`id` is the gateway's): what a route that holds it (upstream_knows) is
   * sent as `previous_response_id`. */
  upstream_id?: string;
  /** Asked with `store: false` (a WebSocket turn): kept only to be continued, never read back or deleted by id, as
   * OpenAI keeps such a response for its connection alone. */
  unstored?: true;
  /** The turn's items were over `gateway.conversations.max_bytes`: kept only to say so. */
  too_large?: true;
  at: number;
  /** Forgotten from then on (`gateway.conversations.keep` after `at`). */
  expires_at: number;
}

export interface ConversationStore {
  /** Kept in memory at once, written to the backing store off the request path (SQLite file, Redis). */
  putConversationTurn(turn: ConversationTurn): void;
  /** Keeps these turns (the ones a new turn continues) until `expires_at` at least: a conversation is kept for
   * `gateway.conversations.keep` after its last turn, not its first. */
  extendConversationTurns(ids: readonly string[], expires_at: number): void;
  /** From memory, else the backing store (another process's turn); undefined when unknown or expired by `now`. With
   * `fresh`, the backing store is read even for a turn held in memory and the later of the two wins (another process
   * may have deleted it): for reading a response back, not for continuing one. */
  readConversationTurn(id: string, now: number, fresh?: boolean): Promise<ConversationTurn | undefined>;
  /** Several at once, in the order asked (those in memory from there, the rest in one read of the backing store). */
  readConversationTurns(ids: readonly string[], now: number): Promise<(ConversationTurn | undefined)[]>;
}

/** `await using store = openStore(…)` closes it (flushing what is pending) at the end of the scope. */
export interface StateStore
  extends
    HealthStore,
    BreakerStore,
    CredentialStore,
    GatewayKeyStore,
    SessionStore,
    MintStore,
    AffinityStore,
    ConversationStore,
    AsyncDisposable {
  readonly kind: 'sqlite' | 'redis' | 'memory';
  readonly location: string;
  /** Budget counters and holds (docs/budgets.md): in this process's memory, the state file, or Redis. */
  readonly budgets: BudgetStore;
  /** Subscribe to changes made by other processes (and by this one). Returns an unsubscribe function. */
  onChange(listener: (change: StoreChange) => void): () => void;
  /** Resolves once the store's state is loaded: at once for SQLite; for Redis when health has been read, or after
   * a connect timeout (then on local state, with a warning). */
  ready(): Promise<void>;
  /** False while shared state has not been read since start (Redis unreachable): health and client keys are then only
   * this process's own. Absent on an embedded store. */
  sharedStateRead?(): boolean;
  /** Persist everything pending now. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Store health for `doctor` and `/readyz`. */
  status(): StoreStatus;
}
