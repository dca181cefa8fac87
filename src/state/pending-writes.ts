// Changes waiting for the shared store, one per key, later ones folded into earlier ones. A flush takes the whole
// queue (what is queued meanwhile waits for the next one) and gives it back if the write failed — the same
// take/failed protocol as HealthCache, for the simpler records (breakers, client keys, forgotten health).
export class PendingWrites<V> {
  private queued = new Map<string, V>();
  private readonly fold: (earlier: V, later: V) => V;

  constructor(fold: (earlier: V, later: V) => V) {
    this.fold = fold;
  }

  get size(): number {
    return this.queued.size;
  }

  add(key: string, value: V): void {
    const earlier = this.queued.get(key);
    this.queued.set(key, earlier === undefined ? value : this.fold(earlier, value));
  }

  take(): Map<string, V> {
    const taken = this.queued;
    this.queued = new Map();
    return taken;
  }

  /** The write failed: the taken changes go back, before anything queued since. */
  failed(batch: Map<string, V>): void {
    const since = this.queued;
    this.queued = new Map(batch);
    for (const [key, value] of since) this.add(key, value);
  }

  /** The change waiting for `key`, if any. */
  get(key: string): V | undefined {
    return this.queued.get(key);
  }

  values(): IterableIterator<V> {
    return this.queued.values();
  }

  /** What a record read back from the store becomes with the change still waiting for it folded on top. */
  over(key: string, stored: V): V {
    const waiting = this.queued.get(key);
    return waiting === undefined ? stored : this.fold(stored, waiting);
  }
}
