// The fetch an MCP server's requests go through, sending once more, on a connection of its own, a request whose pooled
// connection was dropped before any byte of the answer came: the server closed it while idle as the request went out
// (providers/reused-connections.ts), as the chat routes' `resend_fresh` does (docs/mcp.md#credentials).
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Agent, type Dispatcher } from 'undici';
import { onReusedConnection } from '../providers/reused-connections.ts';

/** A body that can be sent twice: a stream is read once. */
function resendable(init: RequestInit | undefined): boolean {
  const body = init?.body;
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}

export function resendingStale(send: FetchLike): FetchLike {
  return async (url, init) => {
    try {
      return await send(url, init);
    } catch (err) {
      if (!onReusedConnection(err) || !resendable(init)) throw err;
      // The pool's other idle connections may be as old: this one is new, and closed once its answer is over.
      const once = new Agent({ connections: 1 });
      const fresh: RequestInit & { dispatcher: Dispatcher } = { ...init, dispatcher: once };
      try {
        return await send(url, fresh);
      } finally {
        void once.close().catch(() => undefined);
      }
    }
  };
}
