// The embedded state store: health in memory for the request path, writes batched to SQLite by a timer, and other
// processes' changes polled (docs/architecture.md#state-stores-across-processes).
import type { DatabaseSync } from 'node:sqlite';
import type { HealthRecord } from '../../credentials/types.ts';
import { UserError } from '../../user-error.ts';
import type {
  BreakerRecord,
  ConversationTurn,
  GatewayKeyMcp,
  GatewayKeyRecord,
  MessageRecord,
  MintPatch,
  MintRecord,
  SessionRecord,
  StateStore,
  StoreStatus,
  StoredCredential,
} from '../types.ts';
import { openDatabase } from './connection.ts';
import { deleteStaleHealth, flushHealth, loadHealthSince } from './health-table.ts';
import { statement } from './statements.ts';
import { MemoryFirstStore } from '../memory-first.ts';
import { BreakerCache } from '../breaker-cache.ts';
import { loadBreakers, readBreakersSeq, writeBreakers } from './breakers-table.ts';
import * as creds from './credentials-table.ts';
import * as sessions from './sessions-table.ts';
import * as mints from './mint-table.ts';
import { flushAffinity, loadAffinitySince } from './affinity-table.ts';
import { flushConversationTurns, loadConversationTurn } from './conversations-table.ts';
import { DEFAULT_AFFINITY_ENTRIES } from '../affinity-cache.ts';
import { matchOne } from '../match.ts';
import { refusedWrite, writeFailure, type WriteFailure } from './write-failure.ts';
import type { BudgetStore } from '../budget-store.ts';
import { MemoryBudgetStore } from '../budget-memory.ts';
import { SqliteBudgetStore } from './budgets.ts';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for a private in-process store (tests, library use without persistence). */
  path: string;
  flushIntervalMs?: number;
  pollIntervalMs?: number;
  /** Where "cannot write" / "can be written again" goes (default stderr). */
  warn?: (message: string) => void;
  /** Caps the file's size in pages (SQLite's max_page_count): past it writes fail as on a full disk. For tests. */
  maxPageCount?: number;
}

