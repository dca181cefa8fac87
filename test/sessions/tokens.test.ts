import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXACT_CHARS, estimatePromptTokens, estimateTextTokens } from '../../src/sessions/tokens.ts';

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
