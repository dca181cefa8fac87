// Token counts are made on a worker thread, so gpt-tokenizer's tables never join the main heap every full collection
// marks; an awaited count leaves the event loop free meanwhile; a worker that cannot answer costs nothing but the
// counting in place, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OffThreadCounter } from '../../src/calls/count-off-thread.ts';
import { countTextTokens, countTextTokensLater, countTokens, stopCountWorker } from '../../src/calls/count-tokens.ts';

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

test('an awaited count is the tokenizer’s, as the blocking count is', async () => {
  const text = 'Why does the build fail on `node --test`? — café ☕ <|endoftext|> '.repeat(50);
  assert.equal(await countTextTokensLater(text), countTextTokens(text));
  assert.equal(await countTextTokensLater(''), 0);
});

/** Runs `check` with a counter on the fixture worker's `role` and a temp dir for its files; stops and removes both. */
async function withCounter(
  role: string,
  check: (counter: OffThreadCounter, dir: string) => Promise<void>,
  answerMs?: number,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'count-'));
  const counter = new OffThreadCounter(ENTRY, role, answerMs);
  try {
    await check(counter, dir);
  } finally {
    await counter.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a worker that answers counts, each text in turn, awaited or blocking', async () => {
  await withCounter('length', async (counter) => {
    assert.equal(counter.countNow('abc'), 3);
    assert.equal(counter.countNow(''), 0);
    assert.deepEqual(
      await Promise.all([counter.count('ab'), counter.count(''), counter.count('x'.repeat(100_000))]),
      [2, 0, 100_000],
    );
    assert.equal(counter.countNow('x'.repeat(100_000)), 100_000);
  });
});

test('an awaited count leaves the event loop serving while the worker counts', async () => {
  await withCounter('file', async (counter, dir) => {
    const path = join(dir, 'text');
    const counted = counter.count(path);
    // The worker answers only once this write, which needs the event loop, is done. Written aside and renamed: the
    // worker reads the file as soon as it exists, and a file written in place exists, empty, before its bytes land.
    await writeFile(`${path}.part`, 'abcd');
    await rename(`${path}.part`, path);
    assert.equal(await counted, 4);
  });
});

test('a worker whose count throws is given up: the caller counts in place from then on', async () => {
  await withCounter('throws', async (counter) => {
    assert.equal(await counter.count('abc'), undefined);
    assert.equal(counter.countNow('abc'), undefined);
    assert.equal(await counter.count('abc'), undefined);
  });
});

test('a worker that never answers is given up after its wait, and not waited on again', async () => {
  await withCounter(
    'silent',
    async (counter) => {
      assert.equal(counter.countNow('abc'), undefined);
      // Given up: no second wait, no second worker.
      assert.equal(counter.countNow('abc'), undefined);
      assert.equal(await counter.count('abc'), undefined);
    },
    300,
  );
});

test('an awaited count that never comes is given up after its wait, with the counts behind it', async () => {
  await withCounter(
    'hangs',
    async (counter) => {
      assert.deepEqual(await Promise.all([counter.count('abc'), counter.count('de')]), [undefined, undefined]);
      assert.equal(await counter.count('abc'), undefined);
    },
    300,
  );
});

test('counts still awaited when the worker is stopped resolve, for the caller to count in place', async () => {
  await withCounter('file', async (counter, dir) => {
    const counted = counter.count(join(dir, 'never'));
    await counter.stop();
    assert.equal(await counted, undefined);
    // The next count starts another worker.
    writeFileSync(join(dir, 'now'), 'xyz');
    assert.equal(await counter.count(join(dir, 'now')), 3);
  });
});

test('settled waits for every awaited count, and is at once when none is awaited', async () => {
  await withCounter('file', async (counter, dir) => {
    await counter.settled();
    const path = join(dir, 'text');
    const counted = counter.count(path);
    let settled = false;
    const waiting = counter.settled().then(() => (settled = true));
    // The worker cannot answer before the file exists.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    await writeFile(path, 'ab');
    await waiting;
    assert.equal(await counted, 2);
  });
});
