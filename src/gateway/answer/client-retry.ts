// How a wait too long to sit through is said to clients that do not read `x-should-retry`. The gateway answers a
// cooldown or a spent budget past `gateway.client_retry_max_wait` with `x-should-retry: false` and the wait in
// `Retry-After`; Claude Code and the official SDKs stop at once. The AI SDK, OpenCode, LangChain and Codex decide by
// status and their own rules, so each is told in the one way its retry code reads as "stop" (docs/clients.md).
// Matched by what the client sends; any other client gets the answer unchanged.
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, NO_CLIENT_RETRY } from './api-error.ts';

/** `retry_now`: `retry-after-ms: 0` and no `Retry-After`, so the client spends its fixed retries at once (each is
 * answered from the gateway's own state) and then shows the explanation. `rate_limit`: a 429 without `Retry-After`,
 * which LangChain reads as capacity exhausted and throws at once. `invalid_request`: a 400 with the same message and
 * code, the one status Codex neither retries nor hides behind words of its own (it shows the body). */
export type ClientRetryRule = 'retry_now' | 'rate_limit' | 'invalid_request';

/** Which answers a row changes: `long_wait` a wait past the bound; `no_retry` every answer saying
 * `x-should-retry: false` (every route failed, a wrong client key, a long wait), for a client that retries even those. */
export type ClientRetryScope = 'long_wait' | 'no_retry';

interface ClientRetryRow {
  client: string;
  userAgent: RegExp;
  /** A header that must also be present with this value (LangChain's Anthropic client has the SDK's User-Agent). */
  header?: readonly [name: string, value: string];
  rule: ClientRetryRule;
  answers: ClientRetryScope;
}

/** First match wins. Why each rule: the client's own retry code, as read for docs/clients.md. */
export const CLIENT_RETRY_TABLE: readonly ClientRetryRow[] = [
  // Retries any 5xx, 429, or a body naming 429/503/"rate limit", 5 times, waiting `retry-after-ms` first.
  { client: 'OpenCode', userAgent: /^opencode\//, rule: 'retry_now', answers: 'long_wait' },
  // Retries 408/409/429/5xx twice, waiting `retry-after-ms` or `Retry-After` when under a minute.
  { client: 'AI SDK', userAgent: /^ai(-sdk-[\w-]+)?\//, rule: 'retry_now', answers: 'long_wait' },
  // @langchain/core retries any 5xx six times, ignoring headers; a 429 without Retry-After it throws at once.
  { client: 'LangChain', userAgent: /^langchainjs-/, rule: 'rate_limit', answers: 'long_wait' },
  // ChatAnthropic sends the bundled SDK's User-Agent, with the browser flag it always sets.
  {
    client: 'LangChain',
    userAgent: /^Anthropic\/JS /,
    header: ['anthropic-dangerous-direct-browser-access', 'true'],
    rule: 'rate_limit',
    answers: 'long_wait',
  },
  // Codex's built-in provider (User-Agent `<originator>/<version>`: `codex_exec/`, `codex_cli_rs/`, …) retries every
  // status but 400 and 429 up to 30 times, waiting out each Retry-After; a 429 it shows only as "exceeded retry
  // limit", a 400 with its body.
  { client: 'Codex', userAgent: /^codex_\w+\//, rule: 'invalid_request', answers: 'no_retry' },
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

/** Whether an answer tells the client not to ask again, as `errorHeaders` will say it. */
function saysNoRetry(err: ApiError): boolean {
  return err.headers['x-should-retry'] === 'false' || NO_CLIENT_RETRY.has(err.category);
}

/** Whether the row is for this answer: its scope, and not an answer already in the shape the rule gives. */
function rowApplies(row: ClientRetryRow, err: ApiError, maxWaitMs: number): boolean {
  if (row.rule === 'invalid_request' && err.category === 'invalid_request') return false;
  return row.answers === 'no_retry' ? saysNoRetry(err) : waitTooLong(err, maxWaitMs);
}

/** The answer as the request's client should get it: unchanged unless the client's row is for it (a wait past the
 * bound or, for Codex, any answer not to retry) and says how else to stop it. The message (which says until when)
 * and `x-should-retry` stay. */
export function answerForClient(err: ApiError, headers: IncomingHttpHeaders, maxWaitMs: number): ApiError {
  const row = clientRetryRow(headers);
  if (row === undefined || !rowApplies(row, err, maxWaitMs)) return err;
  const options = {
    ...(err.code !== undefined ? { code: err.code } : {}),
    ...(err.param !== undefined ? { param: err.param } : {}),
    ...(err.details !== undefined ? { details: err.details } : {}),
  };
  if (row.rule === 'retry_now')
    return new ApiError(err.category, err.message, { ...options, headers: { ...err.headers, 'retry-after-ms': '0' } });
  if (row.rule === 'invalid_request')
    return new ApiError('invalid_request', err.message, {
      ...options,
      headers: { ...err.headers, 'x-should-retry': 'false' },
    });
  return new ApiError('rate_limit', err.message, { ...options, headers: { ...err.headers } });
}
