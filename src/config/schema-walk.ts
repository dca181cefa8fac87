// Reading the zod schema as data: which keys are valid at a path (for "did you mean"), and which leaves are
// durations (so `config show` prints `1m`, not 60000). Reads zod's public `_zod.def` description of each schema.
import type { z } from 'zod';
import { configSchema, DURATION_SCHEMAS } from './schema.ts';
import type { ConfigPath } from './issue.ts';

/** The parts of zod's schema definitions we read; everything else is ignored. */
interface Def {
  type: string;
  shape?: Record<string, SchemaLike>;
  catchall?: SchemaLike;
  valueType?: SchemaLike;
  element?: SchemaLike;
  innerType?: SchemaLike;
  in?: SchemaLike;
  out?: SchemaLike;
  entries?: Record<string, string>;
  /** `z.int()` is a number with this format itself; `z.number().int()` carries it as one of its checks. */
  format?: string;
  checks?: SchemaLike[];
}
export interface SchemaLike {
  _zod: { def: Def };
}

const WRAPPERS = new Set(['default', 'optional', 'nullable', 'prefault', 'catch', 'readonly', 'nonoptional']);

function asSchema(schema: z.ZodType): SchemaLike {
  return schema as unknown as SchemaLike;
}

function isDuration(schema: SchemaLike): boolean {
  return DURATION_SCHEMAS.has(schema as unknown as z.ZodType);
}

/** `z.preprocess(fn, schema)`: a pipe from a transform into the schema that gives the shape. */
function isPreprocess(schema: SchemaLike): boolean {
  const def = schema._zod.def;
  return def.type === 'pipe' && def.in?._zod.def.type === 'transform' && def.out !== undefined;
}

/** Strips default/optional wrappers and preprocessing, stopping at a duration schema so it can be recognised. */
function unwrap(schema: SchemaLike): SchemaLike {
  let s = schema;
  for (;;) {
    if (isDuration(s)) return s;
    const def = s._zod.def;
    if (WRAPPERS.has(def.type) && def.innerType) s = def.innerType;
    else if (isPreprocess(s)) s = def.out!;
    else return s;
  }
}

function child(schema: SchemaLike, seg: string | number): SchemaLike | undefined {
  const def = unwrap(schema)._zod.def;
  if (def.type === 'object') return def.shape?.[String(seg)] ?? def.catchall;
  if (def.type === 'record') return def.valueType;
  if (def.type === 'array') return def.element;
  if (def.type === 'pipe' && def.in) return child(def.in, seg);
  return undefined;
}

export function schemaAt(path: ConfigPath, root: SchemaLike = asSchema(configSchema)): SchemaLike | undefined {
  let s: SchemaLike | undefined = root;
  for (const seg of path) {
    if (!s) return undefined;
    s = child(s, seg);
  }
  return s ? unwrap(s) : undefined;
}

/** The keys an object at `path` accepts (empty when it is not a fixed-shape object). */
export function keysAt(path: ConfigPath, root: SchemaLike = asSchema(configSchema)): string[] {
  const s = schemaAt(path, root);
  const def = s?._zod.def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

export function isDurationAt(path: ConfigPath, root: SchemaLike = asSchema(configSchema)): boolean {
  const s = schemaAt(path, root);
  return s !== undefined && isDuration(s);
}

/** A whole number is expected at `path` (`z.int()`, `z.number().int()`: formats safeint, int32, uint32). */
export function isIntAt(path: ConfigPath, root: SchemaLike = asSchema(configSchema)): boolean {
  const def = schemaAt(path, root)?._zod.def;
  const isInt = (d: Def | undefined): boolean => /int/.test(d?.format ?? '');
  return def?.type === 'number' && (isInt(def) || (def.checks ?? []).some((c) => isInt(c._zod.def)));
}
