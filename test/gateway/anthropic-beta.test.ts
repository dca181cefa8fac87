// Which of a caller's anthropic-beta names the gateway passes on, and how they join the provider's configured ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardedBetas } from '../../src/gateway/wire/anthropic/beta.ts';
import { betaHeader } from '../../src/providers/anthropic/adapter.ts';

test('only betas that change limits or efficiency are forwarded; product, OAuth and shape-changing ones are not', () => {
  const claudeCode =
    'claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14';
  assert.deepEqual(forwardedBetas(claudeCode), ['fine-grained-tool-streaming-2025-05-14']);
  assert.deepEqual(
    forwardedBetas(['context-1m-2025-08-07', ' context-1m-2025-08-07 , extended-cache-ttl-2025-04-11']),
    ['context-1m-2025-08-07', 'extended-cache-ttl-2025-04-11'],
  );
  assert.equal(forwardedBetas('files-api-2025-04-14,code-execution-2025-05-22,message-threads-2026-08-12'), undefined);
  // Those of the request fields passed on: context_management, and effort on Opus 4.5.
  assert.deepEqual(forwardedBetas('claude-code-20250219,context-management-2025-06-27,effort-2025-11-24'), [
    'context-management-2025-06-27',
    'effort-2025-11-24',
  ]);
  assert.equal(forwardedBetas('context-1m-"; x=1'), undefined, 'only plain names');
  assert.equal(forwardedBetas(undefined), undefined);
});

test("the caller's betas join the configured ones, each once", () => {
  assert.equal(betaHeader(undefined, ['context-1m-2025-08-07']), 'context-1m-2025-08-07');
  assert.equal(
    betaHeader('a-1, context-1m-2025-08-07', ['context-1m-2025-08-07', 'b-2']),
    'a-1,context-1m-2025-08-07,b-2',
  );
  assert.equal(betaHeader('a-1', undefined), 'a-1');
  assert.equal(betaHeader(undefined, []), undefined);
});
