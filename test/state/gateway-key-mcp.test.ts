// A client key's MCP allow-list between replicas (Redis): the list set last wins whole. An older copy — a replica's
// stale view, a retried write — never brings back a list or a pattern that was replaced or removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeGatewayKey } from '../../src/state/redis/shared-state.ts';
import type { GatewayKeyRecord } from '../../src/state/types.ts';

const KEY: GatewayKeyRecord = { id: 'k1', name: 'agent', hash: 'h', prefix: 'sy-abc', created_at: 1 };

test('the MCP allow-list set last wins whole; an older one never comes back', () => {
  const wide = { ...KEY, mcp: { servers: ['github', 'files'] }, mcp_updated_at: 10 };
  const narrow = { ...KEY, mcp: { tools: ['files__read'] }, mcp_updated_at: 20 };
  const cleared: GatewayKeyRecord = { ...KEY, mcp_updated_at: 30 };
  assert.deepEqual(mergeGatewayKey(wide, narrow).mcp, { tools: ['files__read'] }, 'replaced, not merged');
  assert.deepEqual(mergeGatewayKey(narrow, wide).mcp, { tools: ['files__read'] }, 'a stale copy does not re-grant');
  assert.equal(mergeGatewayKey(narrow, cleared).mcp, undefined, 'a removal is a setting too');
  assert.deepEqual(mergeGatewayKey(cleared, narrow), cleared, 'and an older list does not undo it');
  // A last-used touch from a replica with an old view keeps the current list.
  const touched = { ...wide, last_used_at: 99 };
  const merged = mergeGatewayKey(narrow, touched);
  assert.deepEqual(merged.mcp, { tools: ['files__read'] });
  assert.equal(merged.last_used_at, 99);
});
