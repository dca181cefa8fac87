// The smallest value a JSON schema accepts, for answers to `response_format: json_schema`: an object with just its
// required properties, each a type-correct placeholder ("sim", 0, false, [], …), so a client's structured-output
// parsing (e.g. the OpenAI SDK's chat.completions.parse() with a zod schema) can be exercised end to end.
// Deterministic: the same schema always gives the same value.
import { isObject, type Json } from './json.ts';

/** Beyond this depth (a schema that refers to itself) the placeholder is null. */
const MAX_DEPTH = 32;

/** Strings in the usual formats, so a validator that checks `format` accepts them. */
const FORMATTED: Record<string, string> = {
  'date-time': '2025-01-01T00:00:00Z',
  date: '2025-01-01',
  time: '00:00:00',
  duration: 'P1D',
  email: 'sim@example.com',
  hostname: 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
};

export function placeholderFor(schema: unknown): unknown {
  return valueOf(schema, schema, 0);
}

function valueOf(schema: unknown, root: unknown, depth: number): unknown {
  if (!isObject(schema) || depth > MAX_DEPTH) return null;
  if (typeof schema['$ref'] === 'string') return valueOf(resolveRef(schema['$ref'], root), root, depth + 1);
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  const alternatives = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(alternatives) && alternatives.length > 0) return valueOf(preferNotNull(alternatives, root), root, depth + 1);
  if (Array.isArray(schema['allOf'])) return merged(schema['allOf'].map((s) => valueOf(s, root, depth + 1)));
  switch (typeOf(schema)) {
    case 'object':
      return objectOf(schema, root, depth);
    case 'array':
      return arrayOf(schema, root, depth);
    case 'string':
      return stringOf(schema);
    case 'integer':
      return Math.ceil(numberOf(schema, 1));
    case 'number':
      return numberOf(schema, 0.5);
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** `type` as written, the first non-null of a list, or what the keywords imply. */
function typeOf(schema: Json): string | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string | undefined;
  if (isObject(schema['properties'])) return 'object';
  if (schema['items'] !== undefined || schema['prefixItems'] !== undefined) return 'array';
  return undefined;
}

/** `#`, `#/$defs/X`, `#/definitions/X`, … within the root schema (JSON pointer, ~0/~1 escapes). */
function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#')) return undefined;
  const parts = ref.slice(1).split('/').filter(Boolean).map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const part of parts) node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/** A nullable field (`anyOf: [X, {type: null}]`) gets a value of X: more telling than null. */
function preferNotNull(alternatives: unknown[], root: unknown): unknown {
  const resolved = (s: unknown): unknown => (isObject(s) && typeof s['$ref'] === 'string' ? resolveRef(s['$ref'], root) : s);
  return alternatives.find((s) => !(isObject(resolved(s)) && (resolved(s) as Json)['type'] === 'null')) ?? alternatives[0];
}

function merged(values: unknown[]): unknown {
  if (values.every(isObject)) return Object.assign({}, ...values);
  return values[0] ?? null;
}

function objectOf(schema: Json, root: unknown, depth: number): Json {
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? schema['required'].filter((r): r is string => typeof r === 'string') : [];
  return Object.fromEntries(required.map((name) => [name, valueOf(properties[name], root, depth + 1)]));
}

function arrayOf(schema: Json, root: unknown, depth: number): unknown[] {
  const prefix = Array.isArray(schema['prefixItems']) ? schema['prefixItems'] : Array.isArray(schema['items']) ? schema['items'] : [];
  const minItems = typeof schema['minItems'] === 'number' ? schema['minItems'] : 0;
  const items = prefix.map((s) => valueOf(s, root, depth + 1));
  while (items.length < minItems) items.push(valueOf(isObject(schema['items']) ? schema['items'] : {}, root, depth + 1));
  return items;
}

function stringOf(schema: Json): string {
  const text = typeof schema['format'] === 'string' ? (FORMATTED[schema['format']] ?? 'sim') : 'sim';
  const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : Infinity;
  return text.padEnd(min, 'x').slice(0, max);
}

/** 0 when allowed, else the nearest allowed value (a step inside an exclusive bound). */
function numberOf(schema: Json, step: number): number {
  const num = (k: string): number | undefined => (typeof schema[k] === 'number' ? schema[k] : undefined);
  const low = num('minimum') ?? (num('exclusiveMinimum') !== undefined ? num('exclusiveMinimum')! + step : undefined);
  const high = num('maximum') ?? (num('exclusiveMaximum') !== undefined ? num('exclusiveMaximum')! - step : undefined);
  if (low !== undefined && low > 0) return low;
  if (high !== undefined && high < 0) return high;
  return 0;
}
