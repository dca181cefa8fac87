// The fetch an MCP server's SDK transport sends through: it puts the server's own credential on each request (the
// caller's key never goes upstream), re-mints a minted token once on 401 and sends again (a token that expired costs
// no failed call), and on 429 cools the key until its Retry-After and moves to the next (docs/mcp.md#credentials). A
// request whose pooled connection went stale is sent again on a fresh one (stale-resend.ts).
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { parseRetryHints } from '../errors/retry-after.ts';
import { MintError } from '../credentials/minted/mint-error.ts';
import type { McpCredentials, PickedKey } from './credentials.ts';
import { resendingStale } from './stale-resend.ts';

export interface AuthorizedFetchOptions {
  server: string;
  credentials: McpCredentials;
  /** Headers from the config (`headers:`), sent on every request. */
  headers: Readonly<Record<string, string>>;
  now: () => number;
  fetch?: FetchLike;
  /** The credential a request was answered with, by its label (never the secret): for the call's facts. */
  onAnswered?: (label: string | undefined) => void;
  /** Each token put on a request: what the server's answers are scrubbed of (sent-secrets.ts). */
  onSent?: (token: string) => void;
}

export function authorizedFetch(o: AuthorizedFetchOptions): FetchLike {
  const send = resendingStale(o.fetch ?? fetch);
  return async (url, init) => {
    const tried = new Set<string>();
    for (;;) {
      const pick = await o.credentials.pick(o.server, tried);
      if (!pick.ok && pick.reason === 'none') return send(url, withAuth(init, o.headers, undefined));
      if (!pick.ok) throw new Error(`no usable credential for MCP server ${o.server}: ${pick.why}`);
      const answer = await sendWith(o, send, url, init, pick.key);
      if (answer.retry) {
        tried.add(pick.key.credential.fingerprint);
        // The last key's refusal is the answer: the SDK reports it as the server's.
        const next = await o.credentials.pick(o.server, tried);
        if (next.ok) {
          await answer.response.body?.cancel();
          continue;
        }
        if (answer.mintFailure !== undefined) {
          await answer.response.body?.cancel();
          throw new Error(
            `MCP server ${o.server} answered ${answer.response.status} and no new token could be had: ${answer.mintFailure}`,
          );
        }
      }
      return answer.response;
    }
  };
}

interface Answer {
  response: Response;
  /** Set aside: try the next key. */
  retry: boolean;
  /** Why its token could not be re-minted after a 401/403: said instead of the bare status when no key is left. */
  mintFailure?: string;
}

async function sendWith(
  o: AuthorizedFetchOptions,
  send: FetchLike,
  url: string | URL,
  init: RequestInit | undefined,
  first: PickedKey,
): Promise<Answer> {
  let key = first;
  let reminted = false;
  for (;;) {
    const startedAt = o.now();
    o.onSent?.(key.token);
    const response = await send(url, withAuth(init, o.headers, key.token));
    if (response.status === 401 || response.status === 403) {
      let mintFailure: string | undefined;
      const fresh = reminted
        ? undefined
        : await o.credentials.remint(key, response.status).catch((err: unknown) => {
            mintFailure = MintError.isInstance(err) ? err.message : undefined;
            return undefined;
          });
      if (fresh !== undefined) {
        reminted = true;
        key = fresh;
        await response.body?.cancel();
        continue;
      }
      o.credentials.recordFailure(key, {
        kind: 'auth_rejected',
        message: `MCP server ${o.server} answered ${response.status}`,
      });
      return { response, retry: true, ...(mintFailure !== undefined ? { mintFailure } : {}) };
    }
    if (response.status === 429) {
      const hints = parseRetryHints(response.headers, o.now());
      o.credentials.recordFailure(key, {
        kind: 'rate_limited',
        ...(hints.resetAt !== undefined ? { resetAt: hints.resetAt } : {}),
        message: `MCP server ${o.server} answered 429`,
      });
      return { response, retry: true };
    }
    if (response.ok) o.credentials.recordSuccess(key, startedAt);
    o.onAnswered?.(key.credential.label ?? key.credential.masked);
    return { response, retry: false };
  }
}

function withAuth(
  init: RequestInit | undefined,
  extra: Readonly<Record<string, string>>,
  token: string | undefined,
): RequestInit {
  const headers = new Headers(init?.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}
