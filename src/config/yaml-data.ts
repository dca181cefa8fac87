// The parsed document as plain data, in one pass over its nodes. The parser's own `toJS` looks each alias's anchor up
// by walking the document's nodes up to the alias, so a config with 100,000 aliases took minutes; here an alias takes
// the node yaml-structure.ts found for it, and an anchored value is converted once (its users share it, as in `toJS`).
import { isAlias, isMap, isScalar, isSeq, type Alias, type Node, type YAMLMap } from 'yaml';

export interface DataResult {
  data: unknown;
  /** Each merge key (`<<`) given something other than a mapping, a list of them, or aliases of them. */
  badMerges: Node[];
}

/** The document's contents as `toJS()` gives them: merge keys applied, keys as strings, the same value for an
 * alias as for its anchor. `aliases` must hold every alias of the document (checkStructure found no problem). */
export function documentData(contents: unknown, aliases: ReadonlyMap<Alias, Node>): DataResult {
  const converted = new Map<Node, unknown>();
  const badMerges: Node[] = [];

  const value = (node: unknown): unknown => {
    if (isAlias(node)) return value(aliases.get(node));
    if (node === null || node === undefined) return null;
    const known = converted.get(node as Node);
    if (known !== undefined || converted.has(node as Node)) return known;
    const result = fresh(node);
    if ((node as Node).anchor !== undefined) converted.set(node as Node, result);
    return result;
  };

  const fresh = (node: unknown): unknown => {
    if (isScalar(node)) return typeof node.value === 'bigint' ? Number(node.value) : node.value;
    if (isSeq(node)) return node.items.map(value);
    if (isMap(node)) return mapData(node);
    return null;
  };

  const mapData = (map: YAMLMap): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const { key, value: v } of map.items) {
      if (isMergeKey(key)) merge(out, v, key as Node);
      else put(out, keyString(value(key)), value(v));
    }
    return out;
  };

  // YAML's merge: each merged map's entries, unless the map already has the key (earlier maps of a list win).
  const merge = (out: Record<string, unknown>, given: unknown, at: Node): void => {
    const target = isAlias(given) ? aliases.get(given) : given;
    const sources = isSeq(target) ? target.items.map((i) => (isAlias(i) ? aliases.get(i) : i)) : [target];
    for (const source of sources) {
      if (!isMap(source)) {
        badMerges.push(at);
        continue;
      }
      const entries = value(source) as Record<string, unknown>;
      for (const [k, v] of Object.entries(entries)) if (!Object.hasOwn(out, k)) put(out, k, v);
    }
  };

  return { data: value(contents), badMerges };
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}

/** As `toJS` names an object's keys: `null` as '', a scalar as its string, a collection as its JSON. */
function keyString(key: unknown): string {
  if (key === null) return '';
  return typeof key === 'object' ? JSON.stringify(key) : String(key);
}

/** An own property even for `__proto__`, which plain assignment would take as the prototype. */
function put(out: Record<string, unknown>, key: string, v: unknown): void {
  if (key in out) Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
  else out[key] = v;
}
