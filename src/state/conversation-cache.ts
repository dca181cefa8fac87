// The gateway's record of Responses conversations, in memory, for the stores: each answered turn by its response id,
// bounded in bytes (the least recently used go first) and forgotten at its expiry, with what was set here queued for
// the store's write (docs/responses.md#a-conversations-state-across-a-fallback).
import { PendingWrites } from './pending-writes.ts';
import type { ConversationTurn } from './types.ts';

/** Bytes of turns one process keeps in memory: past it the least recently used go (the store keeps them). */
export const CONVERSATION_MEMORY_BYTES = 64 * 1024 * 1024;

const later = (a: ConversationTurn, b: ConversationTurn): ConversationTurn => (b.at >= a.at ? b : a);

/** What a turn weighs in memory: its items' text, and a little for the rest. */
export const turnBytes = (t: ConversationTurn): number => (t.items?.length ?? 0) + (t.response?.length ?? 0) + 256;

export class ConversationCache {
  /** Insertion order is use order: the first entry is the least recently used. */
  private readonly turns = new Map<string, ConversationTurn>();
  readonly pending = new PendingWrites<ConversationTurn>(later);
  /** Turn id → the later expiry it is to be kept until. */
  readonly extensions = new PendingWrites<number>(Math.max);
  private bytes = 0;
  private readonly max: number;

  constructor(maxBytes = CONVERSATION_MEMORY_BYTES) {
    this.max = maxBytes;
  }

  /** The turn unless it has expired by `now`; a hit counts as a use. */
  get(id: string, now: number): ConversationTurn | undefined {
    const t = this.turns.get(id);
    if (t === undefined) return undefined;
    this.drop(id);
    if (t.expires_at <= now) return undefined;
    this.keep(t);
    return t;
  }

  /** Set here: kept and queued for the store. */
  set(turn: ConversationTurn): void {
    this.keep(turn);
    this.pending.add(turn.id, turn);
  }

  /** Kept until `expiresAt` at least, here and (queued) in the store. */
  extend(id: string, expiresAt: number): void {
    const held = this.turns.get(id);
    if (held !== undefined && held.expires_at < expiresAt) this.turns.set(id, { ...held, expires_at: expiresAt });
    this.extensions.add(id, expiresAt);
  }

  /** Read from the store (another process's): kept for the next turns of the conversation. */
  absorb(turn: ConversationTurn): void {
    const held = this.turns.get(turn.id);
    if (held === undefined || held.at < turn.at) this.keep(turn);
  }

  private keep(turn: ConversationTurn): void {
    this.drop(turn.id);
    this.turns.set(turn.id, turn);
    this.bytes += turnBytes(turn);
    for (const [id] of this.turns) {
      if (this.bytes <= this.max || this.turns.size === 1) break;
      this.drop(id);
    }
  }

  private drop(id: string): void {
    const t = this.turns.get(id);
    if (t === undefined) return;
    this.turns.delete(id);
    this.bytes -= turnBytes(t);
  }
}

/** A turn read back from JSON or a row: undefined unless every field has its type. */
export function parseConversationTurn(value: unknown): ConversationTurn | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const r = value as Partial<Record<keyof ConversationTurn, unknown>>;
  if (typeof r.id !== 'string' || typeof r.key !== 'string' || typeof r.at !== 'number') return undefined;
  if (typeof r.expires_at !== 'number') return undefined;
  const turn: ConversationTurn = { id: r.id, key: r.key, at: r.at, expires_at: r.expires_at };
  if (typeof r.parent === 'string') turn.parent = r.parent;
  if (Array.isArray(r.ancestors) && r.ancestors.every((a) => typeof a === 'string')) turn.ancestors = r.ancestors;
  if (typeof r.items === 'string') turn.items = r.items;
  if (typeof r.inputs === 'number') turn.inputs = r.inputs;
  if (typeof r.response === 'string') turn.response = r.response;
  if (r.deleted === true) turn.deleted = true;
  if (typeof r.route === 'string') turn.route = r.route;
  if (typeof r.fingerprint === 'string') turn.fingerprint = r.fingerprint;
  if (r.upstream_knows === true) turn.upstream_knows = true;
  if (typeof r.upstream_id === 'string') turn.upstream_id = r.upstream_id;
  if (r.too_large === true) turn.too_large = true;
  if (r.unstored === true) turn.unstored = true;
  return turn;
}
