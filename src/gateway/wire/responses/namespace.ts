// The Responses API's `namespace` tools, which no other API has: flattened to plain tools, and their calls mapped
// back (docs/responses.md#namespace-tools).
import { createHash } from 'node:crypto';

/** A tool inside a namespace. */
export interface NamespacedName {
  namespace: string;
  name: string;
}

/** The namespace OpenAI's models call plain function tools by (`functions.exec`): Codex's Responses Lite declares
 * its plain tools in it. Its tools keep their own names, and their calls come back plain, as OpenAI answers them. */
const DEFAULT_NAMESPACE = 'functions';

/** OpenAI's limit on a function name (Anthropic's is longer): a flattened name never exceeds it. */
const MAX_NAME = 64;

/** The flat name of a namespaced tool before collisions, by the rules in docs/responses.md#namespace-tools (Codex's
 * `mcp__server__` namespaces are not doubled). */
export function baseFlatName(ref: NamespacedName): string {
  if (ref.namespace === DEFAULT_NAMESPACE) return ref.name;
  const joined = ref.namespace.endsWith('__') ? `${ref.namespace}${ref.name}` : `${ref.namespace}__${ref.name}`;
  const safe = joined.replace(/[^A-Za-z0-9_-]/g, '_');
  if (safe.length <= MAX_NAME) return safe;
  return `${safe.slice(0, MAX_NAME - 9)}_${createHash('sha256').update(joined).digest('hex').slice(0, 8)}`;
}

/** The flattened names of one request's namespaced tools, both ways. */
export class NamespaceNames {
  readonly #byFlat = new Map<string, NamespacedName>();
  readonly #byRef = new Map<string, string>();
  /** Every name in use: the plain tools', then each flattened one as it is added. */
  readonly #taken: Set<string>;

  constructor(plainNames: Iterable<string>) {
    this.#taken = new Set(plainNames);
  }

  get size(): number {
    return this.#byFlat.size;
  }

  /** Flattens one namespaced tool; a name already in use (a plain tool's or another flattened one's) gets `_2`,
   * `_3`, … so no two tools share a name and a plain tool keeps its own. */
  add(ref: NamespacedName): string {
    const known = this.#byRef.get(refKey(ref));
    if (known !== undefined) return known;
    const base = baseFlatName(ref);
    let flat = base;
    for (let n = 2; this.#taken.has(flat); n++) flat = `${base.slice(0, MAX_NAME - String(n).length - 1)}_${n}`;
    this.#taken.add(flat);
    this.#byFlat.set(flat, { ...ref });
    this.#byRef.set(refKey(ref), flat);
    return flat;
  }

  /** The flattened name of a namespaced call in the conversation; a tool the request no longer offers gets its base
   * name, so the model reads the same name it called. */
  flatten(ref: NamespacedName): string {
    return this.#byRef.get(refKey(ref)) ?? baseFlatName(ref);
  }

  /** A called name → where it came from: inside a namespace, or a plain tool (no namespace). */
  unflatten(name: string): { name: string; namespace?: string } {
    const ref = this.#byFlat.get(name);
    if (ref === undefined) return { name };
    return ref.namespace === DEFAULT_NAMESPACE ? { name: ref.name } : ref;
  }
}

const refKey = (ref: NamespacedName): string => `${ref.namespace}\u0000${ref.name}`;
