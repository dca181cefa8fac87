// A function tool's parameters as Anthropic's `input_schema`, which must be an object schema. OpenAI accepts a tool
// without parameters, with `{}`, or with a schema that leaves out `type`; forwarded as they are, Anthropic refuses
// the request and a fallback to it fails as a bad request.

import { isObj, setKey, type Obj } from '../translate/obj.ts';

type Schema = Obj;

const COMBINATORS = ['anyOf', 'oneOf', 'allOf'] as const;

/** The schema itself when it already says `type: "object"` and has no top-level combinator (no copy); otherwise an
 * object schema built on it, with `properties: {}` when it has none. */
export function anthropicInputSchema(parameters: Schema | undefined): Schema {
  const combined = parameters !== undefined && COMBINATORS.some((k) => k in parameters);
  const properties = parameters?.['properties'];
  if (parameters?.['type'] === 'object' && !combined && (properties === undefined || isObj(properties)))
    return parameters;
  const schema: Schema = combined ? withoutCombinators(parameters) : { ...parameters, type: 'object' };
  schema['type'] = 'object';
  if (!isObj(schema['properties'])) schema['properties'] = {};
  return schema;
}

/** Anthropic refuses top-level `anyOf`/`oneOf`/`allOf` (common in MCP tools), so their branches are merged: looser
 * than the tool's schema, which the tool still checks, but better than a refused request. */
function withoutCombinators(parameters: Schema): Schema {
  const { anyOf, oneOf, allOf, ...rest } = parameters;
  const properties: Schema = isObj(rest['properties']) ? { ...rest['properties'] } : {};
  const required = new Set(
    Array.isArray(rest['required']) ? rest['required'].filter((r): r is string => typeof r === 'string') : [],
  );
  const branchesOf = (v: unknown): Schema[] => (Array.isArray(v) ? v.filter(isObj) : []);
  for (const branch of branchesOf(allOf)) merge(branch, properties, (r) => r.forEach((x) => required.add(x)));
  const either = [...branchesOf(anyOf), ...branchesOf(oneOf)];
  if (either.length > 0) {
    const requiredEach = either.map((b) => new Set(Array.isArray(b['required']) ? b['required'] : []));
    for (const branch of either) merge(branch, properties, () => {});
    for (const r of requiredEach[0] ?? [])
      if (typeof r === 'string' && requiredEach.every((set) => set.has(r))) required.add(r);
  }
  const schema: Schema = { ...rest, properties };
  if (required.size > 0) schema['required'] = [...required];
  return schema;
}

function merge(branch: Schema, properties: Schema, onRequired: (required: string[]) => void): void {
  if (isObj(branch['properties']))
    for (const [k, v] of Object.entries(branch['properties']))
      if (!Object.hasOwn(properties, k)) setKey(properties, k, v);
  if (Array.isArray(branch['required']))
    onRequired(branch['required'].filter((r): r is string => typeof r === 'string'));
}
