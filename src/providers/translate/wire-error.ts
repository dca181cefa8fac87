// A client sent a body that is not a valid request of its API shape. The gateway answers 400 in the caller's
// shape with this message; `path` is the offending field (`messages[2].role`), also sent as OpenAI's `param`.
import type { z } from 'zod';

export class WireRequestError extends Error {
  override readonly name = 'WireRequestError';
  readonly path: string;

  constructor(path: string, message: string) {
    super(path ? `${path}: ${message}` : message);
    this.path = path;
  }

  static isInstance(value: unknown): value is WireRequestError {
    return value instanceof Error && value.name === 'WireRequestError';
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

/** Parses with zod; the first issue becomes a located WireRequestError. */
export function parseWire<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new WireRequestError('', 'invalid request body');
  // zod's "Invalid option: expected one of …" reads better without its prefix.
  throw new WireRequestError(formatPath(issue.path), issue.message.replace(/^Invalid (option|input): /, ''));
}
