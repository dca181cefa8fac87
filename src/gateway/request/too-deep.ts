// A body nested too deep to serialize again is the caller's fault: a 400 naming the field, not a retried 500. Walked
// only after a RangeError, so normal requests pay nothing.
import { ApiError } from '../answer/api-error.ts';
import { formatPath } from '../../providers/translate/wire-error.ts';

/** Fields holding a caller's free-form JSON — a JSON Schema, or a tool call's input — where the path to report ends
 * (`tools[0].function.parameters`, `messages[1].content[0].input`). */
const SCHEMA_FIELDS = new Set(['parameters', 'input_schema', 'schema', 'input']);

/** How many leading segments name a field when no schema field is on the path. */
const SHORT_PATH = 3;

interface Node {
  value: unknown;
  depth: number;
  key: PropertyKey;
  parent: Node | undefined;
}

/** The path to the most deeply nested value, found without recursion (the stack is what ran out): the field
 * that broke, when several are deep. */
function deepestPath(root: unknown): Node {
  let deepest: Node = { value: root, depth: 0, key: '', parent: undefined };
  const stack: Node[] = [deepest];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (typeof node.value !== 'object' || node.value === null) continue;
    if (node.depth > deepest.depth) deepest = node;
    const entries: [PropertyKey, unknown][] = Array.isArray(node.value)
      ? node.value.map((v, i) => [i, v])
      : Object.entries(node.value);
    for (const [key, value] of entries) stack.push({ value, depth: node.depth + 1, key, parent: node });
  }
  return deepest;
}

/** Deeper than any real request: JSON Schemas rarely nest past ~20 levels. A RangeError with a body no deeper than
 * this is some other failure, and stays a 500. */
const PLAUSIBLE_DEPTH = 100;

function pathOf(node: Node): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let n: Node | undefined = node; n?.parent !== undefined; n = n.parent) path.push(n.key);
  return path.reverse();
}

/** The field to name: the path up to its first schema field, else its first few segments. */
function fieldOf(path: readonly PropertyKey[]): string {
  const schemaAt = path.findIndex((p) => typeof p === 'string' && SCHEMA_FIELDS.has(p));
  return formatPath(path.slice(0, schemaAt >= 0 ? schemaAt + 1 : SHORT_PATH));
}

/** The 400 for `err` when it is the stack running out on a body nested too deeply; undefined for anything else. */
export function tooDeepError(err: unknown, body: unknown): ApiError | undefined {
  if (!(err instanceof RangeError)) return undefined;
  const deepest = deepestPath(body);
  if (deepest.depth <= PLAUSIBLE_DEPTH) return undefined;
  const field = fieldOf(pathOf(deepest));
  return new ApiError(
    'invalid_request',
    `invalid request body: ${field} is nested too deeply to be sent on (${deepest.depth} levels of objects and arrays; no real schema needs more than a few dozen)`,
    { code: 'nested_too_deeply', param: field },
  );
}
