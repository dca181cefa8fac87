// What every state store does the same way: credential health lives in memory (HealthCache), is read and written
// there at once, and each write is queued for the store's own flush; changes are announced to listeners. The stores
// differ only in where the queue goes and how other processes' changes come in.
import type { HealthRecord } from '../credentials/types.ts';
import { HealthCache } from './health-cache.ts';
import { AffinityCache } from './affinity-cache.ts';
import { ConversationCache } from './conversation-cache.ts';
import type { AffinityRecord, ConversationTurn, HealthPatch, StoreChange } from './types.ts';

export abstract class MemoryFirstStore {
  protected readonly health = new HealthCache();
  protected readonly affinity = new AffinityCache();
  protected readonly conversations = new ConversationCache();
  private readonly listeners = new Set<(change: StoreChange) => void>();

  getHealth(fingerprint: string): HealthRecord | undefined {
    return this.health.records.get(fingerprint);
  }

  allHealth(): HealthRecord[] {
    return [...this.health.records.values()];
  }

  applyHealth(fingerprint: string, patch: HealthPatch): HealthRecord {
    const record = this.health.apply(fingerprint, patch);
    this.scheduleFlush();
    this.emit({ type: 'health', fingerprints: [fingerprint] });
    return record;
  }

  resetHealth(provider: string, fingerprint?: string, at: number = Date.now()): void {
    const touched = this.health.reset(fingerprint === undefined ? { provider, at } : { provider, fingerprint, at });
    this.scheduleFlush();
    this.emit({ type: 'health', fingerprints: touched });
  }

  forgetHealth(fingerprints: readonly string[], unchangedSince: number): string[] {
    const dropped = this.health.forget(fingerprints, unchangedSince);
    if (dropped.length > 0) this.persistForget(dropped, unchangedSince);
    return dropped;
  }

  getAffinity(hash: string, now: number): AffinityRecord | undefined {
    return this.affinity.get(hash, now);
  }

  setAffinity(record: AffinityRecord): void {
    this.affinity.set(record);
    this.scheduleFlush();
  }

  limitAffinity(max: number): void {
    this.affinity.limit(max);
  }

  listAffinity(now: number): AffinityRecord[] {
    return this.affinity.list(now);
  }

  putConversationTurn(turn: ConversationTurn): void {
    this.conversations.set(turn);
    this.writeConversations();
  }

  extendConversationTurns(ids: readonly string[], expires_at: number): void {
    for (const id of ids) this.conversations.extend(id, expires_at);
    this.writeConversations();
  }

  async readConversationTurn(id: string, now: number, fresh = false): Promise<ConversationTurn | undefined> {
    const held = this.conversations.get(id, now);
    if (held !== undefined && !fresh) return held;
    const stored = await this.loadConversationTurn(id);
    if (stored === undefined || stored.expires_at <= now) return held;
    this.conversations.absorb(stored);
    return held === undefined || stored.at > held.at ? stored : held;
  }

  async readConversationTurns(ids: readonly string[], now: number): Promise<(ConversationTurn | undefined)[]> {
    const found = ids.map((id) => this.conversations.get(id, now));
    const missing = ids.filter((_, i) => found[i] === undefined);
    if (missing.length === 0) return found;
    const stored = await this.loadConversationTurns(missing);
    let next = 0;
    return found.map((held) => {
      if (held !== undefined) return held;
      const turn = stored[next++];
      if (turn === undefined || turn.expires_at <= now) return undefined;
      this.conversations.absorb(turn);
      return turn;
    });
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queued writes go out after a short delay: one timer for a burst of writes. */
  abstract close(): Promise<void>;

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  protected abstract scheduleFlush(): void;

  /** Sends the queued conversation turns on (soon: the next turn may come to another process at once). */
  protected abstract writeConversations(): void;

  /** A turn from the backing store, undefined when it has none (or is a private in-memory store). */
  protected abstract loadConversationTurn(id: string): Promise<ConversationTurn | undefined>;

  /** Several turns from the backing store, in the order asked. */
  protected abstract loadConversationTurns(ids: readonly string[]): Promise<(ConversationTurn | undefined)[]>;

  /** Removes forgotten records from the backing store, where they are still unchanged since `since`. */
  protected abstract persistForget(fingerprints: string[], since: number): void;

  protected emit(change: StoreChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A faulty listener must not break a write on the request path.
      }
    }
  }

  protected dropListeners(): void {
    this.listeners.clear();
  }
}
