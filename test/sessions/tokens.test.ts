import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimatePromptTokens, estimateTextTokens } from '../../src/sessions/tokens.ts';

test('token estimates grow with the text and tolerate special-token text', () => {
  assert.equal(estimateTextTokens(''), 0);
  const short = estimatePromptTokens([{ role: 'user', content: 'hello' }]);
  const long = estimatePromptTokens([{ role: 'user', content: 'hello '.repeat(500) }]);
  assert.ok(short > 0 && short < 20);
  assert.ok(long > 400 && long < 700, String(long));
  assert.ok(estimateTextTokens('a <|endoftext|> b') > 0);
});
