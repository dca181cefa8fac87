// A JSON object as the translators read it (one definition for every wire shape and stream).
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets an own property whatever the key: a caller's JSON may hold a `__proto__` key (JSON.parse keeps it as an own
 * property), and `obj[key] = value` with that key would set obj's prototype instead. For copying a caller's keys. */
export function setKey(obj: Obj, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
