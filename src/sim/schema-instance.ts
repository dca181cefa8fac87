// A value a JSON schema accepts, for structured answers and tool arguments: deterministic, with free strings carrying
// the request's text. Ours, not json-schema-faker (docs/simulator.md#structured-answers).
import { isObject, type Json } from './json.ts';
import type { Rng } from './rng.ts';

export interface InstanceOptions {
  /** Picks among what the schema allows (enum members, alternatives, optional properties, numbers in range). */
  rng: Rng;
  /** What a free string says. */
  text: string;
}

/** Below this depth optional properties and extra array items are left out, so a schema that refers to itself (a
 * tree) ends; past the hard limit a required value is null. */
const OPTIONAL_DEPTH = 4;
const MAX_DEPTH = 32;

/** Strings in the usual formats, so a validator that checks `format` accepts them. */
const FORMATTED: Record<string, string> = {
  'date-time': '2025-01-01T00:00:00Z',
  date: '2025-01-01',
  time: '00:00:00Z',
  duration: 'P1D',
  email: 'sim@example.com',
  'idn-email': 'sim@example.com',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  uri: 'https://example.com/',
  'uri-reference': 'https://example.com/',
  iri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
  regex: '.*',
};

export function instanceOf(schema: unknown, options: InstanceOptions): unknown {
  return new Generator(schema, options).value(schema, 0);
}

class Generator {
  readonly #root: unknown;
  readonly #rng: Rng;
  readonly #text: string;

  constructor(root: unknown, options: InstanceOptions) {
    this.#root = root;
    this.#rng = options.rng;
    this.#text = options.text === '' ? 'sim' : options.text;
  }

  value(schema: unknown, depth: number): unknown {
    if (schema === true || schema === undefined) return this.#text;
    if (!isObject(schema) || depth > MAX_DEPTH) return null;
    if (typeof schema['$ref'] === 'string') return this.value(this.#resolve(schema['$ref']), depth + 1);
    if ('const' in schema) return schema['const'];
    if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return this.#pick(schema['enum']);
    const alternatives = schema['anyOf'] ?? schema['oneOf'];
    if (Array.isArray(alternatives) && alternatives.length > 0)
      return this.value(this.#alternative(alternatives, schema), depth + 1);
    if (Array.isArray(schema['allOf'])) return this.value(this.#merged(schema), depth + 1);
    switch (this.#typeOf(schema)) {
      case 'object':
        return this.#object(schema, depth);
      case 'array':
        return this.#array(schema, depth);
      case 'integer':
        return this.#number(schema, true);
      case 'number':
        return this.#number(schema, false);
      case 'boolean':
        return this.#rng() < 0.5;
      case 'null':
        return null;
      default:
        return this.#string(schema);
    }
  }

  #pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.#rng() * list.length)]!;
  }

  /** `#`, `#/$defs/X`, `#/definitions/X`, … within the root schema (JSON pointer, ~0/~1 escapes). */
  #resolve(ref: string): unknown {
    if (!ref.startsWith('#')) return {};
    const parts = ref
      .slice(1)
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = this.#root;
    for (const part of parts)
      node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined;
    return node;
  }

  /** One of anyOf/oneOf, a non-null one when there is one (a nullable field's value is more telling than null);
   * the keywords beside the list (a `type`, `properties`) apply to it too. */
  #alternative(alternatives: unknown[], schema: Json): unknown {
    const deref = (s: unknown): unknown =>
      isObject(s) && typeof s['$ref'] === 'string' ? this.#resolve(s['$ref']) : s;
    const nonNull = alternatives.filter((s) => !(isObject(deref(s)) && (deref(s) as Json)['type'] === 'null'));
    const chosen = deref(this.#pick(nonNull.length > 0 ? nonNull : alternatives));
    const { anyOf: _a, oneOf: _o, ...beside } = schema;
    return Object.keys(beside).length > 0 && isObject(chosen) ? mergeSchemas([beside, chosen]) : chosen;
  }

  /** allOf: the schemas merged into one (properties and required joined), beside the keywords around it. */
  #merged(schema: Json): Json {
    const { allOf, ...beside } = schema;
    const parts = (allOf as unknown[]).map((s) =>
      isObject(s) && typeof s['$ref'] === 'string' ? this.#resolve(s['$ref']) : s,
    );
    return mergeSchemas([beside, ...parts.filter(isObject)]);
  }

  /** `type` as written, one of the non-null ones of a list, or what the keywords imply. */
  #typeOf(schema: Json): string | undefined {
    const type = schema['type'];
    if (typeof type === 'string') return type;
    if (Array.isArray(type) && type.length > 0) {
      const nonNull = type.filter((t) => t !== 'null');
      return String(this.#pick(nonNull.length > 0 ? nonNull : type));
    }
    if (isObject(schema['properties']) || schema['required'] !== undefined) return 'object';
    if (schema['items'] !== undefined || schema['prefixItems'] !== undefined) return 'array';
    if (schema['minimum'] !== undefined || schema['maximum'] !== undefined) return 'number';
    return undefined;
  }

