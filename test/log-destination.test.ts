// The gateway's log destination, on real files: every line arrives, in order, whole; a lone line is not held back
// longer than the flush interval; close() and process exit write what is pending.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchedDestination, type BatchedDestination } from '../src/log-destination.ts';
import { createLogger } from '../src/log.ts';
import { tempWorkspace } from './helpers/tmp.ts';
import { until } from './helpers/until.ts';

const MODULE = fileURLToPath(new URL('../src/log-destination.ts', import.meta.url));

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

test('many batches: every line arrives once, in order and whole', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const path = join(ws.dir, 'gateway.log');
  const dest = batchedDestination({ dest: path });
  const logger = createLogger({ level: 'info', destination: dest });
  for (let i = 0; i < 3000; i++) {
    logger.info({ i, text: 'é😀'.repeat(i % 7) }, 'request');
    // Let writes complete between bursts, as under real load.
    if (i % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  dest.close();
  const got = lines(path).map((l) => JSON.parse(l) as { i: number });
  assert.equal(got.length, 3000);
  assert.deepEqual(
    got.map((l) => l.i),
    Array.from({ length: 3000 }, (_, i) => i),
  );
});

/** A destination on a temp file that flushes a waiting line after 50 ms; both cleaned up after the test. */
function quickFlushing(t: TestContext): { path: string; dest: BatchedDestination } {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const path = join(ws.dir, 'gateway.log');
  const dest = batchedDestination({ dest: path, flushMs: 50 });
  t.after(() => dest.close());
  return { path, dest };
}

test('a lone line is written within the flush interval, without a full batch', async (t) => {
  const { path, dest } = quickFlushing(t);
  dest.write('{"msg":"alone"}\n');
  await until('the lone line to be written', () => lines(path).length === 1);
  assert.equal(lines(path)[0], '{"msg":"alone"}');
});

test('a line logged after a quiet spell is written within the flush interval too', async (t) => {
  const { path, dest } = quickFlushing(t);
  dest.write('{"msg":"first"}\n');
  await until('the first line to be written', () => lines(path).length === 1);
  // The timer that wrote it has run: the next line arms its own.
  dest.write('{"msg":"after"}\n');
  await until('the line after the quiet spell to be written', () => lines(path).length === 2);
  assert.deepEqual(lines(path), ['{"msg":"first"}', '{"msg":"after"}']);
});

test('a process that exits right after logging still writes the line', () => {
  const script = [
    `import { batchedDestination } from ${JSON.stringify(MODULE)};`,
    `const dest = batchedDestination({ dest: 2 });`,
    `dest.write('{"msg":"last words"}\\n');`,
    `process.exit(3);`,
  ].join('\n');
  let stderr = '';
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    stderr = String((err as { stderr?: Buffer }).stderr ?? '');
    assert.equal((err as { status?: number }).status, 3);
  }
  assert.match(stderr, /\{"msg":"last words"\}/);
});

test('a process that simply runs out of work writes its last lines too', () => {
  const script = [
    `import { batchedDestination } from ${JSON.stringify(MODULE)};`,
    `const dest = batchedDestination({ dest: 2, flushMs: 50 });`,
    `dest.write('{"msg":"first"}\\n');`,
    // After the first timed flush, so pino's own end-of-process handling has already seen the writer.
    `setTimeout(() => dest.write('{"msg":"last"}\\n'), 120);`,
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stderr.split('\n').filter(Boolean), ['{"msg":"first"}', '{"msg":"last"}']);
});
