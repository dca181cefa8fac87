// How a wait too long to sit through is said to clients that do not read `x-should-retry`. The gateway answers a
// cooldown or a spent budget past `gateway.client_retry_max_wait` with `x-should-retry: false` and the wait in
// `Retry-After`; Claude Code and the official SDKs stop at once. The AI SDK, OpenCode and LangChain decide by status
// and their own rules, so each is told in the one way its retry code reads as "stop" (docs/clients.md). Matched by
// what the client sends; any other client gets the answer unchanged.
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './api-error.ts';

/** `retry_now`: `retry-after-ms: 0` and no `Retry-After`, so the client spends its fixed retries at once (each is
 * answered from the gateway's own state) and then shows the explanation. `rate_limit`: a 429 without `Retry-After`,
 * which LangChain reads as capacity exhausted and throws at once. */
export type ClientRetryRule = 'retry_now' | 'rate_limit';

interface ClientRetryRow {
  client: string;
  userAgent: RegExp;
  /** A header that must also be present with this value (LangChain's Anthropic client has the SDK's User-Agent). */
  header?: readonly [name: string, value: string];
  rule: ClientRetryRule;
}

/** First match wins. Why each rule: the client's own retry code, as read for docs/clients.md. */
export const CLIENT_RETRY_TABLE: readonly ClientRetryRow[] = [
  // Retries any 5xx, 429, or a body naming 429/503/"rate limit", 5 times, waiting `retry-after-ms` first.
  { client: 'OpenCode', userAgent: /^opencode\//, rule: 'retry_now' },
  // Retries 408/409/429/5xx twice, waiting `retry-after-ms` or `Retry-After` when under a minute.
  { client: 'AI SDK', userAgent: /^ai(-sdk-[\w-]+)?\//, rule: 'retry_now' },
  // @langchain/core retries any 5xx six times, ignoring headers; a 429 without Retry-After it throws at once.
  { client: 'LangChain', userAgent: /^langchainjs-/, rule: 'rate_limit' },
  // ChatAnthropic sends the bundled SDK's User-Agent, with the browser flag it always sets.
  {
    client: 'LangChain',
    userAgent: /^Anthropic\/JS /,
    header: ['anthropic-dangerous-direct-browser-access', 'true'],
    rule: 'rate_limit',
  },
];

function sentHeader(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** The row for a request's client, if it is one that ignores `x-should-retry`. */
export function clientRetryRow(headers: IncomingHttpHeaders): ClientRetryRow | undefined {
  const ua = sentHeader(headers, 'user-agent');
  return CLIENT_RETRY_TABLE.find(
    (r) => r.userAgent.test(ua) && (r.header === undefined || sentHeader(headers, r.header[0]) === r.header[1]),
  );
}

/** Whether an answer tells the client not to wait: `x-should-retry: false` with a `Retry-After` past the bound. */
function waitTooLong(err: ApiError, maxWaitMs: number): boolean {
  return (
    err.headers['x-should-retry'] === 'false' &&
    err.retryAfterSeconds !== undefined &&
    err.retryAfterSeconds * 1000 > maxWaitMs
  );
}

/** The answer as the request's client should get it: unchanged unless the wait is past the bound and the client's
 * row says how else to stop it. The message (which says until when) and `x-should-retry` stay. */
export function answerForClient(err: ApiError, headers: IncomingHttpHeaders, maxWaitMs: number): ApiError {
  if (!waitTooLong(err, maxWaitMs)) return err;
  const row = clientRetryRow(headers);
  if (row === undefined) return err;
  const options = {
    ...(err.code !== undefined ? { code: err.code } : {}),
    ...(err.param !== undefined ? { param: err.param } : {}),
    ...(err.details !== undefined ? { details: err.details } : {}),
  };
  if (row.rule === 'retry_now')
    return new ApiError(err.category, err.message, { ...options, headers: { ...err.headers, 'retry-after-ms': '0' } });
  return new ApiError('rate_limit', err.message, { ...options, headers: { ...err.headers } });
}
