// Counting tokens must not hold the event loop: BPE's merging is quadratic in a word's length, so a long run of one
// character (an upstream's garbage, a client's padded prompt) is counted in pieces, and ordinary text is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { countTextTokens } from '../../src/calls/count-tokens.ts';
import { countTokens } from '../../src/calls/tokenizer.ts';

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

test("counts come from a worker thread: the same numbers, the tokenizer's tables not in the caller's heap, and the caller exits on its own", () => {
  const script = [
    `import { countTexts } from ${JSON.stringify(new URL('../../src/calls/count-tokens.ts', import.meta.url).href)};`,
    `import { countTextTokensHere } from ${JSON.stringify(new URL('../../src/calls/tokenizer.ts', import.meta.url).href)};`,
    `import { createRequire } from 'node:module';`,
    `const texts = ['The quick brown fox jumps over the lazy dog.', 'z'.repeat(5000), ''];`,
    `const counts = countTexts(texts);`,
    `const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('gpt-tokenizer'));`,
    `console.log(JSON.stringify({ counts, loaded }));`,
    // Counted here too, after the check: the numbers the worker must match.
    `console.log(JSON.stringify(texts.map(countTextTokensHere)));`,
  ].join('\n');
  // A worker left running would keep the child alive: the timeout turns that hang into this test's failure.
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(out.status, 0, out.stderr);
  const [worker, here] = out.stdout.trim().split('\n') as [string, string];
  const { counts, loaded } = JSON.parse(worker) as { counts: number[]; loaded: boolean };
  assert.deepEqual(counts, JSON.parse(here));
  assert.ok(counts[0]! > 5 && counts[1]! > 0 && counts[2] === 0, worker);
  assert.equal(loaded, false, 'the tokenizer was loaded in the thread that asked for a count');
});
