// A client sent a body that is not a valid request of its API shape. The gateway answers 400 in the caller's
// shape with this message; `path` is the offending field (`messages[2].role`), also sent as OpenAI's `param`.
import type { z } from 'zod';
import { errorMarker, hasMarker, markAs } from '../../error-marker.ts';

const MARKER = errorMarker('WireRequestError');

export class WireRequestError extends Error {
  override readonly name = 'WireRequestError';
  readonly path: string;
  /** A machine-readable code the client's SDK acts on (OpenAI `code`, e.g. `previous_response_not_found`), when the
   * refusal has one. */
  readonly code: string | undefined;

  /** A message that begins "is …" reads on from the field's name (`messages[0].content is required`); any other
   * follows a colon (`messages[2].role: expected one of …`). */
  constructor(path: string, message: string, code?: string) {
    super(path === '' ? message : message.startsWith('is ') ? `${path} ${message}` : `${path}: ${message}`);
    this.path = path;
    this.code = code;
    markAs(this, MARKER);
  }

  static isInstance(value: unknown): value is WireRequestError {
    return hasMarker(value, MARKER);
  }
}

/** `['messages', 2, 'role']` → `messages[2].role` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

type Issue = z.core.$ZodIssue;

/** The issue to report and its path. A failed union reports itself, unless exactly one option matched the outer
 * shape: then that option's deeper issue names the wrong field. */
function locate(issue: Issue, base: readonly PropertyKey[]): { issue: Issue; path: PropertyKey[] } {
  const path = [...base, ...issue.path];
  if (issue.code !== 'invalid_union') return { issue, path };
  const deeper = issue.errors
    .map((list) => list[0])
    .filter((first): first is Issue => first !== undefined && first.path.length > 0);
  return deeper.length === 1 ? locate(deeper[0]!, path) : { issue, path };
}

const ARTICLE: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  record: 'an object',
  array: 'an array',
};

/** What a value is, in the words of an error message (a request's field here, an upstream answer's in
 * answer-check.ts). */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return ARTICLE[typeof v] ?? typeof v;
}

/** zod's default wording → ours ("is required (a string)", "expected a string, got a number"); a schema's own
 * message is kept. */
function wording(issue: Issue): string {
  const own = issue.message.replace(/^Invalid (option|input): /, '');
  const missing = issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union');
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input: expected ')) {
    const expected = ARTICLE[issue.expected] ?? issue.expected;
    return missing ? `is required (${expected})` : `expected ${expected}, got ${kindOf(issue.input)}`;
  }
  if (missing) return `is required (${own.replace(/^expected /, '')})`;
  if (issue.code === 'too_small' && issue.minimum === 1) return 'must not be empty';
  return own === 'Invalid input' ? 'is not valid here' : own;
}

/** Parses with zod; the first issue becomes a located WireRequestError. */
export function parseWire<T>(schema: z.ZodType<T>, body: unknown): T {
  // The input is reported so a missing field can be told from a wrong one; it never reaches the message.
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const first = result.error.issues[0];
  if (!first) throw new WireRequestError('', 'invalid request body');
  const { issue, path } = locate(first, []);
  if (path.length === 0 && issue.code === 'invalid_type')
    throw new WireRequestError('', 'the body must be a JSON object');
  throw new WireRequestError(formatPath(path), wording(issue));
}
