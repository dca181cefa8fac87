import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EXACT_CHARS,
  estimatePromptTokens,
  estimateRequestTokens,
  estimateRequestTokensLater,
  estimateTextTokens,
} from '../../src/sessions/tokens.ts';

test('token estimates grow with the text and tolerate special-token text', () => {
  assert.equal(estimateTextTokens(''), 0);
  const short = estimatePromptTokens([{ role: 'user', content: 'hello' }]);
  const long = estimatePromptTokens([{ role: 'user', content: 'hello '.repeat(500) }]);
  assert.ok(short > 0 && short < 20);
  assert.ok(long > 400 && long < 700, String(long));
  assert.ok(estimateTextTokens('a <|endoftext|> b') > 0);
});

test('past EXACT_CHARS an estimate extrapolates at the measured rate instead of tokenizing everything', () => {
  const unit = 'The quick brown fox jumps over the lazy dog. ';
  const exact = estimateTextTokens(unit.repeat(1000));
  const huge = unit.repeat(Math.ceil((3 * EXACT_CHARS) / unit.length));
  const estimate = estimatePromptTokens([
    { role: 'user', content: huge.slice(0, EXACT_CHARS / 2) },
    { role: 'user', content: huge },
  ]);
  const expected = ((EXACT_CHARS / 2 + huge.length) / (unit.length * 1000)) * exact;
  assert.ok(Math.abs(estimate - expected) / expected < 0.02, `${estimate} vs ≈${Math.round(expected)}`);
});

test('a request estimated on the count worker, awaited, counts as the blocking estimate does, past EXACT_CHARS too', async () => {
  const unit = 'The quick brown fox jumps over the lazy dog. ';
  const request = {
    messages: [
      { role: 'system' as const, content: 'You are a careful coding agent.' },
      { role: 'user' as const, content: unit.repeat(Math.ceil(EXACT_CHARS / unit.length / 2)) },
      {
        role: 'assistant' as const,
        content: null,
        tool_calls: [{ id: 'c1', name: 'read', arguments: '{"path":"a.ts"}' }],
      },
      { role: 'tool' as const, tool_call_id: 'c1', content: unit.repeat(Math.ceil(EXACT_CHARS / unit.length)) },
      { role: 'user' as const, content: '' },
    ],
    tools: [{ name: 'read', description: 'Reads a file', parameters: { type: 'object' } }],
  };
  const blocking = estimateRequestTokens(request);
  assert.ok(blocking > EXACT_CHARS / 5, String(blocking));
  assert.equal(await estimateRequestTokensLater(request), blocking);
});
