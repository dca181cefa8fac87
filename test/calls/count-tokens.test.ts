// Counting tokens must not hold the event loop: BPE's merging is quadratic in a word's length, so a long run of one
// character (an upstream's garbage, a client's padded prompt) is counted in pieces, and ordinary text is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTextTokens, countTokens } from '../../src/calls/count-tokens.ts';

test('ordinary text is counted whole, as the tokenizer counts it', () => {
  const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(500);
  assert.equal(countTextTokens(prose), countTokens(prose, { disallowedSpecial: new Set() }));
});

test('a long word is counted in pieces, within a token per piece of its whole count', () => {
  const word = 'x'.repeat(20_000);
  const whole = countTokens(word);
  const pieces = countTextTokens(word);
  assert.ok(Math.abs(pieces - whole) <= 20, `${pieces} against ${whole}`);
  // Counted whole, 200,000 characters took well over a minute; in pieces it is one more count among the tests.
  assert.ok(countTextTokens('y'.repeat(200_000)) > 0);
});
