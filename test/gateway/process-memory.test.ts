// The V8 flags `switchyard gateway` starts with (src/gateway/process-memory.ts): added unless the user gave the same
// flag, either way, on node's command line or in NODE_OPTIONS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY_NODE_FLAGS, missingNodeFlags } from '../../src/gateway/process-memory.ts';

test('the gateway adds its V8 flags when node was given none of them', () => {
  assert.deepEqual(missingNodeFlags([]), [...GATEWAY_NODE_FLAGS]);
  assert.deepEqual(missingNodeFlags(['--import', 'x.js', '', '--max-semi-space-size=16']), [...GATEWAY_NODE_FLAGS]);
});

test('a flag the user gave, either way and in either spelling, is left as given', () => {
  for (const given of ['--optimize-for-size', '--no-optimize-for-size', '--optimize_for_size', '--nooptimize-for-size'])
    assert.deepEqual(missingNodeFlags([given]), [], given);
});