export class SqliteStore extends MemoryFirstStore implements StateStore {
  readonly kind: 'sqlite' | 'memory';
  readonly location: string;
  readonly budgets: BudgetStore;
  private readonly db: DatabaseSync;
  private readonly schemaVersion: number;
  /** Shared through the file like health, so the workers of one gateway (`--workers`) see each other's breakers. */
  private readonly breakers = new BreakerCache();
  private breakersSeq = 0;
  private pendingTouches = new Map<string, number>();
  private credentials: StoredCredential[] = [];
  private gatewayKeys: GatewayKeyRecord[] = [];
  private healthSeq = 0;
  private affinitySeq = 0;
  private credentialsSeq = 0;
  /** Bumped on every reload of `credentials` (ours or another process's change). */
  private credentialsVersion = 0;
  private gatewayKeysSeq = 0;
  private dataVersion = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly pollTimer: NodeJS.Timeout | undefined;
  private readonly flushIntervalMs: number;
  private lastError: string | undefined;
  /** Why queued writes are failing, while they are. */
  private writeProblem: WriteFailure | undefined;
  private readonly warn: (message: string) => void;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    super();
    this.location = options.path;
    this.kind = options.path === ':memory:' ? 'memory' : 'sqlite';
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.warn = options.warn ?? ((m) => process.stderr.write(`warning: ${m}\n`));
    ({ db: this.db, schemaVersion: this.schemaVersion } = openDatabase(options.path, options.maxPageCount));
    this.dataVersion = this.readDataVersion();
    this.refreshHealth();
    this.refreshAffinity();
    this.reloadCredentials();
    this.reloadGatewayKeys();
    // A private in-memory store keeps its budgets in plain maps: nothing is shared, nothing written.
    this.budgets =
      this.kind === 'memory'
        ? new MemoryBudgetStore()
        : new SqliteBudgetStore(this.db, {
            location: this.location,
            warn: this.warn,
            ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
          });
    this.reloadBreakers();
    if (this.kind === 'sqlite') {
      this.pollTimer = setInterval(() => this.poll(), options.pollIntervalMs ?? 250);
      this.pollTimer.unref();
    }
    openStores.add(this);
    ensureExitFlush();
  }

  // ---- health (memory first) ----

  // ---- circuit breakers (memory first, written with health) ----

  getBreaker(provider: string): BreakerRecord | undefined {
    return this.breakers.records.get(provider);
  }

  setBreaker(record: BreakerRecord): void {
    if (this.breakers.set(record) && this.kind === 'sqlite') this.scheduleFlush();
  }

  // ---- stored credentials (cached; written through) ----

  storedCredentialsVersion(): number {
    return this.credentialsVersion;
  }

  listStoredCredentials(provider?: string): StoredCredential[] {
    return provider === undefined ? [...this.credentials] : this.credentials.filter((c) => c.provider === provider);
  }

  addStoredCredential(c: Omit<StoredCredential, 'created_at'>): StoredCredential {
    const existing = this.listStoredCredentials(c.provider);
    if (existing.some((e) => e.id === c.id))
      throw new UserError(`that key is already stored for ${c.provider} (ID ${c.id})`);
    if (c.label !== undefined && existing.some((e) => e.label === c.label)) {
      throw new UserError(`${c.provider} already has a stored key labelled "${c.label}"; choose another --label`);
    }
    const record: StoredCredential = { ...c, created_at: Date.now() };
    this.writeThrough(() =>
      creds.writeMarked(this.db, 'credentials_seq', () => creds.insertCredential(this.db, record)),
    );
    this.afterCredentialsWrite(c.provider);
    return record;
  }

  removeStoredCredential(provider: string, idOrLabel: string): StoredCredential | undefined {
    return this.changeStoredCredential(provider, idOrLabel, (found) =>
      creds.deleteCredential(this.db, provider, found.id),
    );
  }

  bindStoredCredential(provider: string, idOrLabel: string, origin: string): StoredCredential | undefined {
    return this.changeStoredCredential(provider, idOrLabel, (found) =>
      creds.updateCredentialOrigin(this.db, provider, found.id, origin),
    );
  }

  /** Finds one stored key by id or label on the file as it is now, and writes `change` to it (marked, so other
   * processes reload): the key as it was found, or undefined when none matches. */
  private changeStoredCredential(
    provider: string,
    idOrLabel: string,
    change: (found: StoredCredential) => void,
  ): StoredCredential | undefined {
    this.reloadCredentials();
    const found = matchOne(
      this.listStoredCredentials(provider),
      idOrLabel,
      (c) => c.label,
      `stored key of ${provider}`,
    );
    if (!found) return undefined;
    this.writeThrough(() => creds.writeMarked(this.db, 'credentials_seq', () => change(found)));
    this.afterCredentialsWrite(provider);
    return found;
  }

  // ---- minted credentials: leases and mint records (read and written through, never cached) ----

  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return Promise.resolve().then(() => mints.acquireLease(this.db, name, holder, ttlMs, Date.now()));
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return Promise.resolve().then(() => mints.releaseLease(this.db, name, holder));
  }

  readMint(id: string): Promise<MintRecord | undefined> {
    return Promise.resolve().then(() => mints.readMint(this.db, id));
  }

  writeMint(id: string, patch: MintPatch): Promise<void> {
    return Promise.resolve().then(() => mints.writeMint(this.db, id, patch));
  }

  refreshTokenMints(): Promise<MintRecord[]> {
    return Promise.resolve().then(() => mints.refreshTokenMints(this.db));
  }

  // ---- gateway keys (cached; written through, except last-used times) ----

  addGatewayKey(k: GatewayKeyRecord): void {
    this.writeThrough(() => creds.writeMarked(this.db, 'gateway_keys_seq', () => creds.insertGatewayKey(this.db, k)));
    this.afterGatewayKeysWrite();
  }

  listGatewayKeys(): GatewayKeyRecord[] {
    return this.gatewayKeys.map((k) => withTouch(k, this.pendingTouches.get(k.id)));
  }

  /** Includes revoked keys (with `revoked_at` set), so the caller can say "revoked" rather than "unknown". */
  findGatewayKeyByHash(hash: string): GatewayKeyRecord | undefined {
    return this.gatewayKeys.find((k) => k.hash === hash);
  }

  revokeGatewayKey(idOrName: string): GatewayKeyRecord | undefined {
    this.reloadGatewayKeys();
    const active = this.gatewayKeys.filter((k) => k.revoked_at === undefined);
    const found = matchOne(active, idOrName, (k) => k.name, 'gateway key');
    if (!found) return undefined;
    const at = Date.now();
    this.writeThrough(() =>
      creds.writeMarked(this.db, 'gateway_keys_seq', () => creds.markGatewayKeyRevoked(this.db, found.id, at)),
    );
    this.afterGatewayKeysWrite();
    return { ...found, revoked_at: at };
  }

  setGatewayKeyMcp(id: string, mcp: GatewayKeyMcp | undefined, at: number): GatewayKeyRecord | undefined {
    this.reloadGatewayKeys();
    const found = this.gatewayKeys.find((k) => k.id === id && k.revoked_at === undefined);
    if (!found) return undefined;
    this.writeThrough(() =>
      creds.writeMarked(this.db, 'gateway_keys_seq', () => creds.writeGatewayKeyMcp(this.db, id, mcp, at)),
    );
    this.afterGatewayKeysWrite();
    return this.gatewayKeys.find((k) => k.id === id);
  }

  touchGatewayKey(id: string, at: number): void {
    this.pendingTouches.set(id, Math.max(at, this.pendingTouches.get(id) ?? 0));
    this.scheduleFlush();
  }

  // ---- sessions (synchronous, durable) ----

  createSession(s: SessionRecord): void {
    this.writeThrough(() => sessions.insertSession(this.db, s));
  }
  getSession(id: string): SessionRecord | undefined {
    return sessions.selectSession(this.db, id);
  }
  listSessions(): SessionRecord[] {
    return sessions.selectSessions(this.db);
  }
  updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): void {
    this.writeThrough(() => sessions.updateSessionRow(this.db, id, patch));
  }
  deleteSession(id: string): boolean {
    return this.writeThrough(() => sessions.deleteSessionRow(this.db, id));
  }
  appendMessage(m: MessageRecord): void {
    this.writeThrough(() => sessions.insertMessage(this.db, m));
  }
  listMessages(sessionId: string): MessageRecord[] {
    return sessions.selectMessages(this.db, sessionId);
  }
  replaceMessages(sessionId: string, fromSeq: number, toSeq: number, replacement: MessageRecord): void {
    this.writeThrough(() => sessions.replaceMessageRange(this.db, sessionId, fromSeq, toSeq, replacement));
  }

  // ---- lifecycle ----

  /** Everything is read at open. */
  async ready(): Promise<void> {}

  async flush(): Promise<void> {
    this.flushNow();
    await this.budgets.flush();
    if (this.lastError !== undefined && this.pendingCount() > 0) {
      const details =
        this.writeProblem?.diskFull === true ? ['free space on the disk that holds it, then try again'] : [];
      throw new UserError(`could not write to the state store ${this.location}: ${this.lastError}`, {
        exitCode: 1,
        kind: 'state',
        details,
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushNow();
    await this.budgets.close();
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearInterval(this.pollTimer);
    openStores.delete(this);
    this.dropListeners();
    this.db.close();
  }

  /** A full disk is degraded, not broken: requests are served from memory, and what is queued is written later. */
  status(): StoreStatus {
    const s: StoreStatus = {
      ok: this.lastError === undefined && !this.closed,
      location: this.location,
      schemaVersion: this.schemaVersion,
      pendingWrites: this.pendingCount(),
    };
    if (this.lastError !== undefined) s.lastError = this.lastError;
    if (this.writeProblem?.diskFull === true) {
      s.degraded = true;
      s.degradedBy = ['disk_full'];
    }
    return s;
  }

  // ---- internals ----

  private pendingCount(): number {
    const breakers = this.kind === 'sqlite' ? this.breakers.pending.size : 0;
    return (
      this.health.pendingCount() +
      this.pendingTouches.size +
      breakers +
      this.affinity.pending.size +
      this.conversations.pending.size
    );
  }

  protected scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushNow();
    }, this.flushIntervalMs);
    this.flushTimer.unref();
  }

  /** Writes the queue in one transaction. */
  flushNow(): void {
    if (this.closed || this.pendingCount() === 0) return;
    const batch = this.health.take();
    let written: HealthRecord[];
    try {
      written = flushHealth(this.db, batch.resets, batch.patches);
    } catch (err) {
      this.health.failed(batch);
      this.writeFailed(err);
      return;
    }
    // Committed: from here a failure must not put the batch back (its counters would be added twice).
    this.health.committed(written);
    try {
      this.writeTouches();
      this.writeBreakers();
      this.writeAffinity();
      this.writeConversationTurns();
      this.writeWorked();
    } catch (err) {
      this.writeFailed(err);
    }
  }

  /** On failure (e.g. the disk is full) what is queued stays queued and is tried again. */
  private writeFailed(err: unknown): void {
    this.noteWriteProblem(err);
    this.scheduleFlush();
  }

  /** Said once when writes start failing (or fail for another reason), not at every retry. */
  private noteWriteProblem(err: unknown): void {
    const failure = writeFailure(err);
    this.lastError = failure.message;
    if (this.writeProblem?.message === failure.message) return;
    this.writeProblem = failure;
    const meanwhile = 'requests are still served; credential health is kept in memory and written when it can be';
    this.warn(`cannot write to the state store ${this.location}: ${failure.message}; ${meanwhile}`);
  }

  private writeWorked(): void {
    this.lastError = undefined;
    if (this.writeProblem === undefined) return;
    const was = this.writeProblem.diskFull ? ' (there is space on the disk again)' : '';
    this.writeProblem = undefined;
    this.warn(`the state store ${this.location} can be written again${was}; what was kept in memory is written to it`);
  }

  /** Writes a command asked for (a key, a session): a refusal is the caller's to report, in the store's words. */
  private writeThrough<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw refusedWrite(err, this.location);
    }
  }

  /** Rare (a gateway's start and reloads): written at once. A failure only leaves the rows for next time. */
  protected persistForget(fingerprints: string[], since: number): void {
    if (this.closed) return;
    try {
      deleteStaleHealth(this.db, fingerprints, since);
    } catch (err) {
      this.noteWriteProblem(err);
    }
  }

  /** Last-used times of gateway keys: a latest-wins value, so writing one twice is harmless. */
  private writeTouches(): void {
    const touches = this.pendingTouches;
    if (touches.size === 0) return;
    creds.touchGatewayKeys(this.db, touches);
    this.gatewayKeys = this.gatewayKeys.map((k) => withTouch(k, touches.get(k.id)));
    this.pendingTouches = new Map();
  }

  /** Breakers set here since the last flush; given back to the queue if the write fails. */
  private writeBreakers(): void {
    if (this.breakers.pending.size === 0 || this.kind !== 'sqlite') return;
    const batch = this.breakers.pending.take();
    try {
      writeBreakers(this.db, batch.values());
    } catch (err) {
      this.breakers.pending.failed(batch);
      throw err;
    }
    // Read back: a newer record another process wrote meanwhile won over ours in the file, and must here too.
    const changed = this.reloadBreakers();
    if (changed.length > 0) this.emit({ type: 'breakers', providers: changed });
  }

  /** Adopts the stored breakers newer than ours; returns the providers whose breaker changed. */
  private reloadBreakers(): string[] {
    this.breakersSeq = readBreakersSeq(this.db);
    return this.breakers.absorb(loadBreakers(this.db));
  }

  /** Affinity records set here; a private in-memory store has no one to share them with. A failed write drops them:
   * they are hints that expire in minutes, not state to keep. */
  private writeAffinity(): void {
    const batch = this.affinity.pending.take();
    if (batch.size === 0 || this.kind === 'memory') return;
    flushAffinity(this.db, batch.values(), Date.now());
  }

  /** A private in-memory store has only its memory: nothing to write. */
  protected writeConversations(): void {
    if (this.kind === 'memory') {
      this.conversations.pending.take();
      this.conversations.extensions.take();
    } else this.scheduleFlush();
  }

  protected loadConversationTurn(id: string): Promise<ConversationTurn | undefined> {
    if (this.kind === 'memory' || this.closed) return Promise.resolve(undefined);
    return Promise.resolve(loadConversationTurn(this.db, id));
  }

  protected loadConversationTurns(ids: readonly string[]): Promise<(ConversationTurn | undefined)[]> {
    if (this.kind === 'memory' || this.closed) return Promise.resolve(ids.map(() => undefined));
    return Promise.resolve(ids.map((id) => loadConversationTurn(this.db, id)));
  }

  /** Conversation turns set here since the last flush; given back to the queue if the write fails. */
  private writeConversationTurns(): void {
    const batch = this.conversations.pending.take();
    const extensions = this.conversations.extensions.take();
    if (batch.size === 0 && extensions.size === 0) return;
    try {
      flushConversationTurns(this.db, batch.values(), extensions.entries(), Date.now());
    } catch (err) {
      this.conversations.pending.failed(batch);
      this.conversations.extensions.failed(extensions);
      throw err;
    }
  }

  /** Other processes' affinity records since the last read (our own come back too, and are not newer). */
  private refreshAffinity(): void {
    if (this.kind === 'memory') return;
    const { records, maxSeq } = loadAffinitySince(this.db, this.affinitySeq, Date.now(), DEFAULT_AFFINITY_ENTRIES);
    this.affinitySeq = maxSeq;
    for (const r of records) this.affinity.absorb(r);
  }

  private readDataVersion(): number {
    const row = statement(this.db, 'PRAGMA data_version').get() as { data_version: number } | undefined;
    return row?.data_version ?? 0;
  }

  /** Cheap when nothing changed: one pragma. data_version moves only when another connection commits. */
  private poll(): void {
    if (this.closed) return;
    try {
      const version = this.readDataVersion();
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      const fingerprints = this.refreshHealth();
      if (fingerprints.length > 0) this.emit({ type: 'health', fingerprints });
      this.refreshAffinity();
      if (creds.readCounter(this.db, 'credentials_seq') !== this.credentialsSeq) {
        this.reloadCredentials();
        this.emit({ type: 'credentials' });
      }
      if (creds.readCounter(this.db, 'gateway_keys_seq') !== this.gatewayKeysSeq) {
        this.reloadGatewayKeys();
        this.emit({ type: 'gateway_keys' });
      }
      if (readBreakersSeq(this.db) !== this.breakersSeq) {
        const providers = this.reloadBreakers();
        if (providers.length > 0) this.emit({ type: 'breakers', providers });
      }
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
    }
  }

  /** Reads rows changed since the last read; our own queued writes are folded back on top of them. */
  private refreshHealth(): string[] {
    const { records, maxSeq } = loadHealthSince(this.db, this.healthSeq);
    this.healthSeq = maxSeq;
    this.health.absorb(records);
    return records.map((r) => r.fingerprint);
  }

  private reloadCredentials(): void {
    this.credentialsSeq = creds.readCounter(this.db, 'credentials_seq');
    this.credentials = creds.loadCredentials(this.db);
    this.credentialsVersion += 1;
  }

  /** One counter read; the keys are read again only when another process changed them. */
  syncGatewayKeys(): void {
    if (this.closed) return;
    try {
      if (creds.readCounter(this.db, 'gateway_keys_seq') !== this.gatewayKeysSeq) this.reloadGatewayKeys();
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
    }
  }

  private reloadGatewayKeys(): void {
    this.gatewayKeysSeq = creds.readCounter(this.db, 'gateway_keys_seq');
    this.gatewayKeys = creds.loadGatewayKeys(this.db);
  }

  private afterCredentialsWrite(provider: string): void {
    this.reloadCredentials();
    this.emit({ type: 'credentials', provider });
  }

  private afterGatewayKeysWrite(): void {
    this.reloadGatewayKeys();
    this.emit({ type: 'gateway_keys' });
  }
}

// A process that exits without close() still gets its queued writes out (the database API is synchronous).
// One listener for all stores, not one each.
const openStores = new Set<SqliteStore>();
let exitHooked = false;
function ensureExitFlush(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const store of openStores) {
      store.flushNow();
      if (store.budgets instanceof SqliteBudgetStore) store.budgets.flushNow();
    }
  });
}

function withTouch(k: GatewayKeyRecord, touched: number | undefined): GatewayKeyRecord {
  return touched !== undefined && touched > (k.last_used_at ?? 0) ? { ...k, last_used_at: touched } : { ...k };
}
