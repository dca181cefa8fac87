// Values shared by many requests: an agent sends its whole conversation on every turn, so what was parsed or made from
// an earlier turn's messages is kept and read again (providers/translate/parsed-spans.ts). A shared value is frozen,
// deeply, so no reader of one request can change it for the others; what is made from one only (its JSON bytes, its
// translation, its affinity hash) may then be kept beside it, weakly, by identity.

const SHARED = new WeakSet<object>();

/** Whether a value is one of the shared, deeply frozen ones. */
export function isShared(value: object): boolean {
  return SHARED.has(value);
}

/** Freezes a value and everything in it, marks them shared, and returns it. No recursion: a value may nest
 * thousands deep. */
export function share<T>(value: T): T {
  const todo: unknown[] = [value];
  while (todo.length > 0) {
    const v = todo.pop();
    // A view of bytes cannot be frozen; none is shared (a span keeps its hash, not its bytes).
    if (typeof v !== 'object' || v === null || SHARED.has(v) || ArrayBuffer.isView(v)) continue;
    Object.freeze(v);
    SHARED.add(v);
    if (Array.isArray(v)) for (const item of v) todo.push(item);
    else for (const key in v) todo.push((v as Record<string, unknown>)[key]);
  }
  return value;
}

/** `make` over a key, memoised for shared keys: what is made from a shared value is made once and shared in turn (a
 * shared turn's translation, its bytes, its hash); for any other key it is made anew each time. */
export function madeOncePerShared<K extends object, A extends unknown[], V>(
  make: (key: K, ...rest: A) => V,
): (key: K, ...rest: A) => V {
  const made = new WeakMap<K, V>();
  return (key, ...rest) => {
    // Only shared keys are in `made`, so a hit needs one lookup, not two: an agent's long turn looks up each of its
    // hundreds of messages. `has` only settles a shared key's miss (a made value may be undefined).
    const before = made.get(key);
    if (before !== undefined) return before;
    if (!SHARED.has(key)) return make(key, ...rest);
    if (made.has(key)) return before as V;
    const value = share(make(key, ...rest));
    made.set(key, value);
    return value;
  };
}

/** `check` over a value, its passes remembered for shared values: a shared value cannot change, so a check it passed
 * once it passes again (a turn an earlier request's validation read). */
export function passedOncePerShared(check: (value: unknown) => boolean): (value: unknown) => boolean {
  const passed = new WeakSet<object>();
  return (value) => {
    if (typeof value !== 'object' || value === null) return check(value);
    // Only shared values are in `passed`: a hit needs one lookup.
    if (passed.has(value)) return true;
    const ok = check(value);
    if (ok && SHARED.has(value)) passed.add(value);
    return ok;
  };
}
