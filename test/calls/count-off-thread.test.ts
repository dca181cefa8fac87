// Token counts are made on a worker thread, so gpt-tokenizer's tables never join the main heap every full collection
// marks; a worker that cannot answer costs nothing but the counting in place, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OffThreadCounter } from '../../src/calls/count-off-thread.ts';
import { countTextTokens, countTokens, stopCountWorker } from '../../src/calls/count-tokens.ts';

const ENTRY = new URL('../fixtures/workers/count-worker.ts', import.meta.url);
const COUNT_TOKENS = fileURLToPath(new URL('../../src/calls/count-tokens.ts', import.meta.url));

test('a count asked on the main thread is the tokenizer’s, and the tables stay off the main thread', () => {
  // A process of its own: this test process may have loaded the tokenizer for other tests.
  const script = `
    import { createRequire } from 'node:module';
    const { countTextTokens } = await import(${JSON.stringify(COUNT_TOKENS)});
    const n = countTextTokens('The quick brown fox jumps over the lazy dog. <|endoftext|>');
    const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('gpt-tokenizer'));
    console.log(JSON.stringify({ n, loaded }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { n: number; loaded: boolean };
  assert.equal(out.loaded, false);
  const text = 'The quick brown fox jumps over the lazy dog. <|endoftext|>';
  assert.equal(out.n, countTokens(text, { disallowedSpecial: new Set() }));
});

test('a count worker that was stopped is started again by the next count', async () => {
  const text = 'one two three four five six seven';
  const before = countTextTokens(text);
  await stopCountWorker();
  assert.equal(countTextTokens(text), before);
  await stopCountWorker();
});

test('a worker that answers counts, each text in turn', async () => {
  const counter = new OffThreadCounter(ENTRY, 'length');
  try {
    assert.equal(counter.count('abc'), 3);
    assert.equal(counter.count(''), 0);
    assert.equal(counter.count('x'.repeat(100_000)), 100_000);
  } finally {
    await counter.stop();
  }
});

test('a worker whose count throws is given up: the caller counts in place from then on', async () => {
  const counter = new OffThreadCounter(ENTRY, 'throws');
  try {
    assert.equal(counter.count('abc'), undefined);
    assert.equal(counter.count('abc'), undefined);
  } finally {
    await counter.stop();
  }
});

test('a worker that never answers is given up after its wait, and not waited on again', async () => {
  const counter = new OffThreadCounter(ENTRY, 'silent', 300);
  try {
    assert.equal(counter.count('abc'), undefined);
    // Given up: no second wait, no second worker.
    assert.equal(counter.count('abc'), undefined);
  } finally {
    await counter.stop();
  }
});
