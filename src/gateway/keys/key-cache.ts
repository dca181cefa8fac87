// The active client keys, held in memory so that authenticating a request never touches the disk. Refreshed when
// the store reports a key change, by a request that finds the copy a second old or more, as a safety net (the CLI
// that creates or revokes a key is another process; a timer would wake an idle gateway for nothing), and at most every
// 200 ms on an unknown key (so a key created a moment ago works at once).
import type { GatewayKeyRecord, GatewayKeyStore, StateStore } from '../../state/types.ts';
import { matchKey } from './keys.ts';

const REFRESH_EVERY_MS = 1_000;
const REFRESH_ON_MISS_MIN_GAP_MS = 200;
/** `last_used_at` is informational: write it at most once a minute per key. */
const TOUCH_EVERY_MS = 60_000;
/** Bound on the keys remembered as verified between two refreshes. */
const MAX_VERIFIED = 1_024;

type Entry = { hash: Buffer; record: GatewayKeyRecord };

export class KeyCache implements Disposable {
  private entries: Entry[] = [];
  private lastRefresh = 0;
  /** Keys verified since the last refresh: hashing and comparing costs ~6 µs a request. Only matches are kept, so
   * unknown keys stay on the constant-time path, and a refresh empties it so revocations apply within a second. */
  private verified = new Map<string, GatewayKeyRecord>();
  private readonly touched = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private readonly store: GatewayKeyStore & Pick<StateStore, 'onChange'>;
  private readonly now: () => number;

  constructor(store: GatewayKeyStore & Pick<StateStore, 'onChange'>, now: () => number = Date.now) {
    this.store = store;
    this.now = now;
    this.refresh();
    this.unsubscribe = store.onChange((change) => {
      if (change.type === 'gateway_keys') this.refresh();
    });
  }

  get size(): number {
    return this.entries.length;
  }

  /** Whether a key not found is really unknown: false while the store has not read keys kept elsewhere (Redis). */
  known(): boolean {
    return this.store.gatewayKeysKnown?.() ?? true;
  }

  refresh(): void {
    this.lastRefresh = this.now();
    this.verified = new Map();
    try {
      this.entries = this.store
        .listGatewayKeys()
        .filter((k) => k.revoked_at === undefined || k.revoked_at === null)
        .map((record) => ({ hash: Buffer.from(record.hash, 'hex'), record }))
        .filter((e) => e.hash.length === 32);
    } catch {
      // A store hiccup keeps the keys we had: failing closed for everyone would be worse than a stale second.
    }
  }

  /** The record of an active key, or undefined. */
  verify(presented: string): GatewayKeyRecord | undefined {
    const now = this.now();
    if (now - this.lastRefresh >= REFRESH_EVERY_MS) this.sync();
    const known = this.verified.get(presented);
    if (known !== undefined) {
      this.touch(known, now);
      return known;
    }
    let found = matchKey(presented, this.entries);
    if (!found && now - this.lastRefresh >= REFRESH_ON_MISS_MIN_GAP_MS) {
      this.sync();
      found = matchKey(presented, this.entries);
    }
    if (found) {
      if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
      this.verified.set(presented, found);
      this.touch(found, now);
    }
    return found;
  }

  /** Refreshed from the store's file, not only its copy: that copy may be a poll behind the CLI (one counter read). */
  private sync(): void {
    this.store.syncGatewayKeys?.();
    this.refresh();
  }

  private touch(record: GatewayKeyRecord, now: number): void {
    const last = this.touched.get(record.id) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    this.touched.set(record.id, now);
    // Off the request path: the write is not needed to answer.
    setImmediate(() => {
      try {
        this.store.touchGatewayKey(record.id, now);
      } catch {
        // informational only
      }
    });
  }

  [Symbol.dispose](): void {
    this.close();
  }

  close(): void {
    this.unsubscribe();
  }
}
