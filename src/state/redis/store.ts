// The shared state store (`gateway.state: redis://…`). The request path never waits for Redis: memory first, a timer
// flushes, a counter poll brings others' changes (docs/replicas.md#several-replicas-shared-state-in-redis).
import type { HealthRecord } from '../../credentials/types.ts';
import { MemoryFirstStore } from '../memory-first.ts';
import type {
  BreakerRecord,
  GatewayKeyMcp,
  GatewayKeyRecord,
  MessageRecord,
  MintPatch,
  MintRecord,
  ConversationTurn,
  LeaseOptions,
  SessionRecord,
  StateStore,
  StoreStatus,
  StoredCredential,
} from '../types.ts';
import * as mint from './mint.ts';
import { foldMintPatch, unsharedRefreshWarning } from './mint-pending.ts';
import { applyMintPatch } from '../sqlite/mint-table.ts';
import { BreakerCache } from '../breaker-cache.ts';
import { PendingWrites } from '../pending-writes.ts';
import { sharedKeys, loadShared, mergeGatewayKey, readSeq, writeShared, type SharedKeys } from './shared-state.ts';
import { UserError } from '../../user-error.ts';
import { matchOne } from '../match.ts';
import { maskRedisUrl, redisTarget } from '../../config/redis-url.ts';
import {
  closeRedisClient,
  DEFAULT_PREFIX,
  isCluster,
  isReady,
  mastersConnected,
  openRedisClient,
  readiness,
  prefixProblem,
  type RedisClient,
} from './client.ts';
import { SentinelCheck } from './sentinel-check.ts';
import { mirrorSignature, readKeyMirror, writeKeyMirror } from './key-mirror.ts';
import { DEFAULT_BUDGET_TIMEOUT_MS, RedisBudgetStore } from './budgets.ts';
import { bounded } from './bounded.ts';
import { AffinityChannel } from './affinity-channel.ts';
import { readConversationTurns, writeConversationTurns } from './conversations.ts';

