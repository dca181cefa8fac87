// A value worked out once per (config object, base URL): the config object is a loaded config's (a reload makes a
// new one, and the old entries go with it, hence the WeakMap); a task's own base_url shares its provider's config.
// Bounded per config object, in case base URLs keep changing over a long life of hot reloads. Used for the secrets
// a provider's calls carry (call-secrets.ts) and the proxy they go through (proxy.ts).
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
