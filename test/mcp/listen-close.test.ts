// A stateless client's `subscriptions/listen` stream when the gateway stops: it is ended gracefully, its last
// message the listen request's result (SEP-2575), and the gateway's close does not wait on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../gateway/harness.ts';

test('a listen stream open when the gateway closes ends with its result', async () => {
  const h = await startHarness({ scenario: { keys: {} }, config: () => ({ mcp: { servers: {} } }) });
  const res = await fetch(`${h.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${h.key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true } },
    }),
  });
  assert.equal(res.status, 200);
  const body = res.text();
  await h.close();
  const messages = (await body)
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);
  assert.equal(messages[0]?.['method'], 'notifications/subscriptions/acknowledged');
  assert.deepEqual(messages.at(-1), {
    jsonrpc: '2.0',
    id: 3,
    result: { _meta: { 'io.modelcontextprotocol/subscriptionId': 3 }, resultType: 'complete' },
  });
});
