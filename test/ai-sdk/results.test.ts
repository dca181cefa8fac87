// Our usage and finish reasons in the SDK's terms: the nested usage splits out what our totals include (cached
// prompt, reasoning output), and every finish reason of ours has the SDK's unified one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finishReason, sdkUsage } from '../../src/ai-sdk/results.ts';

test('usage: totals as ours, the uncached prompt and the text output split out', () => {
  assert.deepEqual(
    sdkUsage({
      input_tokens: 1000,
      output_tokens: 300,
      cache_read_tokens: 600,
      cache_write_tokens: 100,
      reasoning_tokens: 120,
    }),
    {
      inputTokens: { total: 1000, noCache: 300, cacheRead: 600, cacheWrite: 100 },
      outputTokens: { total: 300, text: 180, reasoning: 120 },
      raw: {
        input_tokens: 1000,
        output_tokens: 300,
        cache_read_tokens: 600,
        cache_write_tokens: 100,
        reasoning_tokens: 120,
      },
    },
  );
  assert.deepEqual(sdkUsage({ input_tokens: 10, output_tokens: 5 }), {
    inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 5, text: 5, reasoning: undefined },
    raw: { input_tokens: 10, output_tokens: 5 },
  });
  assert.deepEqual(sdkUsage(undefined).inputTokens.total, undefined);
});

test('finish reasons: each of ours maps to the SDK unified reason, with ours as the raw one', () => {
  assert.deepEqual(
    (['stop', 'stop_sequence', 'length', 'tool_calls', 'content_filter', 'pause_turn'] as const).map(finishReason),
    [
      { unified: 'stop', raw: 'stop' },
      { unified: 'stop', raw: 'stop_sequence' },
      { unified: 'length', raw: 'length' },
      { unified: 'tool-calls', raw: 'tool_calls' },
      { unified: 'content-filter', raw: 'content_filter' },
      { unified: 'other', raw: 'pause_turn' },
    ],
  );
});
