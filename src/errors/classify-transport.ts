// Transport failures (no HTTP answer, or the answer stopped) → `connection` or `timeout`. Reads `code` and `name`
// along the `cause` chain, because undici and fetch wrap the socket error.
import type { Classification } from './classification.ts';
import { cleanMessage } from './error-body.ts';

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ESOCKETTIMEDOUT',
]);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'ConnectTimeoutError', 'HeadersTimeoutError', 'BodyTimeoutError']);

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let cur: unknown = err;
  while (typeof cur === 'object' && cur !== null && out.length < 5) {
    out.push(cur as ErrorLike);
    cur = (cur as ErrorLike).cause;
  }
  return out;
}

export function classifyTransport(err: unknown, secrets: readonly string[] = []): Classification {
  const links = chain(err);
  const codes = links.map((l) => (typeof l.code === 'string' ? l.code : undefined)).filter((c): c is string => !!c);
  const names = links.map((l) => (typeof l.name === 'string' ? l.name : undefined)).filter((n): n is string => !!n);
  const timedOut = codes.some((c) => TIMEOUT_CODES.has(c)) || names.some((n) => TIMEOUT_NAMES.has(n));
  // The innermost message is the most specific ("connect ECONNREFUSED 127.0.0.1:9").
  const messages = links.map((l) => (typeof l.message === 'string' ? l.message : '')).filter((m) => m !== '');
  const message = messages[messages.length - 1] ?? (typeof err === 'string' ? err : 'transport error');
  const c: Classification = {
    kind: timedOut ? 'timeout' : 'connection',
    providerMessage: cleanMessage(message, secrets),
  };
  const code = codes[codes.length - 1] ?? (timedOut ? 'TIMEOUT' : undefined);
  if (code !== undefined) c.code = code;
  return c;
}