  /** Every required property, and (near the top) each optional one half the time — all of them when
   * `minProperties` asks for more. Only declared properties: `additionalProperties: false` always holds. */
  #object(schema: Json, depth: number): Json {
    const properties = isObject(schema['properties']) ? schema['properties'] : {};
    const required = new Set(
      Array.isArray(schema['required']) ? schema['required'].filter((r): r is string => typeof r === 'string') : [],
    );
    const minProperties = typeof schema['minProperties'] === 'number' ? schema['minProperties'] : 0;
    const names = Object.keys(properties);
    const chosen = new Set(names.filter((name) => required.has(name) || (depth < OPTIONAL_DEPTH && this.#rng() < 0.5)));
    for (const name of names) if (chosen.size < minProperties) chosen.add(name);
    const out: Json = {};
    for (const name of names) if (chosen.has(name)) out[name] = this.value(properties[name], depth + 1);
    // A required name the schema declares no property for: any value will do, so a string.
    for (const name of required) if (!(name in out)) out[name] = this.#text;
    return out;
  }

  /** Tuple items first (`prefixItems`, or an array `items`), then items up to at least minItems — one or two more
   * near the top, so an answer shows what a list holds — within maxItems; unique when `uniqueItems` says so. */
  #array(schema: Json, depth: number): unknown[] {
    const prefix = Array.isArray(schema['prefixItems'])
      ? schema['prefixItems']
      : Array.isArray(schema['items'])
        ? schema['items']
        : [];
    const itemSchema = Array.isArray(schema['items']) ? (schema['additionalItems'] ?? {}) : (schema['items'] ?? {});
    const min = Math.max(typeof schema['minItems'] === 'number' ? schema['minItems'] : 0, prefix.length);
    const max = typeof schema['maxItems'] === 'number' ? schema['maxItems'] : Infinity;
    const extra = depth < OPTIONAL_DEPTH && itemSchema !== false ? 1 + Math.floor(this.#rng() * 2) : 0;
    const length = Math.min(max, Math.max(min, prefix.length + extra));
    const items: unknown[] = prefix.slice(0, length).map((s) => this.value(s, depth + 1));
    const seen = new Set(items.map((v) => JSON.stringify(v)));
    for (let tries = 0; items.length < length && tries < length * 8; tries++) {
      const item = this.value(itemSchema, depth + 1);
      const key = JSON.stringify(item);
      if (schema['uniqueItems'] === true && seen.has(key)) continue;
      seen.add(key);
      items.push(item);
    }
    return items;
  }

  /** A format's example, else the request's text — within min/maxLength, and matching `pattern` when the text does
   * not (one of a few plain candidates, where one fits). */
  #string(schema: Json): string {
    const format = typeof schema['format'] === 'string' ? FORMATTED[schema['format']] : undefined;
    const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
    const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
    const fit = (text: string): string => text.padEnd(min, 'x').slice(0, max);
    const text = fit(format ?? this.#text);
    const pattern = typeof schema['pattern'] === 'string' ? safeRegExp(schema['pattern']) : undefined;
    if (!pattern || pattern.test(text)) return text;
    return ['sim', 'a', 'A', '0', 'a0', 'sim-1', ''].map(fit).find((c) => pattern.test(c)) ?? text;
  }

  /** A value in range (0 to 100 when unbounded), a multiple of `multipleOf` when one is asked; integers whole,
   * numbers to two decimals. Exclusive bounds are kept out. */
  #number(schema: Json, integer: boolean): number {
    const num = (k: string): number | undefined => (typeof schema[k] === 'number' ? schema[k] : undefined);
    const step = integer ? 1 : 0.01;
    const exMin = num('exclusiveMinimum');
    const exMax = num('exclusiveMaximum');
    let low = Math.max(num('minimum') ?? -Infinity, exMin !== undefined ? exMin + step : -Infinity);
    let high = Math.min(num('maximum') ?? Infinity, exMax !== undefined ? exMax - step : Infinity);
    if (low === -Infinity) low = high === Infinity ? 0 : Math.min(0, high - 100);
    if (high === Infinity) high = low + 100;
    if (integer) {
      low = Math.ceil(low);
      high = Math.floor(high);
    }
    const multipleOf = num('multipleOf');
    if (multipleOf !== undefined && multipleOf > 0) {
      const first = Math.ceil(low / multipleOf);
      const last = Math.floor(high / multipleOf);
      const k = last >= first ? first + Math.floor(this.#rng() * (last - first + 1)) : first;
      return Number((k * multipleOf).toPrecision(12));
    }
    if (high < low) return low;
    const value = low + this.#rng() * (high - low);
    return integer ? Math.min(high, Math.round(value)) : Math.min(high, Math.max(low, Math.round(value * 100) / 100));
  }
}

/** Schemas joined: properties and required merged, other keywords from the later ones winning. */
function mergeSchemas(schemas: Json[]): Json {
  const out: Json = {};
  const properties: Json = {};
  const required = new Set<string>();
  for (const s of schemas) {
    Object.assign(out, s);
    if (isObject(s['properties'])) Object.assign(properties, s['properties']);
    if (Array.isArray(s['required'])) for (const r of s['required']) if (typeof r === 'string') required.add(r);
  }
  if (Object.keys(properties).length > 0) out['properties'] = properties;
  if (required.size > 0) out['required'] = [...required];
  return out;
}

/** A schema's pattern as a RegExp (`u`, as JSON Schema's are Unicode); one JavaScript cannot read is no constraint
 * the simulator can meet, so it is left unchecked. */
function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}
