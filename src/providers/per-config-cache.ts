// A value worked out once per (config object, base URL); the WeakMap drops a config's entries when a reload
// replaces it. Bounded, in case base URLs keep changing over many reloads.
const MAX_BASES = 100;

export class PerConfigCache<O extends object, V> {
  readonly #byOwner = new WeakMap<O, Map<string, V>>();

  get(owner: O, base: string, compute: () => V): V {
    let byBase = this.#byOwner.get(owner);
    if (byBase === undefined) {
      byBase = new Map();
      this.#byOwner.set(owner, byBase);
    }
    const hit = byBase.get(base);
    // `has` only for a value that is undefined (no proxy): one lookup for everything else.
    if (hit !== undefined || byBase.has(base)) return hit as V;
    const value = compute();
    if (byBase.size >= MAX_BASES) byBase.clear();
    byBase.set(base, value);
    return value;
  }
}
