// Every upstream outcome is classified into exactly one kind (docs/routing.md). The routing ladder maps kinds to actions.
export const ERROR_KINDS = [
  'auth_missing',
  'auth_rejected',
  'quota',
  'rate_limited',
  'overloaded',
  'server',
  'timeout',
  'connection',
  'context_length',
  'content_filter',
  'not_found',
  'bad_request',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && (ERROR_KINDS as readonly string[]).includes(value);
}