export interface RedisStoreOptions {
  url: string;
  /** The embedded store for what is not shared. Closed with this store. */
  local: StateStore;
  /** Prefix of every key this store writes (`gateway.state_prefix`); default `switchyard:`, `{switchyard}:` on a
   * Redis Cluster (client.ts). */
  prefix?: string;
  flushIntervalMs?: number;
  pollIntervalMs?: number;
  /** How long `ready()` waits for the first load before going on with local state. */
  connectTimeoutMs?: number;
  /** How long one Redis command may take before it counts as a failure (a stalled server must not hold up a
   * flush, or the gateway's shutdown, forever). */
  commandTimeoutMs?: number;
  /** How long a command a request waits on (a budget reserve, a mint lease) may take before Redis counts as down
   * for it (default 250 ms): a paused server must not hold requests up. */
  sharedTimeoutMs?: number;
  /** Where budget spend made while Redis does not answer is kept until written back (the state directory). */
  budgetOutageDir?: string;
  /** Where "Redis is unreachable" and "reachable again" go; default stderr. */
  warn?: (message: string) => void;
  /** Where the client keys last read from Redis are kept (key-mirror.ts), so a replica started during an outage
   * still knows them; none: not kept. */
  keyMirrorPath?: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class RedisStore extends MemoryFirstStore implements StateStore {
  readonly kind = 'redis';
  readonly location: string;
  /** Shared by every replica through a Lua script (budgets.ts). */
  readonly budgets: RedisBudgetStore;
  private readonly redis: RedisClient;
  private readonly local: StateStore;
  private readonly keys: SharedKeys;
  private readonly prefix: string;
  /** Conversation turns on their way to Redis (writeConversations). */
  private readonly conversationWrites = new Set<Promise<void>>();
  private readonly mintKeys: mint.MintKeys;
  private readonly breakers = new BreakerCache();
  private readonly affinityChannel: AffinityChannel;
  /** Client keys in Redis, by id, and the changes to them not written yet. */
  private readonly clientKeys = new Map<string, GatewayKeyRecord>();
  /** Redis has been read at least once (sharedStateRead). */
  private sharedRead = false;
  private readonly keyMirrorPath: string | undefined;
  /** The keys came from the mirror (Redis not read yet): known, as of the last time this replica read them. */
  private keysFromMirror = false;
  private mirrored: string | undefined;
  private readonly pendingClientKeys = new PendingWrites<GatewayKeyRecord>(mergeGatewayKey);
  /** Health records to delete from Redis, with the time they must still be unchanged since (the earlier wins). */
  private readonly pendingForgets = new PendingWrites<number>(Math.min);
  /** Mint records written only to the embedded store while Redis did not take them; sent until it does. */
  private readonly pendingMints = new PendingWrites<MintPatch>(foldMintPatch);
  /** Those of them on their way to Redis now: still not shared until it answers. */
  private mintsInFlight = new Map<string, MintPatch>();
  private readonly unsubscribeLocal: () => void;
  private readonly warn: (message: string) => void;
  private readonly flushIntervalMs: number;
  private readonly sharedTimeoutMs: number;
  /** How long `ready()` waits for Redis (and a cluster's masters) before going on with local state. */
  private readonly connectTimeoutMs: number;
  private readonly pollTimer: NodeJS.Timeout;
  private readonly readyPromise: Promise<void>;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private polling = false;
  /** Counter value of the records we hold; undefined until the first load. */
  private seenSeq: number | undefined;
  private lastError: string | undefined;
  private degraded = false;
  private onFirstLoad: (() => void) | undefined;
  private closed = false;
  private readonly sentinelCheck: SentinelCheck | undefined;

  constructor(options: RedisStoreOptions) {
    super();
    this.location = maskRedisUrl(options.url);
    const target = redisTarget(options.url);
    this.prefix = options.prefix ?? DEFAULT_PREFIX[target.form];
    const badPrefix = prefixProblem(this.prefix, target);
    if (badPrefix !== undefined) throw new UserError(`gateway.state_prefix: ${badPrefix}`);
    this.local = options.local;
    this.keys = sharedKeys(this.prefix);
    this.mintKeys = mint.mintKeys(this.prefix);
    this.warn = options.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.keyMirrorPath = options.keyMirrorPath;
    this.loadKeyMirror();
    const connectTimeout = options.connectTimeoutMs ?? 2000;
    this.connectTimeoutMs = connectTimeout;
    this.redis = openRedisClient(target, {
      connectTimeoutMs: connectTimeout,
      commandTimeoutMs: options.commandTimeoutMs ?? 2000,
    });
    this.redis.on('error', (err: unknown) => this.noteFailure(err));
    const sentinelCheck = target.form === 'sentinel' ? new SentinelCheck(target, connectTimeout) : undefined;
    this.sentinelCheck = sentinelCheck;
    const client = this.redis;
    this.budgets = new RedisBudgetStore(this.redis, {
      prefix: this.prefix,
      location: this.location,
      warn: this.warn,
      outageDir: options.budgetOutageDir,
      // A Sentinel fails over to a replica that may lack what the master last took: settles wait for the replica.
      fenceWrites: target.form === 'sentinel',
      ...(sentinelCheck !== undefined && !isCluster(client)
        ? { checkMaster: () => sentinelCheck.aloneOk(client) }
        : {}),
      ...(options.sharedTimeoutMs !== undefined ? { timeoutMs: options.sharedTimeoutMs } : {}),
      ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
    });
    this.sharedTimeoutMs = options.sharedTimeoutMs ?? DEFAULT_BUDGET_TIMEOUT_MS;
    this.redis.on('ready', () => void this.sync());
    this.affinityChannel = new AffinityChannel(this.redis, `${this.prefix}affinity`, (records) => {
      for (const r of records) this.affinity.absorb(r);
    });
    this.unsubscribeLocal = this.local.onChange((change) => {
      if (change.type !== 'health' && change.type !== 'breakers') this.emit(change);
    });
    this.readyPromise = this.firstLoad(connectTimeout);
    this.pollTimer = setInterval(() => void this.poll(), options.pollIntervalMs ?? 250);
    this.pollTimer.unref();
  }

  /** Resolves once health has been read from Redis, or after the connect timeout (then on local state, warned). */
  ready(): Promise<void> {
    return this.readyPromise
      .then(() => mastersConnected(this.redis, this.connectTimeoutMs))
      .then(() => this.listening());
  }

  /** The affinity channel subscribed, or a moment given up on it: affinity is a hint, not worth holding start-up. */
  private async listening(): Promise<void> {
    if (!isReady(this.redis)) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1000);
      timer.unref();
    });
    await Promise.race([this.affinityChannel.subscribed, gaveUp]);
    clearTimeout(timer);
  }

  // ---- circuit breakers (memory first, shared through Redis) ----

  getBreaker(provider: string): BreakerRecord | undefined {
    return this.breakers.records.get(provider);
  }

  setBreaker(record: BreakerRecord): void {
    if (this.breakers.set(record)) this.scheduleFlush();
  }

  // ---- everything else: the embedded store ----

  storedCredentialsVersion(): number {
    return this.local.storedCredentialsVersion?.() ?? 0;
  }
  listStoredCredentials(provider?: string): StoredCredential[] {
    return this.local.listStoredCredentials(provider);
  }
  addStoredCredential(c: Omit<StoredCredential, 'created_at'>): StoredCredential {
    return this.local.addStoredCredential(c);
  }
  removeStoredCredential(provider: string, idOrLabel: string): StoredCredential | undefined {
    return this.local.removeStoredCredential(provider, idOrLabel);
  }
  bindStoredCredential(provider: string, idOrLabel: string, origin: string): StoredCredential | undefined {
    return this.local.bindStoredCredential(provider, idOrLabel, origin);
  }
  // ---- minted credentials: leases and mint records in Redis, shared by every replica; the embedded store's when
  // Redis does not answer (a replica minting alone is better than no token) ----

  acquireLease(name: string, holder: string, ttlMs: number, options?: LeaseOptions): Promise<boolean> {
    const shared = (): Promise<boolean> => mint.acquireLease(this.redis, this.mintKeys, name, holder, ttlMs);
    if (options?.sharedOnly === true) return this.sharedOrThrow(name, shared);
    return this.sharedOrLocal(shared, () => this.local.acquireLease(name, holder, ttlMs));
  }
  /** Redis's answer, or a rejection: never the embedded store's, which knows nothing of the other replicas. */
  private async sharedOrThrow<T>(name: string, shared: () => Promise<T>): Promise<T> {
    const unknown = (why: string): Error => new Error(`the lease ${name} cannot be asked of Redis (${why})`);
    if (!isReady(this.redis)) throw unknown(readiness(this.redis));
    try {
      return await bounded(shared(), this.sharedTimeoutMs);
    } catch (err) {
      this.noteFailure(err);
      throw unknown(message(err));
    }
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return this.sharedOrLocal(
      () => mint.releaseLease(this.redis, this.mintKeys, name, holder),
      () => this.local.releaseLease(name, holder),
    );
  }
  readMint(id: string): Promise<MintRecord | undefined> {
    return this.sharedOrLocal(
      async () => {
        const shared = await mint.readMint(this.redis, this.mintKeys, id);
        // Our own writes still on their way to Redis are newer than what Redis holds.
        const waiting = [this.mintsInFlight.get(id), this.pendingMints.get(id)].filter((p) => p !== undefined);
        return waiting.reduce<MintRecord | undefined>((r, p) => applyMintPatch(r, id, p), shared);
      },
      () => this.local.readMint(id),
    );
  }
  writeMint(id: string, patch: MintPatch): Promise<void> {
    // Behind an earlier write still waiting for Redis, not before it: the later refresh token must be the one left.
    if (this.pendingMints.get(id) !== undefined || this.mintsInFlight.has(id))
      return this.local.writeMint(id, patch).then(() => {
        this.pendingMints.add(id, patch);
        this.scheduleFlush();
      });
    return this.sharedOrLocal(
      () => mint.writeMint(this.redis, this.mintKeys, id, patch),
      async () => {
        await this.local.writeMint(id, patch);
        this.queueMint(id, patch);
      },
    );
  }

  /** Kept in the embedded store and sent to Redis with every flush until it lands. A rotated refresh token is the
   * one that hurts: other replicas spend the old one meanwhile, so it is said at once, with what to do. */
  private queueMint(id: string, patch: MintPatch): void {
    this.pendingMints.add(id, patch);
    if (typeof patch.refresh_token === 'string')
      this.warn(unsharedRefreshWarning(patch.provider, this.location, this.lastError ?? 'unreachable'));
    if (!this.degraded && !this.closed) this.goDegraded(this.lastError ?? 'unreachable');
    this.scheduleFlush();
  }

  private async sharedOrLocal<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    if (!isReady(this.redis)) return local();
    try {
      // A request may be waiting on it (a mint): a paused Redis counts as down past the bound.
      return await bounded(shared(), this.sharedTimeoutMs);
    } catch (err) {
      this.noteFailure(err);
      return local();
    }
  }

  // ---- client keys: new ones in Redis (shared by every replica), older ones where they were made ----

  addGatewayKey(k: GatewayKeyRecord): void {
    this.setClientKey({ ...k });
  }
  /** Keys kept in Redis arrive by its messages; the embedded file's, by asking it. */
  syncGatewayKeys(): void {
    this.local.syncGatewayKeys?.();
  }

  listGatewayKeys(): GatewayKeyRecord[] {
    return [...this.local.listGatewayKeys(), ...[...this.clientKeys.values()].map((k) => ({ ...k }))].sort(
      (a, b) => a.created_at - b.created_at,
    );
  }
  findGatewayKeyByHash(hash: string): GatewayKeyRecord | undefined {
    for (const k of this.clientKeys.values()) if (k.hash === hash) return { ...k };
    return this.local.findGatewayKeyByHash(hash);
  }
  revokeGatewayKey(idOrName: string): GatewayKeyRecord | undefined {
    const active = this.listGatewayKeys().filter((k) => k.revoked_at === undefined);
    const found = matchOne(active, idOrName, (k) => k.name, 'gateway key');
    if (!found) return undefined;
    if (!this.clientKeys.has(found.id)) return this.local.revokeGatewayKey(found.id);
    const revoked = { ...found, revoked_at: Date.now() };
    this.setClientKey(revoked);
    return revoked;
  }
  sharedStateRead(): boolean {
    return this.sharedRead;
  }
  gatewayKeysKnown(): boolean {
    return this.sharedRead || this.keysFromMirror;
  }
  setGatewayKeyMcp(id: string, mcp: GatewayKeyMcp | undefined, at: number): GatewayKeyRecord | undefined {
    const found = this.listGatewayKeys().find((k) => k.id === id && k.revoked_at === undefined);
    if (!found) return undefined;
    if (!this.clientKeys.has(id)) return this.local.setGatewayKeyMcp(id, mcp, at);
    const next: GatewayKeyRecord = { ...found, mcp_updated_at: at };
    if (mcp === undefined) delete next.mcp;
    else next.mcp = mcp;
    this.setClientKey(next);
    return next;
  }
  touchGatewayKey(id: string, at: number): void {
    const k = this.clientKeys.get(id);
    if (k === undefined) this.local.touchGatewayKey(id, at);
    else if (at > (k.last_used_at ?? 0)) this.setClientKey({ ...k, last_used_at: at });
  }

  protected persistForget(fingerprints: string[], since: number): void {
    for (const fp of fingerprints) this.pendingForgets.add(fp, since);
    this.scheduleFlush();
  }

  private setClientKey(k: GatewayKeyRecord): void {
    this.clientKeys.set(k.id, mergeGatewayKey(this.clientKeys.get(k.id), k));
    this.pendingClientKeys.add(k.id, k);
    this.scheduleFlush();
    this.emit({ type: 'gateway_keys' });
    // `gateway keys create|revoke` run with this replica's state directory: its mirror must not miss the change.
    this.saveKeyMirror();
  }

  createSession(s: SessionRecord): void {
    this.local.createSession(s);
  }
  getSession(id: string): SessionRecord | undefined {
    return this.local.getSession(id);
  }
  listSessions(): SessionRecord[] {
    return this.local.listSessions();
  }
  updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): void {
    this.local.updateSession(id, patch);
  }
  deleteSession(id: string): boolean {
    return this.local.deleteSession(id);
  }
  appendMessage(m: MessageRecord): void {
    this.local.appendMessage(m);
  }
  listMessages(sessionId: string): MessageRecord[] {
    return this.local.listMessages(sessionId);
  }
  replaceMessages(sessionId: string, fromSeq: number, toSeq: number, replacement: MessageRecord): void {
    this.local.replaceMessages(sessionId, fromSeq, toSeq, replacement);
  }

  // ---- lifecycle ----

  async flush(): Promise<void> {
    await this.flushNow();
    await this.budgets.flush();
    await this.local.flush();
    if (this.lastError !== undefined && this.pendingCount() > 0) {
      throw new UserError(`could not write to the shared state store (Redis at ${this.location}): ${this.lastError}`, {
        exitCode: 1,
        kind: 'state',
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Last chance for queued health to reach the other replicas; a Redis that is down does not hold the exit up.
    await this.flushNow();
    await this.budgets.close();
    const mints = this.pendingMints.size + this.mintsInFlight.size;
    const lost = this.pendingCount() - mints;
    if (lost > 0)
      this.warn(
        `${lost} change(s) to credential health, breakers or client keys could not be written to Redis at ${this.location} (${this.lastError ?? 'unreachable'}) and end with this process`,
      );
    if (this.refreshTokenUnshared())
      this.warn(
        `a rotated refresh token could not be written to Redis at ${this.location} before this process ended: it is kept in the state file, and the next switchyard on that file writes it to Redis once it answers`,
      );
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearInterval(this.pollTimer);
    this.unsubscribeLocal();
    this.dropListeners();
    this.affinityChannel.close();
    closeRedisClient(this.redis);
    this.sentinelCheck?.close();
    await this.local.close();
  }

  status(): StoreStatus {
    const local = this.local.status();
    const lastError = this.lastError ?? local.lastError;
    const s: StoreStatus = {
      ok: lastError === undefined && !this.closed && local.ok,
      location: this.location,
      schemaVersion: local.schemaVersion,
      pendingWrites: this.pendingCount() + local.pendingWrites,
    };
    if (lastError !== undefined) s.lastError = lastError;
    const degradedBy = [
      ...(this.degraded ? ['shared_store_unreachable' as const] : []),
      ...(this.refreshTokenUnshared() ? ['refresh_token_not_shared' as const] : []),
      ...(local.degradedBy ?? []),
    ];
    if (degradedBy.length > 0) {
      s.degraded = true;
      s.degradedBy = degradedBy;
    }
    return s;
  }

  // ---- internals ----

  private pendingCount(): number {
    return (
      this.health.pendingCount() +
      this.breakers.pending.size +
      this.pendingClientKeys.size +
      this.pendingForgets.size +
      this.pendingMints.size +
      this.mintsInFlight.size
    );
  }

  private refreshTokenUnshared(): boolean {
    const waiting = [...this.pendingMints.values(), ...this.mintsInFlight.values()];
    return waiting.some((patch) => typeof patch.refresh_token === 'string');
  }

  private async firstLoad(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    const loaded = new Promise<'loaded'>((resolve) => {
      const firstLoad = (): void => resolve('loaded');
      this.onFirstLoad = firstLoad;
    });
    const outcome = await Promise.race([loaded, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout' && !this.degraded) this.goDegraded(this.lastError ?? `no answer within ${timeoutMs} ms`);
  }

  /** On (re)connect: read everything, then write what queued up while we were away. */
  private async sync(): Promise<void> {
    try {
      // Before the first load resolves ready(): a mint read from then on must see them.
      await this.queueKeptRefreshTokens();
      await this.reload();
      if (this.pendingCount() === 0) this.recovered();
      await this.flushNow();
    } catch (err) {
      this.noteFailure(err);
    }
  }

  private async reload(): Promise<void> {
    const { records, breakers, clientKeys, seq } = await loadShared(this.redis, this.keys);
    this.seenSeq = seq;
    this.health.absorb(records);
    const providers = this.breakers.absorb(breakers);
    let keysChanged = false;
    for (const k of clientKeys) {
      const merged = this.pendingClientKeys.over(k.id, k);
      const before = this.clientKeys.get(k.id);
      // Only news is announced: the gateway's key cache starts over on every announcement.
      if (
        before === undefined ||
        before.revoked_at !== merged.revoked_at ||
        before.last_used_at !== merged.last_used_at ||
        before.mcp_updated_at !== merged.mcp_updated_at
      )
        keysChanged = true;
      this.clientKeys.set(k.id, merged);
    }
    this.onFirstLoad?.();
    if (records.length > 0) this.emit({ type: 'health', fingerprints: records.map((r) => r.fingerprint) });
    if (providers.length > 0) this.emit({ type: 'breakers', providers });
    // The first read is news even when it brings no key: a key refused as "cannot check yet" is checkable now.
    const firstRead = !this.sharedRead;
    this.sharedRead = true;
    if (keysChanged || firstRead) {
      this.emit({ type: 'gateway_keys' });
      this.saveKeyMirror();
    }
  }

  /** At start, before Redis answers: the keys this replica last read, if it kept them. */
  private loadKeyMirror(): void {
    if (this.keyMirrorPath === undefined) return;
    const records = readKeyMirror(this.keyMirrorPath, this.mirrorSource());
    if (records === undefined) return;
    for (const k of records) this.clientKeys.set(k.id, k);
    this.keysFromMirror = true;
    this.mirrored = mirrorSignature(records);
  }

  /** After a read from Redis, or a key made or revoked here: the mirror follows a key added or revoked (not a mere
   * last use). Never from a view that knows no keys: that would hide every other key at the next start. */
  private saveKeyMirror(): void {
    if (this.keyMirrorPath === undefined || !this.gatewayKeysKnown()) return;
    const signature = mirrorSignature(this.clientKeys.values());
    if (signature === this.mirrored) return;
    this.mirrored = signature;
    writeKeyMirror(this.keyMirrorPath, this.mirrorSource(), this.clientKeys.values(), this.warn);
  }

  /** Which Redis the mirrored keys belong to: its URL (password masked) and the key prefix. */
  private mirrorSource(): string {
    return `${this.location}#${this.keys.clientKeys}`;
  }

  /** Cheap when nothing changed: one GET of the counter. */
  private async poll(): Promise<void> {
    if (this.closed || this.polling || !isReady(this.redis)) return;
    this.polling = true;
    try {
      const seq = await readSeq(this.redis, this.keys);
      if (seq !== this.seenSeq) await this.reload();
      // Reads work again; with writes waiting, only a successful write says Redis is really back. They are sent
      // now: a flush due while a cluster's master reconnected found the client not ready and left them to wait for
      // the next change, ~30 s under the fault suite's load.
      const pending = this.pendingCount();
      if (pending === 0) this.recovered();
      if (pending > 0 || this.conversationsWaiting()) this.scheduleFlush();
    } catch (err) {
      this.noteFailure(err);
    } finally {
      this.polling = false;
    }
  }

  protected scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flushNow();
    }, this.flushIntervalMs);
    this.flushTimer.unref();
  }

  /** One flush at a time (WATCH belongs to the connection); a call during a flush waits for it and goes again. */
  private async flushNow(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.closed || !isReady(this.redis)) return;
    if (this.affinity.pending.size > 0) await this.publishAffinity();
    if (this.conversationsWaiting()) await this.sendConversations();
    // A flush is done when the turns already on their way are written too.
    if (this.conversationWrites.size > 0) await Promise.all(this.conversationWrites);
    if (this.pendingCount() === 0) return;
    this.flushing = this.writeQueue().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /** At once rather than with the next flush: the caller's next turn may reach another replica within milliseconds.
   * What Redis does not take waits for the next flush; this replica still has it in memory. */
  protected writeConversations(): void {
    const sent = this.sendConversations();
    this.conversationWrites.add(sent);
    void sent.finally(() => this.conversationWrites.delete(sent));
  }

  /** Conversation turns Redis has not taken yet (not counted in pendingCount(): they are not health). */
  private conversationsWaiting(): boolean {
    return this.conversations.pending.size + this.conversations.extensions.size > 0;
  }

  private async sendConversations(): Promise<void> {
    if (this.closed || !isReady(this.redis) || !this.conversationsWaiting()) return;
    const batch = this.conversations.pending.take();
    const extensions = this.conversations.extensions.take();
    try {
      await writeConversationTurns(this.redis, this.prefix, batch.values(), extensions.entries(), Date.now());
    } catch (err) {
      this.conversations.pending.failed(batch);
      this.conversations.extensions.failed(extensions);
      this.noteFailure(err);
      this.scheduleFlush();
    }
  }

  protected async loadConversationTurn(id: string): Promise<ConversationTurn | undefined> {
    return (await this.loadConversationTurns([id]))[0];
  }

  protected async loadConversationTurns(ids: readonly string[]): Promise<(ConversationTurn | undefined)[]> {
    if (this.closed || !isReady(this.redis)) return ids.map(() => undefined);
    try {
      const read = readConversationTurns(this.redis, this.prefix, ids, Date.now());
      return await bounded(read, this.sharedTimeoutMs);
    } catch (err) {
      this.noteFailure(err);
      return ids.map(() => undefined);
    }
  }

  /** Hints, not state: what Redis does not take is dropped rather than queued again. */
  private async publishAffinity(): Promise<void> {
    try {
      await this.affinityChannel.publish(this.affinity.pending.take().values());
    } catch (err) {
      this.noteFailure(err);
    }
  }

  private async writeQueue(): Promise<void> {
    if (!(await this.writePendingMints())) return;
    const health = this.health.take();
    const breakers = this.breakers.pending.take();
    const clientKeys = this.pendingClientKeys.take();
    const forgets = this.pendingForgets.take();
    const before = this.seenSeq;
    let result: { written: HealthRecord[]; seq?: number };
    try {
      result = await writeShared(this.redis, this.keys, { ...health, breakers, clientKeys, forgets });
    } catch (err) {
      // Sent again with the next flush. A write that timed out may yet have been applied: then its counters count
      // twice, while states and resets, ordered by their times, come out the same.
      this.health.failed(health);
      this.breakers.pending.failed(breakers);
      this.pendingClientKeys.failed(clientKeys);
      this.pendingForgets.failed(forgets);
      this.noteFailure(err);
      this.scheduleFlush();
      return;
    }
    this.health.committed(result.written);
    // Our write is the only news when the counter moved by exactly one; otherwise the next poll reads the rest.
    if (result.seq !== undefined && before !== undefined && result.seq === before + 1) this.seenSeq = result.seq;
    this.recovered();
  }

  /** Refresh tokens the embedded file kept while Redis did not take them — by this process, or by one that ended
   * before Redis came back — and newer than Redis's: queued for it, so a restart does not lose them. */
  private async queueKeptRefreshTokens(): Promise<void> {
    const kept = (await this.local.refreshTokenMints?.()) ?? [];
    for (const r of kept) {
      if (r.refresh_token === undefined || this.pendingMints.get(r.id) !== undefined || this.mintsInFlight.has(r.id))
        continue;
      const shared = await mint.readMint(this.redis, this.mintKeys, r.id);
      if (shared?.refresh_token === r.refresh_token || (shared?.updated_at ?? -Infinity) >= r.updated_at) continue;
      const seed = r.refresh_seed !== undefined ? { refresh_seed: r.refresh_seed } : {};
      this.pendingMints.add(r.id, { provider: r.provider, at: r.updated_at, refresh_token: r.refresh_token, ...seed });
    }
  }

  /** The mint records Redis missed, first: a rotated refresh token is what other replicas are waiting for. False when
   * Redis refused them (they wait for the next flush). */
  private async writePendingMints(): Promise<boolean> {
    if (this.pendingMints.size === 0) return true;
    const batch = this.pendingMints.take();
    this.mintsInFlight = batch;
    try {
      for (const [id, patch] of batch) {
        await mint.writeMint(this.redis, this.mintKeys, id, patch);
        batch.delete(id);
      }
    } catch (err) {
      this.pendingMints.failed(batch);
      this.noteFailure(err);
      this.scheduleFlush();
      return false;
    } finally {
      this.mintsInFlight = new Map();
    }
    return true;
  }

  /** A lost connection, a refused or timed-out command: the replica goes on with its own state (the first load's
   * failure is reported by ready() instead). */
  private noteFailure(err: unknown): void {
    this.lastError = message(err);
    if (!this.degraded && this.seenSeq !== undefined) this.goDegraded(this.lastError);
  }

  private goDegraded(why: string): void {
    if (this.closed) return;
    this.degraded = true;
    this.warn(
      `the shared state store (Redis at ${this.location}) is unreachable (${why}); credential health is kept in this process and written when it is back`,
    );
  }

  private recovered(): void {
    this.lastError = undefined;
    if (!this.degraded) return;
    this.degraded = false;
    this.warn(
      `the shared state store (Redis at ${this.location}) is reachable again; changes made meanwhile are written to it`,
    );
  }
}
