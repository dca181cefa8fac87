// MCP 2026-07-28's `subscriptions/listen` on /mcp (SEP-2575): the stateless revision has no session GET stream, so a
// client that wants list-changed notifications sends this request and its answer is the stream. The gateway
// acknowledges first (`notifications/subscriptions/acknowledged`, with the kinds it will deliver), then relays the
// hub's list changes the client asked for, each tagged with the listen request's id; the stream lasts until the client
// leaves, or until the gateway closes, when it ends with the request's result. Nothing is replayed: a client that
// comes back listens again and lists again.
import type { ServerResponse } from 'node:http';
import type { McpHub } from '../../mcp/hub.ts';
import type { ListKind } from '../../mcp/upstream.ts';

export const LISTEN_METHOD = 'subscriptions/listen';
const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** The filter's flags the gateway honours, by the hub's list kind. `resourceSubscriptions` (a resource's own
 * updates) is not among them: the gateway does not relay its servers' `resources/updated`, so it does not say so. */
const FLAGS: Readonly<Record<ListKind, string>> = {
  tools: 'toolsListChanged',
  prompts: 'promptsListChanged',
  resources: 'resourcesListChanged',
};

/** An open listen stream: `end` closes it as the spec's graceful closure (its result last). */
export interface ListenStream {
  end(): void;
}

/** What was asked for, cut to what is honoured: `{toolsListChanged: true, …}` for each kind requested. */
export function honoured(params: Readonly<Record<string, unknown>>): Record<string, true> {
  const asked = (params['notifications'] ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.values(FLAGS).flatMap((flag) => (asked[flag] === true ? [[flag, true]] : [])));
}

/** Serves one listen request on `res` (hijacked from Fastify) until the client leaves or `end` is called. */
export function serveListen(
  hub: McpHub,
  id: string | number,
  params: Readonly<Record<string, unknown>>,
  res: ServerResponse,
  onDone: () => void,
): ListenStream {
  const meta = { [SUBSCRIPTION_ID]: id };
  const filter = honoured(params);
  const write = (message: Record<string, unknown>): void => {
    if (!res.writableEnded) res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', ...message })}\n\n`);
  };
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  // Subscribed before the acknowledgement is written: a change meanwhile is sent after it, not lost.
  const unsubscribe = hub.onListChanged((kind) => {
    if (filter[FLAGS[kind]] === true) write({ method: `notifications/${kind}/list_changed`, params: { _meta: meta } });
  });
  write({ method: 'notifications/subscriptions/acknowledged', params: { notifications: filter, _meta: meta } });
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    unsubscribe();
    onDone();
  };
  res.on('close', finish);
  return {
    end: () => {
      write({ id, result: { _meta: meta, resultType: 'complete' } });
      res.end();
      finish();
    },
  };
}
